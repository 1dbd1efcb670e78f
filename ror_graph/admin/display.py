"""Labels, not codes: how a stored code reads on a back-office page.

Which column holds which kind of code is derived, not listed by hand: every coded column of
``models.coded.CODED_COLUMNS`` (itself derived from the attribute registry) reads as its
nomenclature label, plus the COG columns (commune, département, région), the description status
and the links to the parent structure. Labels come from the reference tables, read once per
nomenclature (a few hundred rows) or per commune, and kept for the life of the process: reference
data only changes with ``load-reference``, which restarts nothing but is rare (a restart refreshes).
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from sqlmodel import col, select
from starlette.requests import Request

from ror_graph.models import Commune, Departement, EntiteJuridique, Etablissement, Nomenclature, Region
from ror_graph.models.base import table_of
from ror_graph.models.coded import CODED_COLUMNS

#: Words for ``Etablissement.statut_description`` (services.suivi.validation_flow).
STATUTS = {"a_completer": "À compléter", "modifie": "Modifié, à valider", "valide": "Validé"}
GEO_COLUMNS = {"commune_code": "commune", "departement_code": "departement", "region_code": "region"}
PARENTS: dict[str, tuple[type, str]] = {"entite_juridique_id": (EntiteJuridique, "entite-juridique"),
                                         "etablissement_id": (Etablissement, "etablissement")}


class ReferenceLabels:
    """Labels of codes, loaded lazily: a whole nomenclature or geography table at a time, communes one by one."""

    def __init__(self) -> None:
        self.systems: dict[str, dict[str, str]] = {}
        self.geo: dict[str, dict[str, str]] = {}
        self.communes: dict[str, str | None] = {}

    async def nomenclature(self, sessions: Any, system: str, code: str) -> str | None:
        if system not in self.systems:
            async with sessions() as session:
                rows = await session.exec(select(col(Nomenclature.code), col(Nomenclature.label))
                                          .where(col(Nomenclature.system) == system))
                self.systems[system] = {str(c): label for c, label in rows}
        return self.systems[system].get(str(code))

    async def geography(self, sessions: Any, kind: str, code: str) -> str | None:
        if kind == "commune":
            if code not in self.communes:
                async with sessions() as session:
                    commune = await session.get(Commune, code)
                self.communes[code] = f"{commune.nom} ({commune.departement_code})" if commune else None
            return self.communes[code]
        if kind not in self.geo:
            model: Any = Departement if kind == "departement" else Region
            async with sessions() as session:
                self.geo[kind] = dict((await session.exec(select(col(model.code), col(model.nom)))).all())
        name = self.geo[kind].get(code)
        return f"{name} ({code})" if name else None


LABELS = ReferenceLabels()


def labelled_kind(model: type, prop: str) -> str | None:
    """What kind of code ``model.prop`` holds (a nomenclature system, a COG kind, ``statut``), or None."""
    table = table_of(model).name
    if (table, prop) in CODED_COLUMNS:
        return CODED_COLUMNS[(table, prop)]
    if prop in GEO_COLUMNS and prop in table_of(model).columns and table != "commune":
        return GEO_COLUMNS[prop]
    if prop == "statut_description":
        return "statut"
    return None


async def label_of(sessions: Any, kind: str, code: Any) -> str | None:
    """The label of ``code`` of ``kind``; None when the reference data does not know it."""
    if kind == "statut":
        return STATUTS.get(str(code))
    if kind in ("commune", "departement", "region"):
        return await LABELS.geography(sessions, kind, str(code))
    return await LABELS.nomenclature(sessions, kind, str(code))


async def present(view: Any, obj: Any, prop: str, value: Any, request: Request | None, *,
                  detail: bool) -> Any | None:
    """The text (or link) a page shows for ``value``, or None to keep SQLAdmin's default.

    Lists show the label alone; detail pages add the code in brackets (support quotes it to FINESS).
    A code unknown to the reference data shows as itself, flagged, so nothing is silently hidden.
    """
    if value is None or value == "":
        return None
    if prop in PARENTS and request is not None:
        return await _parent_link(view, prop, value, request)
    kind = labelled_kind(view.model, prop)
    if kind is None:
        return None
    label = await label_of(view.ror_state.sessions, kind, value)
    if label is None:
        return f"{value} (code inconnu)"
    if detail and kind not in GEO_COLUMNS.values() and kind != "statut":
        return f"{label} ({value})"
    return label


async def prefetch_parents(view: Any, rows: list[Any], request: Request) -> None:
    """The parent structures a list page links to, read in one query per kind (not one per row).

    Kept in ``request.state`` for ``_parent_link``; a detail page (one row) still reads its parent alone.
    """
    props = [prop for prop in PARENTS if prop in getattr(view, "_list_prop_names", ())]
    found: dict[tuple[str, Any], Any] = request.state.__dict__.setdefault("ror_parents", {})
    for prop in props:
        model: Any = PARENTS[prop][0]
        ids = {getattr(row, prop) for row in rows if getattr(row, prop, None) is not None}
        if not ids:
            continue
        async with view.ror_state.sessions() as session:
            for parent in await session.exec(select(model).where(col(model.id).in_(ids))):
                found[prop, parent.id] = parent


async def _parent_link(view: Any, prop: str, value: Any, request: Request) -> Markup:
    model, identity = PARENTS[prop]
    parent = request.state.__dict__.get("ror_parents", {}).get((prop, value))
    if parent is None:
        async with view.ror_state.sessions() as session:
            parent = await session.get(model, value)
    text = f"{parent.finess} — {parent.raison_sociale}" if parent is not None else "introuvable"
    url = request.url_for("admin:details", identity=identity, pk=str(value))
    return Markup('<a href="{}">{}</a>').format(url, text)
