"""What became of a campaign's reminders: handed over, failed at hand-over, refused later (bounce).

Counts only, so the figure can go wherever the campaign is shown (back-office dashboard, GraphQL)
without naming anybody; the addresses themselves are listed to support in the back office only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import MailEnvoi
from ror_graph.services.mail.outbox import ECHEC, ENVOYE, REBOND


@dataclass(frozen=True)
class BilanEnvois:
    """Reminders of one campaign by outcome."""

    envoyees: int = 0
    echecs: int = 0
    rebonds: int = 0
    retardees: int = 0

    @property
    def en_echec(self) -> int:
        return self.echecs + self.rebonds


async def bilan_envois(session: AsyncSession, campagne_id: int) -> BilanEnvois:
    """Handed over (``envoyees``, bounced ones included), failed at hand-over, bounced, delayed (4.x.x)."""
    rows = await session.exec(
        select(MailEnvoi.statut, col(MailEnvoi.rebond_code).is_not(None), func.count())
        .where(col(MailEnvoi.campagne_id) == campagne_id).group_by(col(MailEnvoi.statut),
                                                                   col(MailEnvoi.rebond_code).is_not(None)))
    counts = {(statut, bool(notice)): n for statut, notice, n in rows}

    def total(statut: str) -> int:
        return sum(n for (s, _), n in counts.items() if s == statut)

    return BilanEnvois(envoyees=total(ENVOYE) + total(REBOND), echecs=total(ECHEC), rebonds=total(REBOND),
                       retardees=counts.get((ENVOYE, True), 0))
