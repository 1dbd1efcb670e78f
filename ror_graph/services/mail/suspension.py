"""Addresses en échec: a permanent bounce suspends the reminders to the address until support restores it.

Mail operators expect it (a relay that keeps sending to unknown mailboxes loses its reputation, and
the person would not read the reminder anyway): once a 5.x.x notice is recorded for an address, the
``relances`` job skips it and counts it. When the référent's or directeur's mailbox is fixed (or
the account's address corrected: a new address was never refused), support puts the address back
in service from *Adresses en échec*: the row goes, with an audit line and the motif.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import AdresseEchec, AuditLog, utcnow
from ror_graph.services.core.errors import NotFoundError


async def adresses_suspendues(session: AsyncSession) -> set[str]:
    """Lower-case addresses with a permanent failure: no reminder goes to them."""
    return set((await session.exec(select(AdresseEchec.email).where(col(AdresseEchec.definitif).is_(True)))).all())


async def retablir_adresse(session: AsyncSession, *, actor: Any, adresse_id: int, motif: str | None,
                           now: datetime | None = None) -> None:
    """Put address ``adresse_id`` back in service (support, back office): row removed, audited; commits."""
    row = await session.get(AdresseEchec, adresse_id)
    if row is None:
        raise NotFoundError(f"No address en échec with id {adresse_id}.", field="adresse_id")
    session.add(AuditLog(at=now or utcnow(), entity="adresse_echec", entity_id=str(adresse_id), field="email",
                         old_value=f"{row.email} ({row.code}, {row.rebonds} avis)", new_value="remise en service",
                         actor=actor.name, role=actor.role, source=actor.source, motif=motif,
                         change_id=str(uuid.uuid4())))
    await session.delete(row)
    await session.commit()
