"""Read-only views: nomenclatures and communes (units live in ``unites``).

Nomenclatures and communes come from national reference files (``ror-graph load-reference``)
and are never edited by hand.
"""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlmodel import col

from ror_graph.admin.base import RorModelView
from ror_graph.admin.labels import COMMUNE_LABELS, NOMENCLATURE_LABELS
from ror_graph.admin.listing import ChoiceFilter, ReferenceFilter
from ror_graph.admin.organisation import departement_filter
from ror_graph.models import Commune, Nomenclature


class NomenclatureAdmin(RorModelView, model=Nomenclature):
    """NOS nomenclatures (TRE / JDV) loaded from the reference files."""

    name = "Nomenclature"
    name_plural = "Nomenclatures"
    icon = "fa-solid fa-list"
    category = "Référentiels"
    column_labels = dict(NOMENCLATURE_LABELS.items())
    column_list = ["system", "code", "label", "status", "writable"]
    column_searchable_list = ["code", "label"]
    column_sortable_list = ["system", "code", "label"]
    column_default_sort = [("system", False), ("code", False)]
    column_filters = [
        ReferenceFilter(Nomenclature.system, "Nomenclature",
                        lambda: select(col(Nomenclature.system), col(Nomenclature.system)).distinct()
                        .order_by(col(Nomenclature.system)),
                        parameter_name="systeme", show_code=False),
        ChoiceFilter("statut", "Statut", {
            "actifs": ("Actifs", lambda: Nomenclature.status == "active"),
            "obsoletes": ("Obsolètes", lambda: Nomenclature.status != "active"),
        }),
    ]

    def search_query(self, stmt: Select, term: str) -> Select:
        term = term.strip()
        return stmt.where(or_(col(Nomenclature.code) == term,
                              col(Nomenclature.label).ilike("%" + term.replace("%", r"\%") + "%", escape="\\")))


class CommuneAdmin(RorModelView, model=Commune):
    """Communes of the INSEE COG (code, name, département, postal codes)."""

    name = "Commune"
    name_plural = "Communes"
    icon = "fa-solid fa-map-location-dot"
    category = "Référentiels"
    column_labels = dict(COMMUNE_LABELS.items())
    column_list = ["code", "nom", "departement_code", "codes_postaux", "population"]
    column_searchable_list = ["code", "nom", "codes_postaux"]
    column_sortable_list = ["code", "nom", "population"]
    column_filters = [departement_filter(Commune.departement_code)]

    def search_query(self, stmt: Select, term: str) -> Select:
        term = term.strip()
        if term[:2].isdigit() and len(term) == 5:
            return stmt.where(or_(col(Commune.code) == term, col(Commune.codes_postaux).contains(term)))
        return stmt.where(col(Commune.nom).ilike(term.replace("%", r"\%") + "%", escape="\\"))
