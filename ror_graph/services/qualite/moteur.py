"""Evaluating the rules and keeping the anomaly queue in step with what they find.

For the EGs evaluated (``None`` = all): a hit with no anomaly opens one; a hit on an anomaly whose
rule had stopped firing (``resolue``, or ``fermee`` then cleared) reopens it; an ``ouverte`` anomaly
whose rule no longer fires becomes ``resolue``. An anomaly support closed while the rule still fires
stays closed (acknowledged) until the rule stops and fires again. New rows are inserted with
``ON CONFLICT DO NOTHING`` on their unique key, so the write-time consumer and the nightly pass may
overlap safely. No commit: the caller owns the transaction (the consumer batch, the nightly job).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Anomalie, Event, Unite, utcnow
from ror_graph.services.qualite.regles import REGLES, SIGNALEMENT, Regle

CHUNK = 500
OUVERTE, FERMEE, RESOLUE = "ouverte", "fermee", "resolue"


@dataclass
class Bilan:
    """What an evaluation changed."""

    ouvertes: int = 0
    reouvertes: int = 0
    resolues: int = 0

    def __str__(self) -> str:
        return f"ouvertes {self.ouvertes}, réouvertes {self.reouvertes}, résolues {self.resolues}"


def cle(regle: str, eg_id: int, unite_id: int | None) -> str:
    return f"{regle}:{eg_id}:{unite_id or ''}"


async def trouver(session: AsyncSession, eg_ids: list[int] | None,
                  regles: Iterable[Regle] = REGLES) -> dict[str, tuple[str, int, int | None, str]]:
    """Key → (rule, EG id, offer id, message) of every hit of ``regles`` over ``eg_ids``."""
    hits: dict[str, tuple[str, int, int | None, str]] = {}
    for regle in regles:
        for eg_id, unite_id, detail in await session.exec(regle.query(eg_ids)):  # type: ignore[call-overload]
            hits[cle(regle.code, eg_id, unite_id)] = (regle.code, eg_id, unite_id,
                                                      f"{regle.libelle} : {detail}"[:2000])
    return hits


def _transitions(rows: Iterable[tuple[int, str, str, bool]], hits: dict[str, Any]) -> dict[str, list[int]]:
    """Ids per change, from the stored (id, key, statut, active) and the keys that fire now (popped from ``hits``)."""
    out: dict[str, list[int]] = {"seen": [], "reopen": [], "clear": [], "resolve": []}
    for anomalie_id, key, statut, active in rows:
        if hits.pop(key, None) is not None:
            out["seen"].append(anomalie_id)
            if statut == RESOLUE or (statut == FERMEE and not active):
                out["reopen"].append(anomalie_id)
        elif active:
            out["clear"].append(anomalie_id)
            if statut == OUVERTE:
                out["resolve"].append(anomalie_id)
    return out


async def _update(conn: Any, ids: list[int], **values: Any) -> None:
    for start in range(0, len(ids), CHUNK):
        await conn.execute(update(Anomalie).where(col(Anomalie.id).in_(ids[start:start + CHUNK])).values(**values))


async def _evaluate_chunk(session: AsyncSession, eg_ids: list[int] | None, now: datetime, bilan: Bilan) -> None:
    """Core statements only (no ORM objects): a nightly pass touches every anomaly of the country."""
    hits: dict[str, Any] = await trouver(session, eg_ids)
    conn = await session.connection()
    query = select(Anomalie.id, Anomalie.cle, Anomalie.statut, Anomalie.active).where(
        col(Anomalie.source) != SIGNALEMENT)
    if eg_ids is not None:
        query = query.where(col(Anomalie.etablissement_id).in_(eg_ids))
    changes = _transitions((await conn.execute(query)).all(), hits)
    await _update(conn, changes["seen"], derniere_detection_at=now, active=True)
    await _update(conn, changes["reopen"], statut=OUVERTE, reouvertures=Anomalie.reouvertures + 1, fermee_at=None,
                  fermee_par=None)
    await _update(conn, changes["clear"], active=False)
    await _update(conn, changes["resolve"], statut=RESOLUE)
    bilan.reouvertes += len(changes["reopen"])
    bilan.resolues += len(changes["resolve"])
    if not hits:
        return
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    values = [{"cle": key, "regle": regle, "etablissement_id": eg_id, "unite_id": unite_id, "message": message,
               "source": "regle", "statut": OUVERTE, "active": True, "reouvertures": 0, "detectee_at": now,
               "derniere_detection_at": now} for key, (regle, eg_id, unite_id, message) in hits.items()]
    before = (await conn.execute(select(func.count()).select_from(Anomalie))).scalar_one()
    # executemany (the drivers' fast path); ON CONFLICT: the write-time consumer may have inserted some meanwhile
    await conn.execute(dialect_insert(Anomalie).on_conflict_do_nothing(index_elements=["cle"]), values)
    bilan.ouvertes += (await conn.execute(select(func.count()).select_from(Anomalie))).scalar_one() - before


async def evaluer(session: AsyncSession, eg_ids: Iterable[int] | None = None, *, now: datetime | None = None) -> Bilan:
    """Run every rule over ``eg_ids`` (``None``: the whole directory) and update the queue; no commit."""
    now, bilan = now or utcnow(), Bilan()
    if eg_ids is None:
        await _evaluate_chunk(session, None, now, bilan)
        return bilan
    ids = sorted(set(eg_ids))
    for start in range(0, len(ids), CHUNK):
        await _evaluate_chunk(session, ids[start:start + CHUNK], now, bilan)
    return bilan


async def etablissements_touches(session: AsyncSession, events: list[Event]) -> set[int]:
    """EG ids changed by ``events`` (an offer's event counts for its EG)."""
    egs = {e.entity_id for e in events if e.entity == "etablissement" and e.entity_id is not None}
    unit_ids = sorted({e.entity_id for e in events if e.entity == "unite" and e.entity_id is not None})
    for start in range(0, len(unit_ids), CHUNK):
        egs |= set(await session.exec(select(Unite.etablissement_id).where(
            col(Unite.id).in_(unit_ids[start:start + CHUNK]))))
    return egs


async def sur_evenements(session: AsyncSession, events: list[Event]) -> Bilan:
    """The ``qualite`` consumer's handler: re-evaluate the EGs the events touched."""
    return await evaluer(session, await etablissements_touches(session, events))
