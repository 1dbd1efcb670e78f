"""Daily snapshot of the indicators (taux d'enrichissement, validated within 12 months) per territory.

One row per day and département, per day and région, and one national row; the dashboard draws them
as curves. Taking the snapshot twice on one day replaces that day's rows (idempotent job).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import CampagneSnapshot, Etablissement, utcnow
from ror_graph.services.suivi.completeness import etablissements_complets
from ror_graph.services.suivi.validation_flow import twelve_months_before


async def prendre_snapshot(session: AsyncSession, *, now: datetime | None = None) -> str:
    """Store today's indicators per département, région and nation; commits."""
    now = now or utcnow()
    rows = (await session.exec(select(Etablissement.id, Etablissement.region_code, Etablissement.departement_code,
                                      Etablissement.derniere_validation_at)
                               .where(col(Etablissement.ferme).is_(False)))).all()
    complets = await etablissements_complets(session, [r[0] for r in rows if r[0] is not None])
    threshold = twelve_months_before(now)
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for eg_id, region, dep, validated in rows:
        for key in ((region or "", dep or ""), (region or "", ""), ("", "")):
            counts[key][0] += 1
            counts[key][1] += eg_id in complets
            counts[key][2] += validated is not None and validated >= threshold
    day = now.date()
    await session.exec(delete(CampagneSnapshot).where(col(CampagneSnapshot.jour) == day))
    session.add_all(CampagneSnapshot(jour=day, region_code=r, departement_code=d, total=t, complets=c,
                                     valides_12_mois=v) for (r, d), (t, c, v) in counts.items())
    await session.commit()
    return f"{len(counts)} territoires"
