"""Lists that stay fast on 100,000 rows: a capped row count and cheap French filters.

SQLAdmin counts every row matching the list (``SELECT count(*) FROM (<list query>)``) on each page,
which is what makes admin lists crawl on big tables. ``CappedCountMixin`` counts at most a little
past what the pagination can show: ``COUNT_CAP`` rows (``SEARCH_COUNT_CAP`` for a search, whose
matches cost more to count), or a few pages past the requested one when paging deeper, and the page
says "plus de 10 000" when the cap is reached. A search reads only the ids the page and that count
need (``search_window``, see ``admin.name_search``). Filters only use indexed columns or small
reference tables for their choices (never ``SELECT DISTINCT`` over a big table).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.sql.selectable import Subquery
from starlette.requests import Request

COUNT_CAP = 10_000
SEARCH_COUNT_CAP = 250  # a search counts this far (10 pages): "plus de 250" asks for a narrower term or the export
DEFERRED_OFFSET = 1_000  # from this offset a page reads its ids first (``deferred_page``)
PAGE_LOOKAHEAD = 8  # pages shown after the current one by SQLAdmin's pagination (7) + 1
LOOKUP_TEMPLATE = "ror_admin/select_filter.html"  # one drop-down per filter, not a column of links
ALL = "__all"


# How many matching ids the list page being built needs, in id order (``None``: all of them).
SEARCH_WINDOW: ContextVar[int | None] = ContextVar("search_window", default=None)


class CappedCount(int):
    """A row count that may have stopped at a cap; prints "plus de 10 000" in that case."""

    capped: bool

    def __new__(cls, value: int, *, capped: bool = False) -> CappedCount:
        obj = super().__new__(cls, value)
        obj.capped = capped
        return obj

    def __str__(self) -> str:
        text = f"{int(self) - 1 if self.capped else int(self):,}".replace(",", "\u00a0")
        return f"plus de {text}" if self.capped else text


def count_cap(request: Request, page_size_default: int, page_size_max: int, floor: int = COUNT_CAP) -> int:
    """How many rows to count for the page asked by ``request`` (at least ``floor``, or a search's cap)."""
    if request.query_params.get("search"):
        floor = min(floor, SEARCH_COUNT_CAP)
    try:
        page = max(int(request.query_params.get("page") or 1), 1)
        size = int(request.query_params.get("pageSize") or page_size_default)
    except ValueError:
        page, size = 1, page_size_default
    size = min(max(size, 1), page_size_max)
    return max(floor, (page + PAGE_LOOKAHEAD) * size)


class CappedCountMixin:
    """Replaces SQLAdmin's unbounded list count by a capped one (mix in before ``ModelView``)."""

    count_floor: int = COUNT_CAP

    async def list(self, request: Request) -> Any:
        """SQLAdmin's list page, with ``SEARCH_WINDOW`` set for the search of this request."""
        token = SEARCH_WINDOW.set(self.search_window(request))
        try:
            return await super().list(request)  # type: ignore[misc]
        finally:
            SEARCH_WINDOW.reset(token)

    def search_window(self, request: Request) -> int | None:
        """Matching ids the page needs: up to the counted cap (+1, to know it is reached), in id order.

        ``None`` when the list is sorted on another column: the page's rows may then be any of the matches.
        """
        id_order = [(pk.name, False) for pk in self.pk_columns]  # type: ignore[attr-defined]
        if request.query_params.get("sortBy") or self._get_default_sort() != id_order:  # type: ignore[attr-defined]
            return None
        return count_cap(request, self.page_size, max(self.page_size_options), self.count_floor) + 1  # type: ignore[attr-defined]

    async def count(self, request: Request, stmt: Select | None = None) -> int:
        inner = _listed_select(stmt)
        if inner is None:  # SQLAdmin's own count_query (unused by the list page)
            return await super().count(request, stmt)  # type: ignore[misc]
        cap = count_cap(request, self.page_size, max(self.page_size_options), self.count_floor)  # type: ignore[attr-defined]
        pks = self.pk_columns  # type: ignore[attr-defined]
        limited = inner.order_by(None).with_only_columns(*pks, maintain_column_froms=True).limit(cap + 1)
        rows = await self._run_query(select(func.count()).select_from(limited.subquery()))  # type: ignore[attr-defined]
        counted = int(rows[0])
        return CappedCount(counted, capped=counted > cap)


def deferred_page(stmt: Any, pks: Sequence[Any], dialect: str) -> Any:
    """A deep page (PostgreSQL) reads the ids of its rows first, then those rows.

    ``ORDER BY id LIMIT 25 OFFSET 49975`` fetches and throws away 49,975 whole rows; the ids alone
    come from the primary key index (index-only scan): 27 → 12 ms at 100,000 EGs. SQLite reads its
    rows from the table's own b-tree either way (no gain there).
    """
    if dialect != "postgresql" or not isinstance(stmt, Select) or len(pks) != 1:
        return stmt
    offset = stmt._offset  # SQLAlchemy's own reading of the OFFSET clause (an int, or None)
    if offset is None or offset < DEFERRED_OFFSET:
        return stmt
    ids = stmt.with_only_columns(pks[0], maintain_column_froms=True)
    return stmt.limit(None).offset(None).where(pks[0].in_(ids))


def _listed_select(stmt: Select | None) -> Select | None:
    """The list query inside SQLAdmin's ``SELECT count(*) FROM (<list query>)``."""
    if stmt is None:
        return None
    froms = stmt.get_final_froms()
    if len(froms) == 1 and isinstance(froms[0], Subquery) and isinstance(froms[0].element, Select):
        return froms[0].element
    return None


class ChoiceFilter:
    """A list filter with fixed choices, each applying its own WHERE clause.

    ``choices`` maps the URL value to ``(label, clause_factory)``; the factory receives no
    argument and returns a SQL expression, so time-dependent clauses ("older than 12 months")
    are computed per request.
    """

    has_operator = False
    template = LOOKUP_TEMPLATE
    default_value: Any = None  # no preselected choice (SQLAdmin's filter protocol declares the attribute)

    def __init__(self, parameter_name: str, title: str, choices: dict[str, tuple[str, Callable[[], Any]]]) -> None:
        self.parameter_name = parameter_name
        self.title = title
        self.choices = choices

    async def lookups(self, request: Request, model: Any, run_query: Callable) -> list[tuple[str, str]]:
        return [(ALL, "Tous"), *((value, label) for value, (label, _) in self.choices.items())]

    async def get_filtered_query(self, query: Select, value: Any, model: Any) -> Select:
        choice = self.choices.get(value)
        return query if choice is None else query.where(choice[1]())


class ReferenceFilter:
    """Equality filter on an indexed code column; choices read from a small reference query.

    ``lookup_query`` returns ``(code, label)`` rows (départements, nomenclature labels…).
    """

    has_operator = False
    template = LOOKUP_TEMPLATE
    default_value: Any = None  # no preselected choice (SQLAdmin's filter protocol declares the attribute)

    def __init__(self, column: Any, title: str, lookup_query: Callable[[], Select], parameter_name: str | None = None,
                 show_code: bool = True) -> None:
        self.column = column
        self.title = title
        self.parameter_name = parameter_name or column.key
        self.lookup_query = lookup_query
        self.show_code = show_code

    async def lookups(self, request: Request, model: Any, run_query: Callable) -> list[tuple[str, str]]:
        rows: Sequence = await run_query(self.lookup_query())
        return [(ALL, "Tous"), *((str(code), f"{code} – {label}" if self.show_code else str(label))
                                 for code, label in rows)]

    async def get_filtered_query(self, query: Select, value: Any, model: Any) -> Select:
        if not value or value == ALL:
            return query
        return query.where(self.column == value)
