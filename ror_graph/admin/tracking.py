"""History and plumbing views: audit log, search-sync queue (retry, reindex), FINESS import runs."""

from __future__ import annotations

from datetime import timedelta

from sqladmin import Flash, action, expose
from sqladmin.filters import OperationColumnFilter
from sqlalchemy import Select, or_
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ror_graph.admin.base import FormField, MenuLink, RorModelView
from ror_graph.admin.labels import AUDIT_LABELS, IMPORT_RUN_LABELS, OUTBOX_LABELS
from ror_graph.admin.listing import ChoiceFilter
from ror_graph.admin.reindex import reindex_status, start_reindex
from ror_graph.models import AuditLog, ImportRun, OutboxEvent, utcnow
from ror_graph.services.core.errors import DomainError
from ror_graph.services.events.queue import outbox_state_clause, retry_outbox_events

ENTITIES = {"entite_juridique": "Entité juridique", "etablissement": "Établissement", "unite": "Unité"}
ADMIN_ENTITIES = {"account": "Compte", "api_client": "Client API"}  # audited, never indexed


class TextFilter(OperationColumnFilter):
    """SQLAdmin's text filter with French operation names."""

    def get_operation_options(self, column_obj):
        return [("contains", "Contient"), ("equals", "Égal à"), ("starts_with", "Commence par")]


def _since(days: int):
    return lambda: AuditLog.at >= utcnow() - timedelta(days=days)


class AuditLogAdmin(RorModelView, model=AuditLog):
    """Who changed what, when and why (read-only)."""

    name = "Historique"
    name_plural = "Historique des modifications"
    icon = "fa-solid fa-clock-rotate-left"
    category = "Suivi"
    column_labels = AUDIT_LABELS
    column_list = ["at", "entity", "entity_id", "field", "old_value", "new_value", "actor", "motif"]
    column_searchable_list = ["entity_id", "actor", "field"]
    column_sortable_list = ["at", "entity_id", "actor"]
    column_default_sort = [("at", True), ("id", True)]
    column_filters = [
        ChoiceFilter("entite", "Entité", {k: (label, lambda k=k: AuditLog.entity == k)
                                          for k, label in {**ENTITIES, **ADMIN_ENTITIES}.items()}),
        TextFilter(AuditLog.actor, "Auteur", parameter_name="auteur"),
        ChoiceFilter("periode", "Période", {
            "jour": ("Dernières 24 h", _since(1)),
            "semaine": ("7 derniers jours", _since(7)),
            "mois": ("30 derniers jours", _since(30)),
            "an": ("12 derniers mois", _since(365)),
        }),
        ChoiceFilter("origine", "Origine", {s: (s, lambda s=s: AuditLog.source == s)
                                            for s in ("admin", "api", "import", "cli")}),
    ]

    def search_query(self, stmt: Select, term: str) -> Select:
        """Identifier (FINESS, offer id) or field: exact; author: prefix."""
        term = term.strip()
        return stmt.where(or_(AuditLog.entity_id == term, AuditLog.field == term,
                              AuditLog.actor.ilike(term.replace("%", r"\%") + "%", escape="\\")))


class OutboxEventAdmin(RorModelView, model=OutboxEvent):
    """The search-sync queue: what is waiting for Meilisearch, what failed; retry and reindex."""

    name = "File de synchronisation"
    name_plural = "File de synchronisation de la recherche"
    icon = "fa-solid fa-arrows-rotate"
    category = "Suivi"
    column_labels = OUTBOX_LABELS
    column_list = ["id", "created_at", "entity", "entity_id", "action", "attempts", "next_attempt_at",
                   "last_error", "processed_at"]
    column_sortable_list = ["id", "next_attempt_at", "attempts"]
    column_default_sort = [("id", True)]
    column_filters = [
        ChoiceFilter("etat", "État", {
            "en_attente": ("En attente", lambda: outbox_state_clause("pending")),
            "en_echec": ("En échec", lambda: outbox_state_clause("failed")),
            "traites": ("Traités", lambda: outbox_state_clause("processed")),
        }),
        ChoiceFilter("entite", "Entité", {k: (ENTITIES[k], lambda k=k: OutboxEvent.entity == k)
                                          for k in ("etablissement", "unite")}),
    ]

    def menu_links(self, request: Request) -> list[MenuLink]:
        return [MenuLink("Réindexer la recherche", str(request.url_for(f"admin:view-{self.identity}-reindex_form")))]

    @action("relancer", label="Relancer la synchronisation", add_in_list=True, add_in_detail=True)
    async def retry_action(self, request: Request) -> Response:
        url = request.url_for(f"admin:view-{self.identity}-retry_form")
        return RedirectResponse(url.include_query_params(pks=",".join(self.selected_pks(request))), status_code=302)

    @expose("/relancer", methods=["GET", "POST"])
    async def retry_form(self, request: Request) -> Response:
        form = await request.form() if request.method == "POST" else None
        raw = str(form.get("pks") or "") if form is not None else request.query_params.get("pks") or ""
        ids = [int(pk) for pk in raw.split(",") if pk.strip().isdigit()]
        cancel = request.url_for("admin:list", identity=self.identity)
        if form is None or not ids:
            return await self.page(request, "ror_admin/form.html", {
                "heading": "Relancer la synchronisation de la recherche",
                "intro": f"{len(ids)} événement(s) seront remis en tête de file, compteur de tentatives à zéro.",
                "error": None if ids else "Sélectionnez au moins un événement.",
                "fields": [FormField("pks", "", kind="hidden", value=raw)] if ids else None,
                "submit_label": "Relancer", "cancel_url": cancel,
                "action_url": request.url_for(f"admin:view-{self.identity}-retry_form"),
            }, status_code=200 if ids else 400)
        try:
            async with self.ror_state.sessions() as session:
                count = await retry_outbox_events(session, ids)
        except DomainError as exc:
            Flash.error(request, exc.message)
            return RedirectResponse(cancel, status_code=303)
        Flash.success(request, f"{count} événement(s) relancé(s) ; les événements déjà traités sont ignorés.")
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
    column_labels = IMPORT_RUN_LABELS
    column_list = ["id", "started_at", "finished_at", "source", "format", "dry_run", "status"]
    column_sortable_list = ["started_at"]
    column_default_sort = [("started_at", True)]
