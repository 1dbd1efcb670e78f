"""Offer search shared by GraphQL ``searchOffres`` and ``GET /api/search``: one client, one label snapshot.

The Meilisearch connection comes from the app state (``meili_url`` / ``meili_key``, index
``settings.meili_index`` and, when the shadow set is not empty, its recent index: ``search_index.recent``).
The index is public by construction (level-1 data, no sensitive offer), so results are the same for
every caller.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from meilisearch_python_sdk import AsyncClient

from ror_graph.resolvers.context import Info
from ror_graph.services.core.errors import DomainError
from ror_graph.state import AppState
from search_index.client import UNAVAILABLE_ERRORS
from search_index.client import meili_client as new_meili_client
from search_index.query import SearchPage, SearchParams, export_offres, search_offres
from search_index.recent import STALE_READ_GRACE_SECONDS
from search_index.reference import SearchReference, load_search_reference
from search_index.shadow import EMPTY, Shadow, read_shadow

REFERENCE_TTL_SECONDS = 600.0
CLIENT_KEY, CLIENT_URL_KEY, OLD_CLIENTS_KEY = "meili_client", "meili_client_url", "meili_old_clients"
REFERENCE_KEY, REFERENCE_LOCK_KEY = "search_reference", "search_reference_lock"
SHADOW_KEY = "search_shadow"
SHADOW_TTL_SECONDS = STALE_READ_GRACE_SECONDS / 5
"""How long a worker reuses the shadow set it read: every search needs it, and reading it per search cost a
fifth of the search throughput at 8 clients (323 vs 410 req/s, 50,000 offers). Well under the compaction's
grace, so a search never misses a document being moved; this process's own drains drop it at once, other
processes' writes show in search at most this much later."""


class SearchUnavailableError(DomainError):
    """Search is not configured on this server, or Meilisearch does not answer."""

    code = "SEARCH_UNAVAILABLE"


def meili_client(state: AppState) -> AsyncClient:
    """The app's shared Meilisearch client (one connection pool for every request)."""
    if not state.meili_url:
        raise SearchUnavailableError("search is not configured on this server (no Meilisearch)")
    client = state.extras.get(CLIENT_KEY)
    if client is None or state.extras.get(CLIENT_URL_KEY) != state.meili_url:
        if client is not None:  # the URL changed (managed server restarted): closed with the app
            state.extras.setdefault(OLD_CLIENTS_KEY, []).append(client)
        client = new_meili_client(state.meili_url, state.meili_key, timeout=10)
        state.extras[CLIENT_KEY], state.extras[CLIENT_URL_KEY] = client, state.meili_url
    return client


async def close_clients(state: AppState) -> None:
    for client in [state.extras.pop(CLIENT_KEY, None), *state.extras.pop(OLD_CLIENTS_KEY, [])]:
        if client is not None:
            await client.aclose()


async def search_reference(state: AppState) -> SearchReference:
    """Labels and communes, read from the database at most every 10 minutes per app."""
    cached = state.extras.get(REFERENCE_KEY)
    if cached and time.monotonic() - cached[0] < REFERENCE_TTL_SECONDS:
        return cached[1]
    lock = state.extras.setdefault(REFERENCE_LOCK_KEY, asyncio.Lock())
    async with lock:
        cached = state.extras.get(REFERENCE_KEY)
        if cached and time.monotonic() - cached[0] < REFERENCE_TTL_SECONDS:
            return cached[1]
        async with state.reading()() as session:  # labels: replica lag is harmless
            ref = await load_search_reference(session)
        state.extras[REFERENCE_KEY] = (time.monotonic(), ref)
        return ref


async def shadow_set(state: AppState) -> Shadow:
    """The offers the recent index shadows, read from the primary database (a replica could lag behind the
    recent index) at most every ``SHADOW_TTL_SECONDS``; empty, and not read, when the recent layer is off."""
    if not state.settings.search_recent_index:
        return EMPTY
    cached = state.extras.get(SHADOW_KEY)
    if cached and time.monotonic() - cached[0] < SHADOW_TTL_SECONDS:
        return cached[1]
    read_at = time.monotonic()
    async with state.engine.connect() as conn:
        shadow = await read_shadow(conn)
    state.extras[SHADOW_KEY] = (read_at, shadow)
    return shadow


def forget_shadow(state: AppState) -> None:
    """Drop the kept shadow set: this process's search consumer just changed it."""
    state.extras.pop(SHADOW_KEY, None)


def _unavailable(exc: Exception) -> SearchUnavailableError:
    return SearchUnavailableError(f"search is temporarily unavailable, retry later ({type(exc).__name__})")


async def run_search(state: AppState, params: SearchParams) -> SearchPage:
    """One page of results; ``BadInputError`` for bad parameters, ``SearchUnavailableError`` when down."""
    client = meili_client(state)
    ref = await search_reference(state)
    shadow = await shadow_set(state)
    try:
        return await search_offres(client, state.settings.meili_index, params, ref=ref, shadow=shadow)
    except UNAVAILABLE_ERRORS as exc:
        raise _unavailable(exc) from exc


async def run_export(state: AppState, params: SearchParams) -> list[dict]:
    """Every hit of the query (up to maxTotalHits), for CSV / XLSX exports."""
    client = meili_client(state)
    ref = await search_reference(state)
    hits: AsyncIterator[dict] = export_offres(client, state.settings.meili_index, params, ref=ref,
                                              shadow=await shadow_set(state))
    try:
        return [hit async for hit in hits]
    except UNAVAILABLE_ERRORS as exc:
        raise _unavailable(exc) from exc


async def search(info: Info, params: SearchParams) -> SearchPage:
    """GraphQL entry point."""
    return await run_search(info.context.state, params)
