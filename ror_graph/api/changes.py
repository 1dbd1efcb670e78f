"""``GET /api/changes``: the change feed as streamed NDJSON, for consumers that follow the directory.

Parameters: ``after`` (a cursor; omitted: the oldest change kept), ``limit`` (items, default 1,000, at
most 10,000), ``entites``, ``regions``, ``departements`` (comma-separated). ``Authorization: Bearer``
selects the profile (anonymous = public). One JSON object per line, the changes in commit order, then
a last line ``{"cursor": …, "hasMore": …}``: store that cursor and pass it as ``after`` next time.

Errors come before the first byte: 400 ``BAD_INPUT``, 401 ``UNAUTHENTICATED``, 410 ``CURSOR_EXPIRED``
(resynchronise from a bulk export), as ``{"error": {"code", "field", "message"}}``. Lines are produced
page by page (``STREAM_PAGE`` changes per read), so memory stays flat whatever ``limit``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ror_graph.api.graphql import bearer_token
from ror_graph.api.search import check_text
from ror_graph.services.accounts.auth import Caller, resolve_bearer
from ror_graph.services.clients.settings import client_regions, record_read
from ror_graph.services.core.errors import BadInputError, CursorExpiredError, DomainError, UnauthenticatedError
from ror_graph.services.events.consumers import new_owner
from ror_graph.services.events.signal import events_signal
from ror_graph.services.feed.changes import FeedFilter, FeedPage, read_changes
from ror_graph.services.feed.webhooks import pump, start_consumer
from ror_graph.state import AppState
from ror_graph.tasks import background, poll_forever

log = logging.getLogger(__name__)
WEBHOOK_INTERVAL_SECONDS = 0.5
DEFAULT_LIMIT, MAX_LIMIT, STREAM_PAGE = 1000, 10_000, 500
NDJSON = "application/x-ndjson"
_STATUS = {CursorExpiredError: 410, UnauthenticatedError: 401}


def _error(exc: DomainError) -> JSONResponse:
    status = next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": {"code": exc.code, "field": exc.field, "message": exc.message}}, status, headers)


def _csv(request: Request, name: str) -> frozenset[str]:
    return frozenset(part.strip() for value in request.query_params.getlist(name) for part in value.split(",")
                     if part.strip())


def feed_params(request: Request) -> tuple[str | None, int, FeedFilter]:
    """(after, limit, filter) from the query string; ``BAD_INPUT`` for what cannot be one."""
    check_text(request)
    raw = request.query_params.get("limit", str(DEFAULT_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadInputError(f"limit must be a whole number between 1 and {MAX_LIMIT}.", field="limit")
    feed_filter = FeedFilter(entites=_csv(request, "entites"), regions=_csv(request, "regions"),
                             departements=_csv(request, "departements"))
    return request.query_params.get("after") or None, int(raw), feed_filter


async def _lines(session, caller: Caller, page: FeedPage, limit: int, f: FeedFilter,
                 retention: timedelta) -> AsyncIterator[bytes]:
    """The NDJSON body: pages read one after the other until ``limit`` or the end of the log."""
    try:
        sent = 0
        while True:
            yield "".join(json.dumps(i.as_json(), ensure_ascii=False) + "\n" for i in page.items).encode()
            sent += len(page.items)
            if not page.has_more or sent >= limit:
                break
            await session.commit()  # end the read transaction between pages
            page = await read_changes(session, caller, after=page.cursor, first=min(STREAM_PAGE, limit - sent),
                                      filter=f, retention=retention)
        yield (json.dumps({"cursor": page.cursor, "hasMore": page.has_more}) + "\n").encode()
        if caller.api_client_id is not None:
            await session.commit()
            await record_read(session, caller.api_client_id, page.seq)
    finally:
        await session.close()


async def changes(request: Request) -> Response:
    state: AppState = request.app.state.ror
    retention = timedelta(days=state.settings.event_retention_days)
    session = state.sessions()
    try:
        after, limit, feed_filter = feed_params(request)
        caller = await resolve_bearer(session, bearer_token(request))
        feed_filter = feed_filter.within(await client_regions(session, caller.api_client_id))
        page = await read_changes(session, caller, after=after, first=min(STREAM_PAGE, limit), filter=feed_filter,
                                  retention=retention)
    except DomainError as exc:
        await session.close()
        return _error(exc)
    except BaseException:
        await session.close()
        raise
    body = _lines(session, caller, page, limit, feed_filter, retention)
    return StreamingResponse(body, media_type=NDJSON, headers={"Cache-Control": "no-store"})


def routes(state: AppState) -> list:
    return [Route("/api/changes", changes, methods=["GET"])]


async def run_webhooks(state: AppState, *, wake: asyncio.Event, interval: float = WEBHOOK_INTERVAL_SECONDS) -> None:
    """Enqueue and send webhook deliveries until cancelled: at once after a commit of this process that
    appended events, every ``interval`` anyway (other processes' writes, retries coming due)."""
    import httpx

    owner = new_owner()
    async with httpx.AsyncClient() as http:
        async with state.sessions() as session:
            await start_consumer(session)

        async def step() -> bool:
            await pump(state.sessions, http, owner=owner)
            return False

        await poll_forever(step, wake=wake, interval=interval, label="webhook worker", log=log)


@contextlib.asynccontextmanager
async def webhook_worker(state: AppState) -> AsyncIterator[None]:
    """The webhook worker for the app's lifetime."""
    wake = asyncio.Event()
    interval = state.extras.get("webhook_interval", WEBHOOK_INTERVAL_SECONDS)
    async with background(run_webhooks(state, wake=wake, interval=interval), "webhook-worker"):
        with events_signal(state.engine, wake.set):
            yield


def lifespan_hooks() -> list:
    return [webhook_worker]
