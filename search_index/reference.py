"""Labels and geography the search side needs, read once from the reference tables.

Documents carry code + label for every facet, facet counts come back from Meilisearch as bare
codes, and "near commune X" needs the commune's centre: all three read this small, rarely changing
snapshot (≈ 3,500 codes and 35,000 communes) instead of querying the database per document or per
request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Commune, Departement, Region
from ror_graph.services.directory.batch import nomenclature_rows


@dataclass(frozen=True)
class CommuneRef:
    """What documents and geo queries need of a COG commune."""

    code: str
    nom: str
    departement_code: str
    region_code: str | None
    codes_postaux: tuple[str, ...]
    latitude: float | None
    longitude: float | None


@dataclass
class SearchReference:
    """Code labels per nomenclature system, and the French geography by code."""

    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    communes: dict[str, CommuneRef] = field(default_factory=dict)
    departements: dict[str, str] = field(default_factory=dict)
    departement_regions: dict[str, str] = field(default_factory=dict)
    regions: dict[str, str] = field(default_factory=dict)

    def label(self, system: str, code: str | None) -> str | None:
        """Label of ``code`` in ``system``; the code itself when the nomenclature does not know it."""
        if code is None:
            return None
        return self.labels.get(system, {}).get(code, code)

    def concept(self, system: str, code: str | None) -> dict[str, str] | None:
        """``{code, label}`` as stored in documents, or ``None`` for a missing code."""
        if not code:
            return None
        return {"code": code, "label": self.label(system, code) or code}

    def concepts(self, system: str, codes: list[str]) -> list[dict[str, str]]:
        """``{code, label}`` for each distinct code, in code order (stable documents)."""
        return [{"code": c, "label": self.label(system, c) or c} for c in sorted(set(codes))]


async def load_search_reference(session: AsyncSession) -> SearchReference:
    """Read every label and the COG geography in four statements."""
    ref = SearchReference()
    for system, code, label in await nomenclature_rows(session):  # the rows the API's label cache reads
        ref.labels.setdefault(system, {})[code] = label
    conn = await session.connection()
    for code, nom in await conn.execute(select(col(Region.code), col(Region.nom))):
        ref.regions[code] = nom
    departements = select(col(Departement.code), col(Departement.nom), col(Departement.region_code))
    for code, nom, region in await conn.execute(departements):
        ref.departements[code] = nom
        ref.departement_regions[code] = region
    rows = await conn.execute(
        select(col(Commune.code), col(Commune.nom), col(Commune.departement_code), col(Commune.region_code),
               col(Commune.codes_postaux), col(Commune.latitude), col(Commune.longitude))
    )
    for code, nom, dep, reg, cps, lat, lon in rows:
        ref.communes[code] = CommuneRef(code, nom, dep, reg, tuple((cps or "").split()), lat, lon)
    return ref
