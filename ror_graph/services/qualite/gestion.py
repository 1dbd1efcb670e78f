"""The anomaly queue: reads through the visibility policy, assignment, closure with a comment, public reports.

Who reads: support and admin (everything), référents and directeurs (their own structures, as for
``suiviEtablissement``); an anomaly about an offer the caller may not see is left out, as the offer
itself (no existence oracle). Who acts: support and admin assign and close; anybody may report an
error on an EG (``services.signalement``, public form or ``signalerErreur``): it lands in this same
queue as source ``signalement``. Every change is audited in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Anomalie, AuditLog, EntiteJuridique, Etablissement, Unite, utcnow
from ror_graph.services.core.errors import BadInputError, ForbiddenError, NotFoundError, UnauthenticatedError
from ror_graph.services.core.write_common import clean_text
from ror_graph.services.policy.visibility import unite_visible
from ror_graph.services.qualite.moteur import FERMEE
from ror_graph.services.qualite.regles import LIBELLES

GLOBAL = frozenset({"support", "admin"})
MAX_PAGE = 100


def _role(caller: Any) -> str | None:
    return getattr(caller, "role", None) if getattr(caller, "account_id", None) is not None else None


def _readable(caller: Any) -> list[Any]:
    """SQL conditions on ``Anomalie``: what ``caller`` may read."""
    role = _role(caller)
    if role is None:
        raise UnauthenticatedError("Log in to read anomalies.")
    visible_unit = or_(col(Anomalie.unite_id).is_(None),
                       col(Anomalie.unite_id).in_(select(Unite.id).where(unite_visible(caller))))
    if role in GLOBAL:
        return [visible_unit]
    eg_scopes, ej_scopes = set(getattr(caller, "scopes_eg", ())), set(getattr(caller, "scopes_ej", ()))
    own = (select(Etablissement.id).join(EntiteJuridique, col(EntiteJuridique.id) == Etablissement.entite_juridique_id)
           .where(or_(col(Etablissement.finess).in_(eg_scopes), col(EntiteJuridique.finess).in_(ej_scopes))))
    return [visible_unit, col(Anomalie.etablissement_id).in_(own)]


@dataclass(frozen=True)
class Filtre:
    """Filters of the anomaly list (each optional)."""

    finess: str | None = None
    statut: str | None = None
    regle: str | None = None
    assignee: str | None = None


async def anomalies(session: AsyncSession, caller: Any, filtre: Filtre = Filtre(), *, first: int = 50,
                    offset: int = 0) -> tuple[list[tuple[Anomalie, str]], int]:
    """A page of anomalies ``caller`` may read (newest detection first) with their EG's FINESS, and the total."""
    if not 0 < first <= MAX_PAGE or offset < 0:
        raise BadInputError(f"first must be within 1..{MAX_PAGE}, offset ≥ 0.", field="first")
    if filtre.regle is not None and filtre.regle not in LIBELLES:
        raise BadInputError("Unknown rule.", field="regle")
    conditions = _readable(caller)
    for column, value in ((Etablissement.finess, filtre.finess), (Anomalie.statut, filtre.statut),
                          (Anomalie.regle, filtre.regle), (Anomalie.assignee, filtre.assignee)):
        if value is not None:
            conditions.append(col(column) == value)
    base = (select(Anomalie, Etablissement.finess)
            .join(Etablissement, col(Etablissement.id) == Anomalie.etablissement_id))
    total = (await session.exec(select(func.count()).select_from(
        base.where(and_(*conditions)).subquery()))).one()
    rows = await session.exec(base.where(*conditions).order_by(col(Anomalie.derniere_detection_at).desc(),
                                                               col(Anomalie.id).desc()).offset(offset).limit(first))
    return [(a, f) for a, f in rows], total


def _audit(session: AsyncSession, row: Anomalie, changes: dict[str, tuple[Any, Any]], *, actor: str, role: str,
           source: str, now: datetime, motif: str | None = None) -> None:
    change_id = str(uuid.uuid4())
    session.add_all(AuditLog(at=now, entity="anomalie", entity_id=str(row.id), field=k, old_value=_s(old),
                             new_value=_s(new), actor=actor, role=role, source=source, motif=motif,
                             change_id=change_id) for k, (old, new) in changes.items() if old != new)


def _s(value: Any) -> str | None:
    return None if value is None else str(value)


async def _for_support(session: AsyncSession, anomalie_id: int, role: str | None) -> Anomalie:
    if role not in GLOBAL:
        raise ForbiddenError("Only support handles the anomaly queue.")
    row = await session.get(Anomalie, anomalie_id)
    if row is None:
        raise NotFoundError("Anomaly not found.")
    return row


async def assigner(session: AsyncSession, anomalie_id: int, assignee: str | None, *, actor: str, role: str | None,
                   source: str = "admin", now: datetime | None = None) -> Anomalie:
    """Give the anomaly to ``assignee`` (an e-mail; empty = nobody); audited; commits."""
    row = await _for_support(session, anomalie_id, role)
    value = clean_text(assignee, field="assignee", max_length=200) or None
    _audit(session, row, {"assignee": (row.assignee, value)}, actor=actor, role=role or "", source=source,
           now=now or utcnow())
    row.assignee = value
    await session.commit()
    return row


async def fermer(session: AsyncSession, anomalie_id: int, commentaire: str, *, actor: str, role: str | None,
                 source: str = "admin", now: datetime | None = None) -> Anomalie:
    """Close the anomaly with a comment (required); audited; commits."""
    row = await _for_support(session, anomalie_id, role)
    text = clean_text(commentaire, field="commentaire", max_length=2000)
    if not text:
        raise BadInputError("Closing an anomaly needs a comment.", field="commentaire")
    if row.statut == FERMEE:
        raise BadInputError("This anomaly is already closed.", field="statut")
    now = now or utcnow()
    _audit(session, row, {"statut": (row.statut, FERMEE), "commentaire": (row.commentaire, text)}, actor=actor,
           role=role or "", source=source, now=now, motif=text)
    row.statut, row.commentaire, row.fermee_at, row.fermee_par = FERMEE, text, now, actor
    await session.commit()
    return row


__all__ = ["Filtre", "anomalies", "assigner", "fermer"]
