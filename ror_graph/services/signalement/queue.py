"""Receive « signaler une erreur » reports: one intake for the public form and GraphQL ``signalerErreur``.

Every report lands in the support team's one queue: the anomalies (``services.qualite``), as an
``Anomalie`` of source ``signalement`` that support assigns and closes with a comment like any rule's
anomaly. The ``Signalement`` row is only the intake record (who sent what, the salted address digest
the throttle counts, the optional reply e-mail); the anomaly points to it by its key
``signalement:<id>``. Both are written with the audit row in one transaction, or nothing is.

Spam is kept out without any third-party captcha: a honeypot field that people never see (a filled
one is answered like a success and stores nothing, so robots learn nothing) and a throttle per
client address (``SIGNALEMENT_LIMIT`` per ``SIGNALEMENT_WINDOW``), counted in the database so it
holds across workers and channels. The address is stored only as a salted digest.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Anomalie, Etablissement, Signalement, Unite, utcnow
from ror_graph.models.signalement import (
    SIGNALEMENT_EMAIL_MAX_LENGTH,
    SIGNALEMENT_MAX_LENGTH,
    SIGNALEMENT_MIN_LENGTH,
)
from ror_graph.services.core.changes import Actor, ChangeSet
from ror_graph.services.core.errors import BadInputError, DomainError, NotFoundError
from ror_graph.services.core.validation import email_ok
from ror_graph.services.core.write_common import in_transaction

SIGNALEMENT_LIMIT = 5
SIGNALEMENT_WINDOW = timedelta(hours=1)
SOURCE = "signalement"
PUBLIC_ACTOR = Actor(name="site-public", role="public", source="web")


class TooManySignalementsError(DomainError):
    """Too many reports from one address within the window: refused for ``retry_after`` seconds."""

    code = "TOO_MANY_REQUESTS"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Trop de signalements envoyés depuis cette adresse : réessayez dans "
                         f"{math.ceil(retry_after / 60)} minute(s).")
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignalementInput:
    """What a report carries (``honeypot`` is the public form's hidden field robots fill)."""

    finess: str
    message: str
    email: str | None = None
    unite: str | None = None
    honeypot: str | None = None


def address_digest(address: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{address}".encode()).hexdigest()


def _clean(data: SignalementInput) -> tuple[str, str | None]:
    message = " ".join(data.message.split()) if data.message else ""
    if not SIGNALEMENT_MIN_LENGTH <= len(message) <= SIGNALEMENT_MAX_LENGTH:
        raise BadInputError(f"Décrivez l'information en {SIGNALEMENT_MIN_LENGTH} à {SIGNALEMENT_MAX_LENGTH} "
                            "caractères.", field="message")
    email = (data.email or "").strip() or None
    if email is not None and (len(email) > SIGNALEMENT_EMAIL_MAX_LENGTH or not email_ok(email)):
        raise BadInputError("Adresse e-mail invalide.", field="email")
    return message, email


async def _check_throttle(session: AsyncSession, digest: str, now: datetime) -> None:
    since = now - SIGNALEMENT_WINDOW
    count, oldest = (await session.exec(
        select(func.count(), func.min(Signalement.created_at))
        .where(Signalement.address_digest == digest, col(Signalement.created_at) >= since)
    )).one()
    if count >= SIGNALEMENT_LIMIT:
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=now.tzinfo)
        raise TooManySignalementsError(max(1, int((oldest + SIGNALEMENT_WINDOW - now).total_seconds())))


def anomaly_message(message: str, email: str | None, unite: str | None) -> str:
    """The queue's text: what was reported, on which offer, and how to answer the sender."""
    where = f"[offre {unite}] " if unite else ""
    return f"{where}{message}" + (f" (contact : {email})" if email else "")


async def _unite_id(session: AsyncSession, eg_id: int, identifiant: str | None) -> int | None:
    """The reported offer of this EG (so the anomaly follows the offer's visibility), if it is one."""
    if not identifiant:
        return None
    return (await session.exec(select(Unite.id).where(Unite.etablissement_id == eg_id,
                                                      Unite.identifiant == identifiant))).first()


async def submit_signalement(session: AsyncSession, data: SignalementInput, *, address: str, salt: str,
                             actor: Actor = PUBLIC_ACTOR, now: datetime | None = None) -> Anomalie | None:
    """Record a report about EG ``data.finess`` and open its anomaly; ``None`` (nothing stored) on a honeypot.

    Raises ``BadInputError`` (message, e-mail), ``NotFoundError`` (unknown FINESS) or
    ``TooManySignalementsError``; nothing is written then.
    """
    if data.honeypot and data.honeypot.strip():
        return None
    message, email = _clean(data)
    now = now or utcnow()
    digest = address_digest(address, salt)

    async def work() -> Anomalie:
        eg_id = (await session.exec(select(Etablissement.id).where(Etablissement.finess == data.finess))).first()
        if eg_id is None:
            raise NotFoundError("Établissement inconnu.", field="finess")
        await _check_throttle(session, digest, now)
        intake = Signalement(created_at=now, finess=data.finess, unite=(data.unite or None), message=message,
                             email=email, address_digest=digest)
        session.add(intake)
        await session.flush()
        row = Anomalie(cle=f"{SOURCE}:{intake.id}", regle=SOURCE, source=SOURCE, etablissement_id=eg_id,
                       unite_id=await _unite_id(session, eg_id, data.unite),
                       message=anomaly_message(message, email, intake.unite), detectee_at=now,
                       derniere_detection_at=now)
        session.add(row)
        await session.flush()
        cs = ChangeSet(session, actor, now=now)
        cs.record("anomalie", str(row.id), "statut", None, row.statut)
        await cs.flush()
        return row

    row = await in_transaction(session, work)
    await session.refresh(row)  # committed: loaded again for the caller (GraphQL answers with it)
    return row
