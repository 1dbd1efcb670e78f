"""Read-only views: units (offres opérationnelles), nomenclatures and communes.

Units are edited by the structures through the API (referent write path); support looks them up
here. Nomenclatures and communes come from national reference files (``ror-graph load-reference``)
and are never edited by hand.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from sqlalchemy import Select, or_, select
from starlette.requests import Request

from ror_graph.admin.base import RorModelView
from ror_graph.admin.labels import COMMUNE_LABELS, NOMENCLATURE_LABELS, UNITE_LABELS
from ror_graph.admin.listing import ChoiceFilter, ReferenceFilter
from ror_graph.admin.organisation import departement_filter
from ror_graph.models import Commune, Nomenclature, Unite


def _etablissement_link(model: Any, attribute: str, request: Request) -> Markup:
    url = request.url_for("admin:details", identity="etablissement", pk=str(model.etablissement_id))
    return Markup('<a href="{}">{}</a>').format(url, model.etablissement_id)


class UniteAdmin(RorModelView, model=Unite):
    """Offres opérationnelles (read-only here; sensitive units are visible to support)."""

    name = "Unité"
    name_plural = "Unités (offres)"
    icon = "fa-solid fa-stethoscope"
    category = "Structures"
    column_labels = UNITE_LABELS
    column_list = ["identifiant", "nom", "etablissement_id", "champ_activite_code", "mode_prise_en_charge_code",
                   "age_min", "age_max", "unite_sensible", "ferme"]
    column_details_exclude_list = ["id"]
    column_searchable_list = ["identifiant", "nom"]
    column_sortable_list = ["identifiant", "nom"]
    column_formatters = {"etablissement_id": _etablissement_link}
    column_formatters_detail = {"etablissement_id": _etablissement_link}
    column_filters = [
        ChoiceFilter("sensible", "Unité sensible", {
            "oui": ("Oui", lambda: Unite.unite_sensible.is_(True)),
            "non": ("Non", lambda: Unite.unite_sensible.is_(False)),
        }),
        ChoiceFilter("etat", "Ouverte / fermée", {
            "ouvertes": ("Ouvertes", lambda: Unite.ferme.is_(False)),
            "fermees": ("Fermées", lambda: Unite.ferme.is_(True)),
        }),
    ]

    def search_query(self, stmt: Select, term: str) -> Select:
        """Offer identifier (``52/123``): exact; otherwise the offer name."""
        term = term.strip()
        if "/" in term:
            return stmt.where(Unite.identifiant == term)
        return stmt.where(Unite.nom.ilike("%" + term.replace("%", r"\%") + "%", escape="\\"))


class NomenclatureAdmin(RorModelView, model=Nomenclature):
    """NOS nomenclatures (TRE / JDV) loaded from the reference files."""

    name = "Nomenclature"
    name_plural = "Nomenclatures"
    icon = "fa-solid fa-list"
    category = "Référentiels"
    column_labels = NOMENCLATURE_LABELS
    column_list = ["system", "code", "label", "status", "writable"]
    column_searchable_list = ["code", "label"]
    column_sortable_list = ["system", "code", "label"]
    column_default_sort = [("system", False), ("code", False)]
    column_filters = [
        ReferenceFilter(Nomenclature.system, "Nomenclature",
                        lambda: select(Nomenclature.system, Nomenclature.system).distinct()
                        .order_by(Nomenclature.system),
                        parameter_name="systeme", show_code=False),
        ChoiceFilter("statut", "Statut", {
            "actifs": ("Actifs", lambda: Nomenclature.status == "active"),
            "obsoletes": ("Obsolètes", lambda: Nomenclature.status != "active"),
        }),
    ]

    def search_query(self, stmt: Select, term: str) -> Select:
        term = term.strip()
        return stmt.where(or_(Nomenclature.code == term,
                              Nomenclature.label.ilike("%" + term.replace("%", r"\%") + "%", escape="\\")))


class CommuneAdmin(RorModelView, model=Commune):
    """Communes of the INSEE COG (code, name, département, postal codes)."""

    name = "Commune"
    name_plural = "Communes"
    icon = "fa-solid fa-map-location-dot"
    category = "Référentiels"
    column_labels = COMMUNE_LABELS
    column_list = ["code", "nom", "departement_code", "codes_postaux", "population"]
    column_searchable_list = ["code", "nom", "codes_postaux"]
    column_sortable_list = ["code", "nom", "population"]
    column_filters = [departement_filter(Commune.departement_code)]

    def search_query(self, stmt: Select, term: str) -> Select:
        term = term.strip()
        if term[:2].isdigit() and len(term) == 5:
            return stmt.where(or_(Commune.code == term, Commune.codes_postaux.contains(term)))
        return stmt.where(Commune.nom.ilike(term.replace("%", r"\%") + "%", escape="\\"))
