"""Quality queue and modèles de saisie in the back office (support).

Anomalies: list per EG, rule and status; « Assigner » and « Fermer » (comment required) go through
``services.qualite.gestion`` (audited). Modèles de saisie: support edits the preselected values (JSON).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from markupsafe import Markup
from sqladmin import Flash, action, expose
from sqlmodel import col
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from wtforms import BooleanField, Form, StringField, TextAreaField
from wtforms.validators import DataRequired

from ror_graph.admin.auth import require_user
from ror_graph.admin.base import FormField, RorModelView
from ror_graph.admin.errors import FormError, french_error
from ror_graph.admin.listing import ChoiceFilter
from ror_graph.models import Anomalie, ModeleSaisie, utcnow
from ror_graph.services.core.errors import BadInputError, DomainError
from ror_graph.services.qualite.regles import LIBELLES

ANOMALIE_LABELS = {"id": "N°", "regle": "Règle", "etablissement_id": "Établissement", "unite_id": "Offre (id)",
                   "message": "Constat", "source": "Origine", "statut": "Statut", "active": "Toujours détectée",
                   "assignee": "Assignée à", "commentaire": "Commentaire", "reouvertures": "Réouvertures",
                   "detectee_at": "Détectée le", "derniere_detection_at": "Dernière détection",
                   "fermee_at": "Fermée le", "fermee_par": "Fermée par"}
MODELE_LABELS = {"code": "Code", "libelle": "Libellé", "valeurs": "Valeurs préremplies",
                 "zone_departement": "Zone = département", "updated_at": "Modifié le"}
STATUTS = {"ouverte": "Ouverte", "fermee": "Fermée", "resolue": "Résolue"}


def _eg_link(model: Any, attribute: str, request: Request | None = None) -> Markup:
    return Markup('<a href="/admin/etablissement/details/{}">{}</a>').format(model.etablissement_id,
                                                                             model.etablissement_id)


def _equals(column: Any, value: str) -> Callable[[], Any]:
    return lambda: column == value


class AnomalieAdmin(RorModelView, model=Anomalie):
    """The quality queue: anomalies found by the rules and errors reported by the public."""

    name = "Anomalie"
    name_plural = "Anomalies"
    icon = "fa-solid fa-triangle-exclamation"
    category = "Campagnes"
    column_labels = dict(ANOMALIE_LABELS.items())
    column_list = ["id", "regle", "etablissement_id", "message", "statut", "assignee", "derniere_detection_at",
                   "reouvertures"]
    column_details_list = list(ANOMALIE_LABELS)
    column_formatters = {"etablissement_id": _eg_link, "regle": lambda m, a, r=None: LIBELLES.get(m.regle, m.regle)}
    column_formatters_detail = {"etablissement_id": _eg_link}
    column_searchable_list = ["assignee"]
    column_sortable_list = ["derniere_detection_at", "regle", "statut"]
    column_default_sort = [("derniere_detection_at", True), ("id", True)]
    column_filters = [
        ChoiceFilter("statut", "Statut", {k: (v, _equals(col(Anomalie.statut), k)) for k, v in STATUTS.items()}),
        ChoiceFilter("regle", "Règle", {k: (v, _equals(col(Anomalie.regle), k)) for k, v in LIBELLES.items()}),
    ]

    @action("assigner", label="Assigner", add_in_list=True, add_in_detail=True)
    async def assign_action(self, request: Request) -> Response:
        return self._to(request, "assign_form")

    @action("fermer", label="Fermer avec un commentaire", add_in_list=True, add_in_detail=True)
    async def close_action(self, request: Request) -> Response:
        return self._to(request, "close_form")

    def _to(self, request: Request, endpoint: str) -> Response:
        url = request.url_for(f"admin:view-{self.identity}-{endpoint}")
        return RedirectResponse(url.include_query_params(pks=",".join(self.selected_pks(request))), status_code=302)

    @expose("/assigner", methods=["GET", "POST"])
    async def assign_form(self, request: Request) -> Response:
        return await self._form(request, "assign_form", "Assigner des anomalies",
                                FormField("valeur", "Assignée à (e-mail ; vide : personne)"), "Assigner")

    @expose("/fermer", methods=["GET", "POST"])
    async def close_form(self, request: Request) -> Response:
        return await self._form(request, "close_form", "Fermer des anomalies",
                                FormField("valeur", "Commentaire (obligatoire)", kind="textarea", required=True),
                                "Fermer")

    async def _form(self, request: Request, endpoint: str, heading: str, field: FormField, submit: str) -> Response:
        from ror_graph.services.qualite.gestion import assigner, fermer

        form = await request.form() if request.method == "POST" else None
        raw = str(form.get("pks") or "") if form is not None else request.query_params.get("pks") or ""
        ids = [int(p) for p in raw.split(",") if p.strip().isdigit()]
        cancel = request.url_for("admin:list", identity=self.identity)
        context = {"heading": heading, "intro": f"{len(ids)} anomalie(s) sélectionnée(s).", "submit_label": submit,
                   "fields": [FormField("pks", "", kind="hidden", value=raw), field], "cancel_url": cancel,
                   "action_url": request.url_for(f"admin:view-{self.identity}-{endpoint}")}
        if form is None or not ids:
            return await self.page(request, "ror_admin/form.html", {
                **context, "error": None if ids else "Sélectionnez au moins une anomalie."},
                status_code=200 if ids else 400)
        user, value = require_user(request), str(form.get("valeur") or "")
        try:
            async with self.ror_state.sessions() as session:
                for anomalie_id in ids:
                    act = assigner if endpoint == "assign_form" else fermer
                    await act(session, anomalie_id, value, actor=user.email, role=user.role, now=utcnow())
        except DomainError as exc:
            return await self.page(request, "ror_admin/form.html", {**context, "error": french_error(exc)},
                                   status_code=400)
        Flash.success(request, f"{len(ids)} anomalie(s) mise(s) à jour.")
        return RedirectResponse(cancel, status_code=303)

    def list_query(self, request: Request):
        stmt = super().list_query(request)
        eg = request.query_params.get("eg")
        return stmt.where(col(Anomalie.etablissement_id) == int(eg)) if eg and eg.isdigit() else stmt


class ModeleForm(Form):
    libelle = StringField("Libellé", validators=[DataRequired()])
    valeurs = TextAreaField("Valeurs préremplies (JSON)", validators=[DataRequired()],
                            description='Ex. {"type_offre_code": "28", "publics": ["01"], "activites": ["287"]}')
    zone_departement = BooleanField("Zone d'intervention par défaut : le département de l'établissement")


class ModeleSaisieAdmin(RorModelView, model=ModeleSaisie):
    """Modèles de saisie per type of unit: what a new offer of that type starts with (support edits them)."""

    name = "Modèle de saisie"
    name_plural = "Modèles de saisie"
    icon = "fa-solid fa-clipboard-list"
    category = "Campagnes"
    column_labels = dict(MODELE_LABELS.items())
    column_list = ["code", "libelle", "valeurs", "zone_departement", "updated_at"]
    column_details_list = column_list
    can_edit = True
    form = ModeleForm

    async def update_model(self, request: Request, pk: str, data: dict) -> Any:
        from ror_graph.services.qualite.modeles import enregistrer_modele

        user = require_user(request)
        raw = data.get("valeurs")
        try:
            values = raw if isinstance(raw, dict) else json.loads(str(raw or ""))
            async with self.ror_state.sessions() as session:
                return await enregistrer_modele(session, pk, libelle=str(data.get("libelle") or ""), valeurs=values,
                                                zone_departement=bool(data.get("zone_departement")),
                                                actor=user.email, role=user.role)
        except json.JSONDecodeError:
            raise FormError(BadInputError("Le JSON des valeurs est invalide.", field="valeurs")) from None
        except DomainError as exc:
            raise FormError(exc, MODELE_LABELS) from None


__all__ = ["AnomalieAdmin", "ModeleSaisieAdmin"]
