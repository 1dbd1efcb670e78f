"""EJ and EG views: find a structure fast, correct FINESS fields, edit declared fields, validate.

The EG list searches smartly rather than with SQLAdmin's ``ILIKE '%term%'`` on every column: a
FINESS-shaped term is an indexed equality, a 5-character code an indexed commune/postal code
lookup, anything else a name search (raison sociale, nom opérationnel, commune name).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, exists, or_, select
from sqlmodel import col
from starlette.requests import Request

from ror_graph.admin.auth import require_user
from ror_graph.admin.base import RorModelView, locked
from ror_graph.admin.campagne_eg import DETAIL_FORMATTERS as CAMPAGNE_FORMATTERS
from ror_graph.admin.campagne_eg import DETAIL_LABELS as CAMPAGNE_LABELS
from ror_graph.admin.campagne_eg import CampagneInfoMixin
from ror_graph.admin.corrections import FinessCorrectionMixin
from ror_graph.admin.errors import FormError
from ror_graph.admin.labels import ENTITE_LABELS, ETABLISSEMENT_LABELS, UNITE_LABELS
from ror_graph.admin.listing import SEARCH_WINDOW, ChoiceFilter, ReferenceFilter
from ror_graph.admin.name_search import name_ids
from ror_graph.admin.unite_lists import LIST_LABELS
from ror_graph.admin.validation import ValidationMixin
from ror_graph.models import Departement, EntiteJuridique, Etablissement, Nomenclature, utcnow
from ror_graph.models.coded import CATEGORIE_EG
from ror_graph.services.accounts.principal import Principal
from ror_graph.services.core.errors import BadInputError, DomainError, FinessLockedError
from ror_graph.services.core.write import parse

FINESS_TERM = re.compile(r"^(?:\d{2}|2[AaBb])\d{7}$")
CODE5_TERM = re.compile(r"^(?:\d{2}|2[AaBb])\d{3}$")
FRESHNESS = timedelta(days=365)  # décret 2023-1057: descriptions checked at least once a year
DECLARED_FORM_FIELDS = ("nom_operationnel", "hebergement_famille", "nb_place_aide_sociale_permanent",
                        "nb_place_aide_sociale_temporaire", "accessibilite_code", "commentaire")
READONLY = {"readonly": True}
FICHE_LABELS = {"etablissement": ETABLISSEMENT_LABELS, "unite": {**UNITE_LABELS, **LIST_LABELS}}
VERSION_MISSING = ("La version de la fiche que vous avez ouverte manque au formulaire : rechargez la page "
                   "et refaites votre modification.")


def structure_search(stmt: Select, term: str, model: Any, dialect: str) -> Select:
    """FINESS → equality; commune/postal code → equality; otherwise names and commune names.

    Names are matched ids first through the trigram name indexes (``admin.name_search``), as many as
    the page needs (``SEARCH_WINDOW``), the list's filters inside the lookup.
    """
    term = term.strip()
    if FINESS_TERM.match(term):
        return stmt.where(model.finess == term.upper())
    if CODE5_TERM.match(term):
        return stmt.where(or_(model.commune_code == term.upper(), model.code_postal == term))
    return stmt.where(model.id.in_(name_ids(model, dialect, term, stmt.whereclause, SEARCH_WINDOW.get())))


def departement_filter(column: Any) -> ReferenceFilter:
    return ReferenceFilter(column, "Département", lambda: select(col(Departement.code), col(Departement.nom))
                           .order_by(col(Departement.code)), parameter_name="departement")


class EntiteJuridiqueAdmin(FinessCorrectionMixin, RorModelView, model=EntiteJuridique):
    """Entités juridiques: FINESS identity only, corrected through the FINESS form."""

    finess_entity = "entite_juridique"
    name = "Entité juridique"
    name_plural = "Entités juridiques"
    icon = "fa-solid fa-building"
    category = "Structures"
    column_labels = dict(ENTITE_LABELS.items())
    column_list = ["finess", "raison_sociale", "placeholder", "siren", "commune_code", "statut_juridique_code",
                   "date_fermeture"]
    column_details_exclude_list = ["id"]
    column_searchable_list = ["finess", "raison_sociale", "commune_code"]
    column_sortable_list = ["finess", "raison_sociale"]
    column_filters = [
        ChoiceFilter("etat", "Ouverte / fermée", {
            "ouvertes": ("Ouvertes", lambda: col(EntiteJuridique.date_fermeture).is_(None)),
            "fermees": ("Fermées", lambda: col(EntiteJuridique.date_fermeture).is_not(None)),
        }),
        ChoiceFilter("en_attente", "En attente FINESS", {
            "oui": ("Oui (créée pour un établissement, FINESS ne l'a pas encore transmise)",
                    lambda: col(EntiteJuridique.placeholder).is_(True)),
            "non": ("Non (reçue de FINESS)", lambda: col(EntiteJuridique.placeholder).is_(False)),
        }),
    ]

    def search_query(self, stmt: Select, term: str) -> Select:
        return structure_search(stmt, term, EntiteJuridique, self.ror_state.engine.dialect.name)


class EtablissementAdmin(CampagneInfoMixin, ValidationMixin, FinessCorrectionMixin, RorModelView, model=Etablissement):
    """Établissements: search, filters, declared fields through the write service, FINESS corrections."""

    finess_entity = "etablissement"
    name = "Établissement"
    name_plural = "Établissements"
    icon = "fa-solid fa-hospital"
    category = "Structures"
    column_labels = dict([*ETABLISSEMENT_LABELS.items(), *CAMPAGNE_LABELS.items()])
    column_list = ["finess", "raison_sociale", "commune_code", "categorie_code", "statut_description",
                   "derniere_validation_at"]
    column_details_exclude_list = ["id"]
    column_searchable_list = ["finess", "raison_sociale", "nom_operationnel", "commune_code"]
    column_sortable_list = ["finess", "raison_sociale", "departement_code", "derniere_validation_at"]
    column_filters = [
        departement_filter(Etablissement.departement_code),
        ReferenceFilter(
            Etablissement.categorie_code, "Catégorie",
            lambda: select(col(Nomenclature.code), col(Nomenclature.label))
            .where(col(Nomenclature.system) == CATEGORIE_EG,
                   exists().where(col(Etablissement.categorie_code) == col(Nomenclature.code)))
            .order_by(col(Nomenclature.code)),
            parameter_name="categorie",
        ),
        ChoiceFilter("etat", "Ouvert / fermé", {
            "ouverts": ("Ouverts", lambda: col(Etablissement.ferme).is_(False)),
            "fermes": ("Fermés", lambda: col(Etablissement.ferme).is_(True)),
        }),
        ChoiceFilter("a_mettre_a_jour", "À mettre à jour", {
            "oui": ("Oui (non validé depuis 12 mois)", lambda: or_(
                col(Etablissement.derniere_validation_at).is_(None),
                col(Etablissement.derniere_validation_at) < utcnow() - FRESHNESS)),
            "non": ("Non (validé dans l'année)",
                    lambda: col(Etablissement.derniere_validation_at) >= utcnow() - FRESHNESS),
        }),
    ]

    # Edit form: declared fields only; identity shown read-only, version carried for optimistic locking.
    can_edit = True
    form_columns = ["finess", "raison_sociale", "version", *DECLARED_FORM_FIELDS]
    form_widget_args = {"finess": READONLY, "raison_sociale": READONLY, "version": READONLY}
    form_args = locked(ETABLISSEMENT_LABELS, {
        "finess": "Identité FINESS : ne change jamais.",
        "raison_sociale": "Donnée FINESS : utilisez « Corriger un champ FINESS » avec un motif.",
        "version": "Version lue : si quelqu'un enregistre avant vous, votre modification est refusée.",
    })

    details_template = "ror_admin/etablissement.html"

    def search_query(self, stmt: Select, term: str) -> Select:
        return structure_search(stmt, term, Etablissement, self.ror_state.engine.dialect.name)

    async def details_context(self, request: Request) -> dict[str, Any]:
        """The EG page's blocks (``admin.fiche``), read as the logged-in person may see them."""
        from ror_graph.admin.fiche import load_fiche, shown

        pk = request.path_params.get("pk", "")
        async with self.ror_state.sessions() as session:
            eg = await session.get(Etablissement, int(pk)) if str(pk).isdigit() else None
            if eg is None:
                return {}
            caller = Principal.back_office_user(require_user(request))
            sessions = self.ror_state.sessions
            return {"fiche": await load_fiche(sessions, session, caller, eg, FICHE_LABELS, DECLARED_FORM_FIELDS),
                    "statut": await shown(sessions, Etablissement, "statut_description", eg.statut_description),
                    "derniere_validation": await shown(sessions, Etablissement, "derniere_validation_at",
                                                       eg.derniere_validation_at),
                    # Campaign status and open anomalies, read by CampagneInfoMixin.get_object_for_details.
                    "campagne_lines": [(label, CAMPAGNE_FORMATTERS[name](eg, name, request))
                                       for name, label in CAMPAGNE_LABELS.items()]}

    async def update_model(self, request: Request, pk: str, data: dict) -> Any:
        """Declared fields through ``services.etablissement.write.update_etablissement`` (audit, outbox).

        The version the person read is required: a POST without it (crafted, or a broken page) is
        refused rather than silently written over the current version (no optimistic lock skipped).
        It is read from the posted form itself: the WTForms form falls back to the row's current
        version for a field the POST omits, which is exactly the hole this closes.
        """
        from ror_graph.services.etablissement.inputs import EtablissementUpdate
        from ror_graph.services.etablissement.write import update_etablissement

        version = _version_read((await request.form()).get("version"))
        async with self.ror_state.sessions() as session:
            eg = await session.get(Etablissement, int(pk))
            if eg is None:
                raise LookupError("Établissement introuvable.")
            for name in ("finess", "raison_sociale"):
                if name in data and (data[name] or None) != getattr(eg, name):
                    raise FinessLockedError("Champ FINESS : utilisez « Corriger un champ FINESS » avec un motif.")
            changes = {name: _blank_to_none(data[name]) for name in DECLARED_FORM_FIELDS if name in data}
            try:
                return await update_etablissement(
                    session, Principal.back_office_user(require_user(request)), finess=eg.finess, version=version,
                    data=parse(EtablissementUpdate, changes))
            except DomainError as exc:
                raise FormError(exc, self._column_labels) from exc


def _version_read(value: Any) -> int:
    """The version shown in the form, as sent back by the browser; refused when missing or not a number."""
    text = str(value if value is not None else "").strip()
    if not text.isdigit():
        raise FormError(BadInputError(VERSION_MISSING, field="version"))
    return int(text)


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value
