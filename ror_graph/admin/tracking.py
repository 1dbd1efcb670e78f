"""History and plumbing views: audit log, event log and its consumers (retry, reindex), FINESS import runs."""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqladmin import Flash, action, expose
from sqladmin.filters import OperationColumnFilter
from sqladmin.pagination import Pagination
from sqlalchemy import Select, or_
from sqlmodel import col
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ror_graph.admin.base import FormField, MenuLink, RorModelView
from ror_graph.admin.labels import AUDIT_LABELS, CONSUMER_LABELS, EVENT_LABELS, IMPORT_RUN_LABELS
from ror_graph.admin.listing import ChoiceFilter
from ror_graph.admin.reindex import reindex_status, start_reindex
from ror_graph.models import AuditLog, Consumer, Event, ImportRun, utcnow
from ror_graph.services.core.errors import DomainError
from ror_graph.services.events.consumers import retry_now
from ror_graph.services.events.log import last_seq

IDENTIFIER = re.compile(r"^(?:(?:\d{2}|2[AaBb])\d{7}|\d{2,3}/\S+)$")  # a FINESS number or an offer id (52/123)
ENTITIES = {"entite_juridique": "Entité juridique", "etablissement": "Établissement", "unite": "Unité"}
ADMIN_ENTITIES = {"account": "Compte", "api_client": "Client API"}  # audited, never indexed


class TextFilter(OperationColumnFilter):
    """SQLAdmin's text filter with French operation names."""

    def get_operation_options(self, column_obj):
        return [("contains", "Contient"), ("equals", "Égal à"), ("starts_with", "Commence par")]


def _since(days: int) -> Callable[[], Any]:
    return lambda: col(AuditLog.at) >= utcnow() - timedelta(days=days)


def _equals(column: Any, value: str) -> Callable[[], Any]:
    """The WHERE clause factory of a choice ``column = value``."""
    return lambda: column == value


class AuditLogAdmin(RorModelView, model=AuditLog):
    """Who changed what, when and why (read-only)."""

    name = "Historique"
    name_plural = "Historique des modifications"
    icon = "fa-solid fa-clock-rotate-left"
    category = "Suivi"
    column_labels = dict(AUDIT_LABELS.items())
    column_list = ["at", "entity", "entity_id", "field", "old_value", "new_value", "actor", "motif"]
    column_searchable_list = ["entity_id", "actor", "field"]
    column_sortable_list = ["at", "entity_id", "actor"]
    column_default_sort = [("at", True), ("id", True)]
    column_filters = [
        ChoiceFilter("entite", "Entité", {k: (label, _equals(col(AuditLog.entity), k))
                                          for k, label in {**ENTITIES, **ADMIN_ENTITIES}.items()}),
        TextFilter(AuditLog.actor, "Auteur", parameter_name="auteur"),
        ChoiceFilter("periode", "Période", {
            "jour": ("Dernières 24 h", _since(1)),
            "semaine": ("7 derniers jours", _since(7)),
            "mois": ("30 derniers jours", _since(30)),
            "an": ("12 derniers mois", _since(365)),
        }),
        ChoiceFilter("origine", "Origine", {s: (s, _equals(col(AuditLog.source), s))
                                            for s in ("admin", "api", "import", "cli")}),
    ]

    def search_query(self, stmt: Select, term: str) -> Select:
        """Identifier (FINESS, offer id): exact, through its index; otherwise field (exact) or author (prefix).

        An identifier is only looked up as one: in an OR with the field and the author (no index serves
        both) it read the whole history, 60–80 ms at 100,000 rows, for the most common search (a
        structure's timeline).
        """
        term = term.strip()
        if IDENTIFIER.match(term):
            return stmt.where(col(AuditLog.entity_id) == term.upper())
        return stmt.where(or_(col(AuditLog.entity_id) == term, col(AuditLog.field) == term,
                              col(AuditLog.actor).ilike(term.replace("%", r"\%") + "%", escape="\\")))


OPS = {"create": "Création", "update": "Modification", "close": "Fermeture", "delete": "Suppression",
       "visibility": "Visibilité"}


class EventAdmin(RorModelView, model=Event):
    """The event log: every change of an EJ, EG or offer, in commit order (read-only)."""

    name = "Événement"
    name_plural = "Journal des événements"
    icon = "fa-solid fa-list-ol"
    category = "Suivi"
    column_labels = dict(EVENT_LABELS.items())
    column_list = ["seq", "at", "entity", "entity_id", "entity_key", "op", "version", "fields"]
    column_searchable_list = ["entity_key"]
    column_sortable_list = ["seq"]
    column_default_sort = [("seq", True)]
    column_filters = [
        ChoiceFilter("entite", "Entité", {k: (label, _equals(col(Event.entity), k)) for k, label in ENTITIES.items()}),
        ChoiceFilter("operation", "Opération", {k: (label, _equals(col(Event.op), k)) for k, label in OPS.items()}),
    ]

    def search_query(self, stmt: Select, term: str) -> Select:
        """FINESS or offer identifier: exact."""
        return stmt.where(col(Event.entity_key) == term.strip())


class ConsumerAdmin(RorModelView, model=Consumer):
    """Who reads the event log (search sync…): cursor, lag, lease, last error; retry now and reindex."""

    name = "Consommateur d'événements"
    name_plural = "Consommateurs d'événements"
    icon = "fa-solid fa-arrows-rotate"
    category = "Suivi"
    column_labels = dict(CONSUMER_LABELS.items())
    column_list = ["name", "cursor", "lag", "lease_owner", "lease_expires_at", "attempts", "retry_at", "last_error",
                   "updated_at"]
    column_sortable_list = ["name", "cursor", "attempts"]
    column_default_sort = [("name", False)]
    column_formatters = {"lag": lambda model, _name, request: max(0, request.state.event_top - model.cursor)}
    column_filters = [
        ChoiceFilter("etat", "État", {
            "en_echec": ("En échec", lambda: Consumer.attempts > 0),
            "a_jour": ("À jour", lambda: Consumer.attempts == 0),
        }),
    ]

    async def list(self, request: Request) -> Pagination:
        """The list, with the log's last seq at hand for the lag column (lag = last seq − cursor)."""
        async with self.ror_state.sessions() as session:
            request.state.event_top = await last_seq(session)
        return await super().list(request)

    def menu_links(self, request: Request) -> builtins.list[MenuLink]:  # `list` is the method here
        return [MenuLink("Réindexer la recherche", str(request.url_for(f"admin:view-{self.identity}-reindex_form")))]

    @action("relancer", label="Relancer maintenant", add_in_list=True, add_in_detail=True)
    async def retry_action(self, request: Request) -> Response:
        url = request.url_for(f"admin:view-{self.identity}-retry_form")
        return RedirectResponse(url.include_query_params(pks=",".join(self.selected_pks(request))), status_code=302)

    @expose("/relancer", methods=["GET", "POST"])
    async def retry_form(self, request: Request) -> Response:
        form = await request.form() if request.method == "POST" else None
        raw = str(form.get("pks") or "") if form is not None else request.query_params.get("pks") or ""
        names = [name.strip() for name in raw.split(",") if name.strip()]
        cancel = request.url_for("admin:list", identity=self.identity)
        if form is None or not names:
            return await self.page(request, "ror_admin/form.html", {
                "heading": "Relancer les consommateurs d'événements",
                "intro": f"{len(names)} consommateur(s) reprendront immédiatement depuis leur dernier événement "
                         "traité : attente et compteur de tentatives remis à zéro, verrou libéré.",
                "error": None if names else "Sélectionnez au moins un consommateur.",
                "fields": [FormField("pks", "", kind="hidden", value=raw)] if names else None,
                "submit_label": "Relancer", "cancel_url": cancel,
                "action_url": request.url_for(f"admin:view-{self.identity}-retry_form"),
            }, status_code=200 if names else 400)
        try:
            async with self.ror_state.sessions() as session:
                count = await retry_now(session, names)
        except DomainError as exc:
            Flash.error(request, exc.message)
            return RedirectResponse(cancel, status_code=303)
        Flash.success(request, f"{count} consommateur(s) relancé(s).")
        return RedirectResponse(cancel, status_code=303)

    @expose("/reindexer", methods=["GET", "POST"])
    async def reindex_form(self, request: Request) -> Response:
        message = await start_reindex(self.ror_state) if request.method == "POST" else None
        return await self.page(request, "ror_admin/form.html", {
            "heading": "Réindexer la recherche",
            "intro": "Reconstruit l'index de recherche depuis la base puis le bascule d'un coup : la recherche reste "
                     "disponible pendant l'opération. " + reindex_status(self.ror_state),
            "message": message, "fields": [], "submit_label": "Lancer la réindexation",
            "action_url": request.url_for(f"admin:view-{self.identity}-reindex_form"),
            "cancel_url": request.url_for("admin:list", identity=self.identity),
        })


class ImportRunAdmin(RorModelView, model=ImportRun):
    """FINESS import runs and their reports (read-only)."""

    name = "Import FINESS"
    name_plural = "Imports FINESS"
    icon = "fa-solid fa-file-import"
    category = "Suivi"
    column_labels = dict(IMPORT_RUN_LABELS.items())
    column_list = ["id", "started_at", "finished_at", "source", "format", "dry_run", "status"]
    column_sortable_list = ["started_at"]
    column_default_sort = [("started_at", True)]
