"""Common base of the back-office views: read-only by default, role gate, capped counts, exports.

Writes never go through SQLAdmin's generic ORM ``Query`` (it would skip audit and outbox): a view
that edits something overrides ``insert_model`` / ``update_model`` to call a service, every other
view keeps ``can_create`` / ``can_edit`` / ``can_delete`` off.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, cast

from sqladmin import ModelView
from sqladmin.formatters import BASE_FORMATTERS
from sqladmin.helpers import get_object_identifier
from sqlalchemy import Select
from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import Response
from wtforms import Form

from ror_graph.admin.auth import current_user
from ror_graph.admin.display import prefetch_parents, present
from ror_graph.admin.listing import CappedCountMixin, deferred_page
from ror_graph.state import AppState

if TYPE_CHECKING:
    from sqladmin._types import OperationColumnFilter, SimpleColumnFilter

EXPORT_MAX_ROWS = 20_000
ROW_KEY = "__ror_row_key__"  # stands for a row's key in a link template (``_build_url_for``)

LOCAL_TZ: tzinfo
try:  # support teams read French local time; fall back to UTC where the tz database is missing
    from zoneinfo import ZoneInfo

    LOCAL_TZ = ZoneInfo("Europe/Paris")
except Exception:  # pragma: no cover - depends on the host's tz database
    LOCAL_TZ = UTC


def fr_datetime(value: datetime) -> str:
    """Paris time; a naive value is UTC (timestamps are written aware UTC, SQLite gives them back naive)."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")


def fr_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


LOCKED = "verrouillé"  # said after the label of a field the form does not let anyone change (plus a lock icon)


def locked(labels: dict[str, str], why: dict[str, str]) -> dict[str, dict[str, Any]]:
    """``form_args`` showing each field of ``why`` read-only, with a lock and the reason (how to change it)."""
    return {name: {"label": f"{labels.get(name, name)} ({LOCKED})", "description": reason,
                   "render_kw": {"readonly": True, "class": "form-control bg-light"}}
            for name, reason in why.items()}


@dataclass
class FormField:
    """One field of a small back-office form (``ror_admin/form.html``)."""

    name: str
    label: str
    kind: str = "text"  # text | textarea | select | date | hidden
    value: Any = None
    required: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)
    help: str | None = None


class FrenchForm(Form):
    """Edit forms whose own messages ("Not a valid integer value") come in French (WTForms' catalog)."""

    class Meta:
        locales = ("fr_FR", "fr")


class MenuLink(NamedTuple):
    """A button above a list (an operation on the whole table rather than on selected rows)."""

    label: str
    url: str


class RorModelView(CappedCountMixin, ModelView):
    """Back-office list/detail view of one table (support and admin; ``admin_only`` for admin)."""

    ror_state: ClassVar[AppState]  # set on the per-app subclass by ``mount_admin``
    admin_only: ClassVar[bool] = False

    can_create = False
    can_edit = False
    can_delete = False
    can_export = True
    can_view_details = True
    export_types = ["csv"]
    use_pretty_export = True  # French column labels as CSV headers
    export_max_rows = EXPORT_MAX_ROWS
    page_size = 25
    page_size_options = [10, 25, 50, 100]
    list_template = "ror_admin/list.html"
    form_base_class = FrenchForm
    column_type_formatters = {**BASE_FORMATTERS, datetime: fr_datetime, date: fr_date}

    async def list(self, request: Request) -> Any:
        """SQLAdmin's list page, the parent structures its rows link to read in one query (``display``)."""
        pagination = await super().list(request)
        await prefetch_parents(self, pagination.rows, request)
        return pagination

    async def _run_query(self, stmt: Any) -> Any:
        """SQLAdmin's query runner; a deep list page reads its ids first (``listing.deferred_page``)."""
        return await super()._run_query(deferred_page(stmt, self.pk_columns, self.ror_state.engine.dialect.name))

    def is_accessible(self, request: Request) -> bool:
        user = current_user(request)
        return user is not None and (user.is_admin or not self.admin_only)

    def is_visible(self, request: Request) -> bool:
        return self.is_accessible(request)

    async def get_list_value(self, obj: Any, prop: str, request: Request | None = None) -> tuple[Any, Any]:
        """Labels instead of codes in lists (``admin.display``); SQLAdmin's formatting otherwise."""
        value, formatted = await super().get_list_value(obj, prop, request)
        if prop in self._list_formatters:
            return value, formatted
        shown = await present(self, obj, prop, value, request, detail=False)
        return value, formatted if shown is None else shown

    async def get_detail_value(self, obj: Any, prop: str, request: Request | None = None) -> tuple[Any, Any]:
        """Labels with their code on detail pages (``admin.display``)."""
        value, formatted = await super().get_detail_value(obj, prop, request)
        if prop in self._detail_formatters:
            return value, formatted
        shown = await present(self, obj, prop, value, request, detail=True)
        return value, formatted if shown is None else shown

    def object_title(self, obj: Any) -> str:
        """How a row is named in page titles: FINESS + raison sociale, identifier + name, or its name."""
        for key, name in (("finess", "raison_sociale"), ("identifiant", "nom"), ("code", "label")):
            if getattr(obj, key, None) is not None:
                return f"{getattr(obj, key)} {getattr(obj, name, '') or ''}".strip()
        for name in ("nom", "name", "email", "system"):
            if getattr(obj, name, None):
                return str(getattr(obj, name))
        return f"n° {getattr(obj, 'id', '')}"

    def _build_url_for(self, name: str, request: Request, obj: Any) -> URL:
        """A row's link (details, edit, delete: 3 a row, 75 a page) from one route lookup per page and link kind.

        Starlette finds a URL by walking every route of the app (~0.1 ms each time): the per-request
        template, with the row's key put in, gives the same URL.
        """
        identity = self._identity_for_object(obj)
        templates: dict[tuple[str, str], str] = request.state.__dict__.setdefault("ror_row_urls", {})
        template = templates.get((name, identity))
        if template is None:
            template = templates[name, identity] = str(request.url_for(name, identity=identity, pk=ROW_KEY))
        return URL(template.replace(ROW_KEY, str(get_object_identifier(obj)), 1))

    def menu_links(self, request: Request) -> builtins.list[MenuLink]:
        """Buttons shown above the list, next to the export."""
        return []

    def selected_pks(self, request: Request) -> builtins.list[str]:
        """Primary keys selected in the list (``pks`` query parameter of SQLAdmin actions)."""
        return [pk for pk in (request.query_params.get("pks") or "").split(",") if pk.strip()]

    async def filtered_query(self, request: Request) -> Select:
        """The list query with the request's filters, search and sort (list page and CSV export)."""
        stmt = self.list_query(request)
        for filter_ in self.get_filters():
            value = request.query_params.get(filter_.parameter_name)
            if not value:
                continue
            if getattr(filter_, "has_operator", False):  # text filters: operation + value
                operation = request.query_params.get(f"{filter_.parameter_name}_op")
                if operation:
                    stmt = await cast("OperationColumnFilter", filter_).get_filtered_query(
                        stmt, operation, value, self.model)
            else:
                stmt = await cast("SimpleColumnFilter", filter_).get_filtered_query(stmt, value, self.model)
        stmt = self.sort_query(stmt, request)
        search = request.query_params.get("search")
        return self.search_query(stmt, search) if search else stmt

    async def get_model_objects(self, request: Request, limit: int | None = 0) -> builtins.list[Any]:
        """Rows of the CSV export: the current list (filters, search, sort), not the whole table."""
        stmt = await self.filtered_query(request)
        return list(await self._run_query(stmt.limit(limit or self.export_max_rows)))

    async def insert_model(self, request: Request, data: dict) -> Any:
        raise PermissionError("Création impossible ici : passez par le service dédié.")

    async def update_model(self, request: Request, pk: str, data: dict) -> Any:
        raise PermissionError("Modification impossible ici : passez par le service dédié.")

    async def delete_model(self, request: Request, pk: Any) -> None:
        raise PermissionError("Suppression impossible depuis le back office.")

    async def page(self, request: Request, template: str, context: dict[str, Any], status_code: int = 200) -> Response:
        """Render one of our templates with the view in context."""
        return await self.templates.TemplateResponse(
            request, template, {"model_view": self, "title": self.name_plural, **context}, status_code=status_code
        )
