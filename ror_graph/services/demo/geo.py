"""Geography for the demo generator: an EG's COG commune and the neighbours of a commune.

An EG imported by ``import-finess`` already has its COG commune. One inserted without it is placed by
its postal address with the importer's own resolver (``FinessReference.resolve_commune``), so the
demo and the import never disagree on where an establishment is.
"""

from __future__ import annotations

import math
from collections import defaultdict

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Commune, Departement, Etablissement
from ror_graph.services.finess.reference import FinessReference


def _distance(a: Commune, b: Commune) -> float:
    """Equirectangular distance in km: plenty for ranking neighbours inside a département."""
    lat_a, lon_a, lat_b, lon_b = a.latitude, a.longitude, b.latitude, b.longitude
    assert lat_a is not None and lon_a is not None and lat_b is not None and lon_b is not None
    x = math.radians(lon_b - lon_a) * math.cos(math.radians((lat_a + lat_b) / 2))
    return 6371 * math.hypot(x, math.radians(lat_b - lat_a))


def _common_prefix_length(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def neighbour_communes(origin: Commune, candidates: list[Commune], count: int) -> list[str]:
    """``origin`` and its ``count`` nearest communes among ``candidates``, deterministically.

    Communes with a known centre come first, by distance (when ``origin`` has one); then those sharing
    the longest postal-code prefix with ``origin``; ties by COG code.
    """
    postal = (origin.codes_postaux.split() or [""])[0]
    located = origin.latitude is not None and origin.longitude is not None

    def rank(c: Commune) -> tuple:
        if located and c.latitude is not None and c.longitude is not None:
            return (0, _distance(origin, c), c.code)
        shared = max((_common_prefix_length(postal, p) for p in c.codes_postaux.split()), default=0)
        return (1, -shared, c.code)

    others = sorted((c for c in candidates if c.code != origin.code), key=rank)
    return [origin.code, *(c.code for c in others[:count])]


class Geo:
    """Communes of some départements, indexed for placing EGs and building zones."""

    def __init__(self, communes: list[Commune], region_of_departement: dict[str, str],
                 reference: FinessReference) -> None:
        self.by_code = {c.code: c for c in communes}
        self.by_departement: dict[str, list[Commune]] = defaultdict(list)
        for c in sorted(communes, key=lambda c: c.code):
            self.by_departement[c.departement_code].append(c)
        self.region_of_departement = region_of_departement
        self.reference = reference

    def region_of(self, commune: Commune | None) -> str | None:
        if commune is None:
            return None
        return commune.region_code or self.region_of_departement.get(commune.departement_code)

    def commune_of(self, eg: Etablissement) -> Commune | None:
        """The EG's COG commune, else the one its postal code and city label resolve to (or None)."""
        code = eg.commune_code or self.reference.resolve_commune(eg.code_postal, eg.libelle_acheminement)
        return self.by_code.get(code or "")


async def load_geo(session: AsyncSession, departements: set[str]) -> Geo:
    """The communes of ``departements`` (detached from ``session``) and every département's région."""
    communes = list(await session.exec(select(Commune).where(col(Commune.departement_code).in_(departements))))
    for commune in communes:  # detached: they stay readable after the generator's commits
        session.expunge(commune)
    regions = {d.code: d.region_code for d in await session.exec(select(Departement))}
    return Geo(communes, regions, await FinessReference.load(session))
