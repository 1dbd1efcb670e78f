"""Campaign reminders by e-mail to the référents and directeurs of the structures not validated yet.

Steps: ``ouverture`` (from the opening), ``j-30`` and ``j-7`` (30 and 7 days before the deadline),
then ``retard-1``, ``retard-2``… once a week after the deadline. A run sends, for each EG still not
validated and each active référent / directeur covering it (EG or EJ scope), the **latest** due step
only: a worker that was down does not send three overdue steps at once.

Exactly once per step, EG and person, across restarts and processes: the ``mail_envoi`` row with its
unique ``cle`` is inserted (``ON CONFLICT DO NOTHING``) and committed *before* the message is handed
over; only the process whose insert created the row sends it. A failed hand-over keeps the row as
``echec`` with its error (back office); it is tried again at the next run while the step is current,
up to ``MAX_TENTATIVES``. An address a receiving server refused for good (bounce 5.x.x, « adresse en
échec ») gets nothing until support puts it back in service (``services.mail.suspension``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Account, AccountScope, Campagne, EntiteJuridique, Etablissement, MailEnvoi, Role, utcnow
from ror_graph.services.campagne.contenu import message_relance
from ror_graph.services.campagne.statuts import VALIDEE, campagnes, in_scope, statut_expr
from ror_graph.services.mail.mailer import MailConfig
from ror_graph.services.mail.outbox import A_ENVOYER, ECHEC, deliver, send_once
from ror_graph.services.mail.suspension import adresses_suspendues

MAX_TENTATIVES = 3
ABANDON = timedelta(hours=1)  # a row reserved this long ago and still unsent: its run crashed
RELANCE_ROLES = (Role.referent.value, Role.directeur.value)


def etape_due(campagne: Campagne, now: datetime) -> str | None:
    """The latest reminder step due at ``now`` (``None`` before the opening)."""
    if now < campagne.ouverture:
        return None
    if now > campagne.echeance:
        return f"retard-{(now - campagne.echeance) // timedelta(days=7) + 1}"
    if now >= campagne.echeance - timedelta(days=7):
        return "j-7"
    if now >= campagne.echeance - timedelta(days=30):
        return "j-30"
    return "ouverture"


def cle(campagne_id: int, eg_id: int, etape: str, email: str) -> str:
    return f"campagne:{campagne_id}:eg:{eg_id}:{etape}:{email.lower()}"


async def destinataires(session: AsyncSession, campagne: Campagne, now: datetime) -> list[tuple[int, str, str | None]]:
    """(EG id, e-mail, name) of every active référent / directeur of an EG of ``campagne`` not validated."""
    covers = or_(and_(col(AccountScope.kind) == "eg", col(AccountScope.finess) == Etablissement.finess),
                 and_(col(AccountScope.kind) == "ej", col(AccountScope.finess) == EntiteJuridique.finess))
    query = (select(Etablissement.id, Account.email, Account.nom)
             .join(EntiteJuridique, col(EntiteJuridique.id) == Etablissement.entite_juridique_id)
             .join(AccountScope, covers).join(Account, col(Account.id) == AccountScope.account_id)
             .where(*in_scope(campagne), statut_expr(campagne, now) != VALIDEE, col(Account.active).is_(True),
                    col(Account.role).in_(RELANCE_ROLES))
             .distinct().order_by(col(Etablissement.id), col(Account.email)))
    return [(eg_id, email, nom) for eg_id, email, nom in await session.exec(query) if eg_id is not None]


async def _retryable(session: AsyncSession, campagne: Campagne, etape: str, now: datetime) -> list[MailEnvoi]:
    """Failed rows of the current step from earlier runs, and rows a crashed run reserved but never sent."""
    rows = await session.exec(select(MailEnvoi).where(
        col(MailEnvoi.campagne_id) == campagne.id, col(MailEnvoi.etape) == etape,
        col(MailEnvoi.tentatives) < MAX_TENTATIVES,
        or_(and_(col(MailEnvoi.statut) == ECHEC, col(MailEnvoi.created_at) < now),
            and_(col(MailEnvoi.statut) == A_ENVOYER, col(MailEnvoi.created_at) < now - ABANDON))))
    return list(rows.all())


@dataclass
class Bilan:
    """What a reminder run did."""

    envoyes: int = 0
    echecs: int = 0
    deja_faits: int = 0
    suspendus: int = 0

    def __str__(self) -> str:
        return (f"envoyés {self.envoyes}, échecs {self.echecs}, déjà envoyés {self.deja_faits}, "
                f"adresses en échec {self.suspendus}")


async def relancer_campagne(session: AsyncSession, campagne: Campagne, config: MailConfig, *, public_url: str,
                            now: datetime, bilan: Bilan) -> None:
    """Send the current step of ``campagne`` to everyone who has not had it yet."""
    etape = etape_due(campagne, now)
    if etape is None or campagne.id is None:
        return
    done = set((await session.exec(select(MailEnvoi.cle).where(
        col(MailEnvoi.campagne_id) == campagne.id, col(MailEnvoi.etape) == etape))).all())
    suspendues = await adresses_suspendues(session)
    for eg_id, email, nom in await destinataires(session, campagne, now):
        if email.lower() in suspendues:  # refused for good by its server: support restores it once fixed
            bilan.suspendus += 1
            continue
        if cle(campagne.id, eg_id, etape, email) in done:  # sent (or being retried below): skip composing it
            bilan.deja_faits += 1
            continue
        eg = await session.get(Etablissement, eg_id)
        assert eg is not None  # just selected
        subject, body = await message_relance(session, campagne, eg, etape, nom=nom, public_url=public_url, now=now)
        ok = await send_once(session, config, cle=cle(campagne.id, eg_id, etape, email), kind="relance", to=email,
                             subject=subject, body=body, now=now, campagne_id=campagne.id, etablissement_id=eg_id,
                             etape=etape)
        if ok is None:
            bilan.deja_faits += 1
            continue
        bilan.envoyes, bilan.echecs = bilan.envoyes + ok, bilan.echecs + (not ok)
    for row in await _retryable(session, campagne, etape, now):
        eg = await session.get(Etablissement, row.etablissement_id)
        if eg is None or row.id is None or row.destinataire.lower() in suspendues:
            continue
        subject, body = await message_relance(session, campagne, eg, etape, nom=None, public_url=public_url, now=now)
        ok = await deliver(session, row.id, config, to=row.destinataire, subject=subject, body=body, now=now)
        bilan.envoyes, bilan.echecs = bilan.envoyes + ok, bilan.echecs + (not ok)


async def relancer(session: AsyncSession, config: MailConfig, *, public_url: str, now: datetime | None = None) -> Bilan:
    """One reminder run over every active campaign (the scheduler's ``relances`` job)."""
    now = now or utcnow()
    bilan = Bilan()
    for campagne in await campagnes(session, actives_seulement=True):
        await relancer_campagne(session, campagne, config, public_url=public_url, now=now, bilan=bilan)
    return bilan
