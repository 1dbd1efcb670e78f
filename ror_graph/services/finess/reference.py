"""Reference data the FINESS importer needs, read once per import: catégories and COG geography.

Loading ~35,000 communes once (a few MB, independent of the FINESS file size) lets the importer
derive département / région of every EG and resolve the commune of FHIR addresses (postal code +
city, no INSEE code) without one query per line.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Commune, Departement, Nomenclature
from ror_graph.models.coded import CATEGORIE_EG
from ror_graph.services.core.validation import departement_of_commune

#: Distribution suffixes of a postal city line: ``CEDEX 9``, ``SP 07``, or ``CEDE`` cut at 26 characters.
_CEDEX = re.compile(r"(\s+(CEDEX|CEDE|CED|SP)(\s+\d+)?)+$")
_ABBREVIATIONS = ((re.compile(r"\bSTE\b"), "SAINTE"), (re.compile(r"\bST\b"), "SAINT"))


def normalise_name(name: str | None) -> str:
    """Upper case, no accents nor punctuation, ``ST``→``SAINT``, no ``CEDEX n``.

    ``St-Denis Cedex 9`` → ``SAINT DENIS``.
    """
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().upper()
    text = " ".join(re.sub(r"[^A-Z0-9]+", " ", text).split())
    text = _CEDEX.sub("", text)
    for pattern, full in _ABBREVIATIONS:
        text = pattern.sub(full, text)
    return text


def departements_of_postal_code(postal_code: str) -> tuple[str, ...]:
    """Départements a postal code may belong to (Corsica's 20xxx is either 2A or 2B)."""
    if postal_code.startswith(("97", "98")):
        return (postal_code[:3],)
    if postal_code.startswith("20"):
        return ("2A", "2B")
    return (postal_code[:2],)


@dataclass
class FinessReference:
    """Catégories of JDV_J55 and the commune / département tables, as dicts.

    The name indexes (postal code → communes, département + name → commune) are only built when a
    format without COG codes (FHIR) first asks to resolve an address.
    """

    categories: frozenset[str]
    communes: dict[str, tuple[str, str | None]]
    departements: dict[str, str]
    _rows: list[tuple[str, str, str, str]] = field(default_factory=list, repr=False)
    _by_postal: dict[str, list[tuple[str, str]]] | None = field(default=None, repr=False)
    _by_name: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)
    _names: dict[str, list[tuple[str, str]]] = field(default_factory=dict, repr=False)

    @classmethod
    async def load(cls, session: AsyncSession) -> FinessReference:
        conn = await session.connection()
        categories = frozenset((await conn.execute(
            select(col(Nomenclature.code)).where(col(Nomenclature.system) == CATEGORIE_EG))).scalars())
        departements: dict[str, str] = dict((await conn.execute(
            select(col(Departement.code), col(Departement.region_code)))).tuples().all())
        rows = (await conn.execute(select(col(Commune.code), col(Commune.nom), col(Commune.departement_code),
                                          col(Commune.region_code), col(Commune.codes_postaux)))).all()
        communes = {code: (dep, region or departements.get(dep)) for code, _, dep, region, _ in rows}
        return cls(categories, communes, departements, [(c, n, d, p) for c, n, d, _, p in rows])

    def _index(self) -> dict[str, list[tuple[str, str]]]:
        if self._by_postal is None:
            by_postal: dict[str, list[tuple[str, str]]] = defaultdict(list)
            names: dict[str, list[tuple[str, str]]] = defaultdict(list)
            for code, nom, departement, postal_codes in self._rows:
                name = normalise_name(nom)
                self._by_name.setdefault((departement, name), code)
                names[departement].append((name, code))
                for postal_code in postal_codes.split():
                    by_postal[postal_code].append((code, name))
            self._by_postal, self._names = dict(by_postal), dict(names)
        return self._by_postal

    def resolve_commune(self, postal_code: str | None, city: str | None) -> str | None:
        """COG commune of a postal address: postal code + name, then département + name; None if unsure."""
        name = normalise_name(city)
        candidates = self._index().get(postal_code or "", [])
        exact = [code for code, candidate in candidates if candidate == name]
        if len(exact) == 1:
            return exact[0]
        if len(candidates) == 1 and not exact:
            return candidates[0][0]
        if not (postal_code and len(postal_code) == 5 and name):
            return None
        departements = departements_of_postal_code(postal_code)
        found = {self._by_name.get((dep, name)) for dep in departements} - {None}
        if not found and len(name) >= 4:
            # Truncated (26-character lines) or merged into a commune nouvelle named after it
            # (BEAUPREAU → Beaupréau-en-Mauges): accept a unique commune whose name starts with it.
            found = {code for dep in departements for candidate, code in self._names.get(dep, [])
                     if candidate.startswith(name)}
        return found.pop() if len(found) == 1 else None

    def geography(self, commune_code: str | None, departement: str | None) -> tuple[str | None, str | None]:
        """(département, région) of a commune, else of the stated département; None when unknown."""
        if commune_code:
            if commune_code in self.communes:
                return self.communes[commune_code]
            departement = departement_of_commune(commune_code)
        if departement and departement in self.departements:
            return departement, self.departements[departement]
        return departement, None
