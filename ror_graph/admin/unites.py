"""Units (offres opérationnelles): support finds them, edits their declared fields, closes them.

Edits go through ``services.unite.write.update_unite`` (rules, nomenclature checks, optimistic
locking, audit with source ``admin``, search outbox), closing through ``fermer_unite`` (see
``unite_closure``), creation through ``create_unite`` with the modèles de saisie
(``unite_creation``). The form covers the scalar declared fields; the lists (activités, publics,
contacts, horaires, lieux, zone) have their own form (``unite_lists``), through the same service.

Coded fields are drop-downs of the national nomenclature, but the choice is not checked by the
form: the service is the single judge of which codes are accepted (``INVALID_CODE``), so a stale
page or a tampered request gets the same answer as the API would give.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlmodel import col
from starlette.requests import Request
from wtforms import Form, SelectField

from ror_graph.admin.auth import require_user
from ror_graph.admin.base import RorModelView, locked
from ror_graph.admin.errors import FormError
from ror_graph.admin.labels import UNITE_LABELS
from ror_graph.admin.listing import SEARCH_WINDOW, ChoiceFilter
from ror_graph.admin.name_search import name_ids
from ror_graph.admin.unite_closure import UniteClosureMixin, code_options
from ror_graph.admin.unite_creation import UniteCreationMixin
from ror_graph.admin.unite_lists import UniteListsMixin
from ror_graph.models import Unite
from ror_graph.services.accounts.principal import Principal
from ror_graph.services.core.changes import as_text
from ror_graph.services.core.errors import DomainError
from ror_graph.services.core.write import parse
from ror_graph.services.unite.inputs import UniteUpdate
from ror_graph.services.unite.write import CODE_COLUMNS

READONLY = {"readonly": True}
# The coded columns come from the registry (through the write service), so a new one is editable here too.
EDITABLE = ("nom", *CODE_COLUMNS, "age_min", "age_max", "unite_sensible", "soins_sans_consentement",
            "secteur_psychiatrique", "commentaire")
TRI_STATE = [("", "Non renseigné"), ("true", "Oui"), ("false", "Non")]


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _version(value: Any) -> int | None:
    """The version posted (not the form's fallback to the row's current one); the service refuses a missing one."""
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() else None


def _tri_state(value: Any) -> bool | None:
    return {"true": True, "false": False}.get(str(value or "").lower())


class UniteAdmin(UniteCreationMixin, UniteListsMixin, UniteClosureMixin, RorModelView, model=Unite):
    """Offres opérationnelles: declared fields edited through the write service; sensitive units visible."""

    name = "Unité"
    name_plural = "Unités (offres)"
    icon = "fa-solid fa-stethoscope"
    category = "Structures"
    column_labels = dict(UNITE_LABELS.items())
    column_list = ["identifiant", "nom", "etablissement_id", "champ_activite_code", "mode_prise_en_charge_code",
                   "age_min", "age_max", "unite_sensible", "ferme"]
    column_details_exclude_list = ["id"]
    column_searchable_list = ["identifiant", "nom"]
    column_sortable_list = ["identifiant", "nom"]
    column_filters = [
        ChoiceFilter("sensible", "Unité sensible", {
            "oui": ("Oui", lambda: col(Unite.unite_sensible).is_(True)),
            "non": ("Non", lambda: col(Unite.unite_sensible).is_(False)),
        }),
        ChoiceFilter("etat", "Ouverte / fermée", {
            "ouvertes": ("Ouvertes", lambda: col(Unite.ferme).is_(False)),
            "fermees": ("Fermées", lambda: col(Unite.ferme).is_(True)),
        }),
    ]

    # Edit form: identifier and version shown read-only (the version is the optimistic lock).
    can_edit = True
    form_columns = ["identifiant", "version", *EDITABLE]
    form_widget_args = {"identifiant": READONLY, "version": READONLY}
    form_overrides = {**{name: SelectField for name in CODE_COLUMNS}, "soins_sans_consentement": SelectField}
    form_args = {**{name: {"description": f"Nomenclature {system.split('-')[0]}."}
                    for name, system in CODE_COLUMNS.items()},
                 **locked(UNITE_LABELS, {
                     "identifiant": "Identifiant national de l'offre : ne change jamais.",
                     "version": "Version lue : si quelqu'un enregistre avant vous, votre modification est refusée."})}

    def search_query(self, stmt: Select, term: str) -> Select:
        """Offer identifier (``52/123``): exact; otherwise the offer name, through its trigram index
        (``admin.name_search``: the ids the page needs first)."""
        term = term.strip()
        if "/" in term:
            return stmt.where(col(Unite.identifiant) == term)
        dialect = self.ror_state.engine.dialect.name
        return stmt.where(col(Unite.id).in_(name_ids(Unite, dialect, term, stmt.whereclause, SEARCH_WINDOW.get())))

    async def check_can_edit(self, request: Request, model: Any) -> bool:
        """Closed offers are history: the service refuses changes, so no edit button either."""
        return await super().check_can_edit(request, model) and not getattr(model, "ferme", False)

    async def scaffold_form(self, rules: list[str] | None = None) -> type[Form]:
        """SQLAdmin's form with the nomenclature drop-downs filled (choices are not enforced, see module doc)."""
        from sqladmin.forms import get_model_form

        options = await code_options(self.ror_state.sessions, list(CODE_COLUMNS.values()))
        args = {name: dict(self.form_args.get(name, {})) for name in self._form_prop_names}
        for name, system in CODE_COLUMNS.items():
            args[name].update(choices=[("", "—"), *options[system]], validate_choice=False)
        args["soins_sans_consentement"].update(choices=TRI_STATE, validate_choice=False)
        return await get_model_form(
            model=self.model, session_maker=self.session_maker, only=self._form_prop_names,
            column_labels=self._column_labels, form_args=args, form_widget_args=self.form_widget_args,
            form_class=self.form_base_class, form_overrides=self._form_overrides,
            form_include_pk=self.form_include_pk, form_converter=self.form_converter,
        )

    async def get_form_data_for_edit(self, obj: Any) -> dict[str, Any]:
        data = await super().get_form_data_for_edit(obj)
        value = data.get("soins_sans_consentement")
        data["soins_sans_consentement"] = "" if value is None else ("true" if value else "false")
        return data

    async def update_model(self, request: Request, pk: str, data: dict) -> Any:
        """Changed declared fields → ``update_unite`` (source admin); service refusals become form errors."""
        from ror_graph.services.unite.write import update_unite

        user = require_user(request)
        async with self.ror_state.sessions() as session:
            unite = await session.get(Unite, int(pk)) if str(pk).isdigit() else None
            if unite is None or unite.identifiant is None:  # the identifier is set when the offer is created
                raise LookupError("Unité introuvable.")
            if "identifiant" in data and (_blank_to_none(data["identifiant"]) or None) != unite.identifiant:
                raise ValueError("L'identifiant national d'une offre ne change jamais.")
            values = {name: _blank_to_none(data[name]) for name in EDITABLE if name in data}
            if "soins_sans_consentement" in values:
                values["soins_sans_consentement"] = _tri_state(values["soins_sans_consentement"])
            # Only what the person changed: an untouched obsolete code is kept, not re-validated.
            changes = {k: v for k, v in values.items() if as_text(v) != as_text(getattr(unite, k))}
            try:
                return await update_unite(session, Principal.back_office_user(user), identifiant=unite.identifiant,
                                          version=_version((await request.form()).get("version")),
                                          data=parse(UniteUpdate, changes))
            except DomainError as exc:
                raise FormError(exc, self._column_labels) from exc
