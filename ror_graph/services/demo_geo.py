"""Geography for the demo generator: an EG's COG commune and the neighbours of a commune.

The FHIR FINESS extract has no INSEE commune code, so an EG without one is placed by its postal
code (and city name when a postal code covers several communes).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Commune, Departement, Etablissement


def _distance(a: Commune, b: Commune) -> float:
    """Equirectangular distance in km: plenty for ranking neighbours inside a département."""
    assert None not in (a.latitude, a.longitude, b.latitude, b.longitude)
    x = math.radians(b.longitude - a.longitude) * math.cos(math.radians((a.latitude + b.latitude) / 2))
    return 6371 * math.hypot(x, math.radians(b.latitude - a.latitude))


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


_CEDEX = re.compile(r"\s+CEDEX\b.*$", re.IGNORECASE)


def simplify(name: str) -> str:
    """Upper-case ASCII letters only, SAINT → ST: compares FINESS city labels with COG names."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    return re.sub(r"[^A-Z]", "", plain.replace("SAINT", "ST"))


class Geo:
    """Communes of some départements, indexed for placing EGs and building zones."""

    def __init__(self, communes: list[Commune], region_of_departement: dict[str, str]) -> None:
        self.by_code = {c.code: c for c in communes}
        self.by_departement: dict[str, list[Commune]] = defaultdict(list)
        self.by_postal: dict[str, list[Commune]] = defaultdict(list)
        self.by_name: dict[tuple[str, str], list[Commune]] = defaultdict(list)
        for c in sorted(communes, key=lambda c: c.code):
            self.by_departement[c.departement_code].append(c)
            self.by_name[(c.departement_code, simplify(c.nom))].append(c)
            for p in c.codes_postaux.split():
                self.by_postal[p].append(c)
        self.region_of_departement = region_of_departement

    def region_of(self, commune: Commune | None) -> str | None:
        if commune is None:
            return None
        return commune.region_code or self.region_of_departement.get(commune.departement_code)

    def commune_of(self, eg: Etablissement, departement: str) -> Commune | None:
        """The EG's COG commune, else found from its postal code and city label.

        Order: the commune of the postal code whose name starts the city label; any commune of the
        postal code; then, for CEDEX codes (which belong to no commune), the commune of
        ``departement`` named like the city label without its ``CEDEX`` suffix, or whose name starts
        with it (old communes merged into a "commune nouvelle": BEAUPREAU → Beaupréau-en-Mauges).
        """
        if eg.commune_code and eg.commune_code in self.by_code:
            return self.by_code[eg.commune_code]
        matches = self.by_postal.get(eg.code_postal or "", [])
        city = simplify(_CEDEX.sub("", eg.libelle_acheminement or ""))
        named = [c for c in matches if simplify(c.nom) and city.startswith(simplify(c.nom))]
        same_name = self.by_name.get((departement, city), [])
        merged = [c for c in self.by_departement.get(departement, []) if city and simplify(c.nom).startswith(city)]
        return (named or matches or same_name or merged or [None])[0]


async def load_geo(session: AsyncSession, departements: set[str]) -> Geo:
    """The communes of ``departements`` (detached from ``session``) and every département's région."""
    communes = list(await session.exec(select(Commune).where(col(Commune.departement_code).in_(departements))))
    for commune in communes:  # detached: they stay readable after the generator's commits
        session.expunge(commune)
    regions = {d.code: d.region_code for d in await session.exec(select(Departement))}
    return Geo(communes, regions)
