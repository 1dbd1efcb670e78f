"""Public search endpoints for search boxes, and the search-sync worker (event consumer) of the server.

* ``GET /api/search`` (JSON), ``/api/search.csv`` and ``/api/search.xlsx`` (the same query,
  exported up to the index's maxTotalHits). CORS origins come from ``settings.cors_origins``.
* Bad parameters → 400 ``{"error": {"code": "BAD_INPUT", "field", "message"}}``; Meilisearch not
  configured or not answering → 503, the rest of the API keeps working.
* ``lifespan_hooks()`` runs the worker that applies the index settings (the offers index and its
  recent index, ``search_index.recent``), then drains the event log's ``search`` consumer as soon
  as a session of this app commits events (``events_signal``), and every 0.25 s anyway for writes
  made by other processes (CLI imports, another server).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ror_graph.resolvers.search import (
    SearchUnavailableError,
    close_clients,
    forget_shadow,
    meili_client,
    run_export,
    run_search,
    search_reference,
)
from ror_graph.schema.limits import unusable_text
from ror_graph.services.core.errors import BadInputError
from ror_graph.services.events.consumers import new_owner, release
from ror_graph.services.events.signal import events_signal
from ror_graph.settings import Settings
from ror_graph.state import AppState
from ror_graph.tasks import background, poll_forever
from search_index.export import to_csv, to_xlsx
from search_index.indexer import ensure_index
from search_index.params import page_json, params_from_query
from search_index.recent import RecentLayer, recent_uid
from search_index.sync import CONSUMER, drain_search

log = logging.getLogger(__name__)

SYNC_INTERVAL_SECONDS = 0.25
SYNC_BATCH = 500


def _error(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "field": field, "message": message}}, status_code=status)


def check_text(request: Request) -> None:
    """Refuse parameter names or values the database and the index cannot take (NUL, lone surrogate)."""
    for name, value in request.query_params.multi_items():
        if problem := unusable_text(name) or unusable_text(value):
            raise BadInputError(f"A parameter {problem}.", field=name if not unusable_text(name) else None)


def _guarded(handler: Callable) -> Callable:
    """Map bad input to 400 and an unreachable search to 503, for every search endpoint."""
    async def endpoint(request: Request) -> Response:
        try:
            check_text(request)
            return await handler(request, request.app.state.ror)
        except BadInputError as exc:
            return _error(400, exc.code, exc.message, exc.field)
        except SearchUnavailableError as exc:
            log.warning("search unavailable: %s", exc.message)
            return _error(503, exc.code, exc.message)
    return endpoint


async def search_json(request: Request, state: AppState) -> Response:
    return JSONResponse(page_json(await run_search(state, params_from_query(request.query_params))))


async def _export_hits(request: Request, state: AppState) -> list[dict]:
    return await run_export(state, params_from_query(request.query_params, export=True))


async def search_csv(request: Request, state: AppState) -> Response:
    body = to_csv(await _export_hits(request, state))
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="offres.csv"'})


async def search_xlsx(request: Request, state: AppState) -> Response:
    body = to_xlsx(await _export_hits(request, state))
    return Response(body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="offres.xlsx"'})


def routes(state: AppState) -> list:
    cors = [Middleware(CORSMiddleware, allow_origins=state.settings.cors_origins, allow_methods=["GET"],
                       expose_headers=["Content-Disposition"])]
    methods = ["GET", "OPTIONS"]
    return [
        Route("/api/search", _guarded(search_json), methods=methods, middleware=cors),
        Route("/api/search.csv", _guarded(search_csv), methods=methods, middleware=cors),
        Route("/api/search.xlsx", _guarded(search_xlsx), methods=methods, middleware=cors),
    ]


def recent_layer(settings: Settings) -> RecentLayer | None:
    """The recent layer of the settings (``None`` when off: pushes go to the national index); the app's
    worker and ``ror-graph sync-search`` drain with it."""
    if not settings.search_recent_index:
        return None
    return RecentLayer(max_ids=settings.search_compact_max_ids,
                       max_age=timedelta(seconds=settings.search_compact_max_age_seconds))


async def run_worker(
    state: AppState, *, interval: float = SYNC_INTERVAL_SECONDS, wake: asyncio.Event | None = None,
    owner: str | None = None,
) -> None:
    """Apply the index settings once Meilisearch answers, then drain the search consumer until cancelled.

    Between drains it waits for ``wake`` (set after a commit that appended events) or ``interval``.
    """
    client = meili_client(state)
    index_uid = state.settings.meili_index
    owner, retention = owner or new_owner(), timedelta(days=state.settings.event_retention_days)
    recent = recent_layer(state.settings)
    ready = False

    async def step() -> bool:
        nonlocal ready
        if not ready:
            await ensure_index(client, index_uid)
            if recent is not None:
                await ensure_index(client, recent_uid(index_uid))
            ready = True
        report = await drain_search(state.sessions, meili_url=state.meili_url or "", meili_key=state.meili_key,
                                    index_uid=index_uid, batch_size=SYNC_BATCH, client=client,
                                    ref=await search_reference(state), owner=owner, retention=retention,
                                    recent=recent)
        if report.events or report.compacted:
            forget_shadow(state)  # this worker's searches see the change at once
        return report.events == SYNC_BATCH and not report.failed  # more is due right now

    await poll_forever(step, wake=wake or asyncio.Event(), interval=interval, label="search worker", log=log)


@contextlib.asynccontextmanager
async def search_worker(state: AppState) -> AsyncIterator[None]:
    """Background search sync for the app's lifetime (only when a Meilisearch is configured)."""
    if not state.meili_url:
        yield
        return
    interval = state.extras.get("search_sync_interval", SYNC_INTERVAL_SECONDS)
    wake, owner = asyncio.Event(), new_owner()
    try:
        async with background(run_worker(state, interval=interval, wake=wake, owner=owner), "search-sync-worker"):
            with events_signal(state.engine, wake.set):
                yield
    finally:
        try:  # graceful shutdown: a batch cut short is redone by another worker now, not after the lease
            async with state.sessions() as session:
                await release(session, [CONSUMER], owner)
        except Exception as exc:  # the database may be the reason of the shutdown
            log.warning("search worker: could not release its lease: %r", exc)
        await close_clients(state)


def lifespan_hooks() -> list:
    return [search_worker]
