"""Support creates an offer, optionally from a « modèle de saisie », through the API's write path.

The templates are the ones ``creerUnite(modele:)`` uses (``services.qualite.modeles``, declared once,
edited by support in « Modèles de saisie »): choosing one preselects its values in the form, the agent
changes what he wants, and what is posted is exactly what is saved — every field is sent, so the
template fills nothing behind the agent's back; it only brings the default zone d'intervention of a
home-care or mobile offer (the EG's département), as in GraphQL. The save builds a ``UniteCreate``
(the GraphQL input's typed model) and calls ``services.unite.write.create_unite``: same checks,
nomenclature validation, audit (source admin), events and search outbox; a refusal is shown in
French above the form and nothing is written.
"""

from __future__ import annotations

import json
from typing import Any

from sqladmin import Flash, expose
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ror_graph.admin.auth import require_user
from ror_graph.admin.base import MenuLink
from ror_graph.admin.errors import french_error
from ror_graph.admin.labels import UNITE_LABELS
from ror_graph.admin.unite_closure import code_options
from ror_graph.admin.unite_lists import LIST_LABELS
from ror_graph.services.accounts.principal import Principal
from ror_graph.services.core.errors import BadInputError, DomainError
from ror_graph.services.core.write import parse
from ror_graph.services.unite.attributes import CODE_COLUMNS
from ror_graph.services.unite.inputs import ATTRIBUTE_SYSTEMS, CODED_LISTS, UniteCreate

AGES = ("age_min", "age_max")
FORM_FIELDS = {*CODE_COLUMNS, *CODED_LISTS, *AGES, "unite_sensible"}  # what a template can preselect in the form
CREATION_LABELS = {**UNITE_LABELS, **LIST_LABELS, "finess": "FINESS de l'établissement",
                   "modele": "Modèle de saisie"}


def _blank(value: Any) -> str | None:
    text = str(value or "").strip()
    return text or None


def _age(form: Any, key: str) -> int | None:
    text = str(form.get(key) or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise BadInputError(f"{CREATION_LABELS.get(key, key)} : un nombre entier d'années est attendu.", field=key)
    return int(text)


def posted_values(form: Any) -> dict[str, Any]:
    """The offer as posted: every field of the form, blank = not filled (the service says what is missing)."""
    values: dict[str, Any] = {"nom": _blank(form.get("nom")), "unite_sensible": form.get("unite_sensible") == "on"}
    values.update({key: _age(form, key) for key in AGES})
    values.update({key: _blank(form.get(key)) for key in CODE_COLUMNS})
    values.update({key: sorted({str(v) for v in form.getlist(key) if str(v).strip()}) for key in CODED_LISTS})
    missing = [key for key in ("nom", "champ_activite_code", "mode_prise_en_charge_code", *AGES) if values[key] is None]
    if missing:
        names = ", ".join(CREATION_LABELS.get(key, key) for key in missing)
        raise BadInputError(f"À renseigner : {names}.", field=missing[0])
    return values


def _script_json(value: Any) -> str:
    """JSON safe inside a ``<script>`` element (a template value cannot close it)."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class UniteCreationMixin:
    """Adds « Créer une unité » (with the modèles de saisie) to the units view (mix in before ``RorModelView``)."""

    def menu_links(self, request: Request) -> list[MenuLink]:
        return [MenuLink("Créer une unité", str(request.url_for("admin:view-unite-creation_form")))]

    @expose("/creer", methods=["GET", "POST"])
    async def creation_form(self, request: Request) -> Response:
        """GET: the form (``?finess=`` and ``?modele=`` preselect); POST: create through the write service."""
        from ror_graph.services.qualite.modeles import modeles, preparer_creation
        from ror_graph.services.unite.write import create_unite

        async with self.ror_state.sessions() as session:  # type: ignore[attr-defined]
            templates = {m.code: m for m in await modeles(session)}
        if request.method == "GET":
            code = request.query_params.get("modele") or ""
            values = dict(templates[code].valeurs) if code in templates else {}
            return await self._creation_page(request, templates, {
                "finess": request.query_params.get("finess") or "", "modele": code if code in templates else "",
                "age_min": "", "age_max": "", **values})
        form = await request.form()
        finess, code = str(form.get("finess") or "").strip(), str(form.get("modele") or "")
        try:
            if code and code not in templates:
                raise BadInputError("Modèle de saisie inconnu.", field="modele")
            async with self.ror_state.sessions() as session:  # type: ignore[attr-defined]
                data = await preparer_creation(session, finess, parse(UniteCreate, posted_values(form)), code or None)
                unite = await create_unite(session, Principal.back_office_user(require_user(request)), finess=finess,
                                           data=data)
                unite_id, identifiant = unite.id, unite.identifiant
        except DomainError as exc:
            echo = {key: form.getlist(key) if key in CODED_LISTS else form.get(key) for key in form}
            return await self._creation_page(request, templates, echo, error=french_error(exc, CREATION_LABELS),
                                             status_code=400)
        Flash.success(request, f"Unité {identifiant} créée" + (f" (modèle « {templates[code].libelle} »)."
                                                               if code else "."))
        return RedirectResponse(request.url_for("admin:details", identity="unite", pk=unite_id), status_code=303)

    async def _creation_page(self, request: Request, templates: dict[str, Any], values: dict[str, Any], *,
                             error: str | None = None, status_code: int = 200) -> Response:
        systems = list({*CODE_COLUMNS.values(), *ATTRIBUTE_SYSTEMS.values()})
        options = await code_options(self.ror_state.sessions, systems)  # type: ignore[attr-defined]
        scalars = [(key, CREATION_LABELS.get(key, key), options[system], values.get(key) or "")
                   for key, system in CODE_COLUMNS.items()]
        coded = [(key, LIST_LABELS[key], options[ATTRIBUTE_SYSTEMS[key]], set(values.get(key) or []))
                 for key in CODED_LISTS]
        preset = {code: {k: v for k, v in m.valeurs.items() if k in FORM_FIELDS} for code, m in templates.items()}
        return await self.page(request, "ror_admin/unite_creer.html", {  # type: ignore[attr-defined]
            "heading": "Créer une unité (offre opérationnelle)", "error": error, "values": values,
            "templates": [(code, m.libelle) for code, m in templates.items()], "scalars": scalars, "coded": coded,
            "presets": _script_json(preset), "labels": CREATION_LABELS,
        }, status_code=status_code)
