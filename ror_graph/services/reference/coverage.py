"""Coverage of commune centres by precision: how many communes, and what share of the population.

A "near commune X" search is only as good as X's centre, so ``load-reference`` reports how the
centres were placed (``reelle``: a gazetteer's position of the town; ``finess``: mean position
of its FINESS establishments; ``approchee``: derived from neighbouring communes). Municipal
arrondissements of Paris, Lyon and Marseille are left out of the population share: their
inhabitants are already counted in their commune.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Commune

#: Precision values, best first; ``None`` = no centre.
PRECISIONS = ("reelle", "finess", "approchee", None)


def is_municipal_arrondissement(code: str) -> bool:
    """Paris 75101-75120, Lyon 69381-69389, Marseille 13201-13216."""
    return code[:3] in {"751", "132"} or code.startswith("6938")


@dataclass(frozen=True)
class PrecisionShare:
    precision: str | None
    communes: int
    population: int
    population_share: float


async def position_coverage(session: AsyncSession) -> list[PrecisionShare]:
    """Communes and population share per centre precision (arrondissements counted as communes only)."""
    conn = await session.connection()
    rows = (await conn.execute(select(
        col(Commune.code), col(Commune.population), col(Commune.position_precision)))).all()
    communes = dict.fromkeys(PRECISIONS, 0)
    population = dict.fromkeys(PRECISIONS, 0)
    for code, inhabitants, precision in rows:
        key = precision if precision in communes else None
        communes[key] += 1
        if not is_municipal_arrondissement(code):
            population[key] += inhabitants or 0
    total = sum(population.values()) or 1
    return [PrecisionShare(p, communes[p], population[p], population[p] / total)
            for p in PRECISIONS if communes[p]]
