"""Consumers of the directory: API clients' feed settings (regions, webhook, position and lag) and the
webhook delivery log with « Réessayer maintenant ». Settings go through ``services.clients.settings``
(validated, audited); a new webhook secret is shown once.
"""

from __future__ import annotations

import builtins
from typing import Any

from sqladmin import Flash, Secret, action, expose
from sqladmin.pagination import Pagination
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from wtforms import BooleanField, Form, IntegerField, StringField
from wtforms.validators import DataRequired, Optional

from ror_graph.admin.auth import require_user
from ror_graph.admin.base import RorModelView
from ror_graph.admin.listing import ChoiceFilter
from ror_graph.models import ApiClientFeed, WebhookDelivery
from ror_graph.services.events.log import last_seq
from ror_graph.services.feed.webhooks import retry_now

FEED_LABELS = {"client_id": "Client API (id)", "regions": "Régions", "webhook_url": "Webhook (URL)",
               "last_seq": "Dernier curseur lu", "lag": "Retard (événements)", "last_read_at": "Dernière lecture",
               "updated_at": "Modifié le"}
DELIVERY_LABELS = {"id": "N°", "client_id": "Client API (id)", "first_seq": "Du curseur", "last_seq": "Au curseur",
                   "items": "Changements", "status": "État", "attempts": "Tentatives",
                   "next_attempt_at": "Prochaine tentative", "last_status": "Dernier statut HTTP",
                   "last_error": "Dernière erreur", "created_at": "Créée le", "delivered_at": "Livrée le"}


class ApiClientFeedForm(Form):
    client_id = IntegerField("Client API (id)", validators=[DataRequired()])
    regions = StringField("Régions (codes COG séparés par des virgules ; vide : toute la France)",
                          validators=[Optional()])
    webhook_url = StringField("Webhook : URL https:// (vide : pas de webhook)", validators=[Optional()])
    rotate_secret = BooleanField("Nouveau secret de signature")


class ApiClientFeedAdmin(RorModelView, model=ApiClientFeed):
    """How each API client follows the directory: regions, webhook, where it stands in the feed."""

    admin_only = True
    name = "Flux d'un client API"
    name_plural = "Flux des clients API"
    icon = "fa-solid fa-satellite-dish"
    category = "Administration"
    column_labels = dict(FEED_LABELS.items())
    column_list = ["client_id", "regions", "webhook_url", "last_seq", "lag", "last_read_at", "updated_at"]
    column_details_list = column_list
    column_formatters = {"lag": lambda model, _name, request: None if model.last_seq is None
                         else max(0, request.state.event_top - model.last_seq)}
    column_formatters_detail = column_formatters
    can_create = True
    form = ApiClientFeedForm

    async def list(self, request: Request) -> Pagination:
        async with self.ror_state.sessions() as session:
            request.state.event_top = await last_seq(session)
        return await super().list(request)

    async def insert_model(self, request: Request, data: dict) -> Any:
        from ror_graph.services.clients.settings import configure_feed

        user = require_user(request)
        regions = [r for r in (data.get("regions") or "").replace(";", ",").split(",") if r.strip()]
        async with self.ror_state.sessions() as session:
            feed, secret = await configure_feed(session, actor=user.actor(), client_id=data["client_id"],
                                                regions=regions, webhook_url=data.get("webhook_url") or None,
                                                rotate_secret=bool(data.get("rotate_secret")))
        if secret:
            Secret.reveal_once(request, secret, title="Secret de signature du webhook",
                               label="Copiez ce secret maintenant : il signe chaque envoi (HMAC-SHA256).")
        return feed


class WebhookDeliveryAdmin(RorModelView, model=WebhookDelivery):
    """Every batch pushed to a webhook: delivered, or pending with its attempts and last error."""

    admin_only = True
    name = "Envoi webhook"
    name_plural = "Envois webhook"
    icon = "fa-solid fa-paper-plane"
    category = "Suivi"
    column_labels = dict(DELIVERY_LABELS.items())
    column_list = ["id", "client_id", "first_seq", "last_seq", "items", "status", "attempts", "next_attempt_at",
                   "last_status", "last_error", "delivered_at"]
    column_details_list = [*column_list, "created_at"]
    column_sortable_list = ["id", "client_id", "next_attempt_at"]
    column_default_sort = [("id", True)]
    column_filters = [ChoiceFilter("etat", "État", {
        "en_attente": ("En attente", lambda: WebhookDelivery.status == "pending"),
        "livre": ("Livré", lambda: WebhookDelivery.status == "delivered"),
    })]

    @action("reessayer", label="Réessayer maintenant", add_in_list=True, add_in_detail=True)
    async def retry_action(self, request: Request) -> Response:
        url = request.url_for(f"admin:view-{self.identity}-retry_form")
        return RedirectResponse(url.include_query_params(pks=",".join(self.selected_pks(request))), status_code=302)

    @expose("/reessayer", methods=["GET", "POST"])
    async def retry_form(self, request: Request) -> Response:
        form = await request.form() if request.method == "POST" else None
        raw = str(form.get("pks") or "") if form is not None else request.query_params.get("pks") or ""
        ids: builtins.list[int] = [int(p) for p in raw.split(",") if p.strip().isdigit()]
        cancel = request.url_for("admin:list", identity=self.identity)
        if form is None or not ids:
            from ror_graph.admin.base import FormField

            return await self.page(request, "ror_admin/form.html", {
                "heading": "Réessayer des envois webhook",
                "intro": f"{len(ids)} envoi(s) en attente partiront au prochain passage, sans attendre leur délai.",
                "error": None if ids else "Sélectionnez au moins un envoi.",
                "fields": [FormField("pks", "", kind="hidden", value=raw)] if ids else None,
                "submit_label": "Réessayer", "cancel_url": cancel,
                "action_url": request.url_for(f"admin:view-{self.identity}-retry_form"),
            }, status_code=200 if ids else 400)
        async with self.ror_state.sessions() as session:
            count = await retry_now(session, ids)
        Flash.success(request, f"{count} envoi(s) relancé(s).")
        return RedirectResponse(cancel, status_code=303)
