"""Probes for load balancers and orchestrators: ``/health`` (liveness) and ``/ready`` (readiness).

* ``GET /health`` answers 200 as long as the process serves HTTP. It reads nothing: a database or
  search outage must not make an orchestrator restart healthy workers in a loop.
* ``GET /ready`` answers 200 only when this worker can do its job: the database answers and is
  migrated to the head revision of this code, and (when search is configured) Meilisearch answers
  and the offers index carries the settings in code (``search_index.index_settings``). Otherwise
  503, with what is wrong in the JSON body; a reverse proxy takes the worker out of rotation until
  it turns ready again, which it does by itself once the dependency returns.
"""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ror_graph import __version__
from ror_graph.db import head_revision
from ror_graph.state import AppState
from search_index.index_settings import current_settings_problem
from search_index.recent import recent_uid

log = logging.getLogger(__name__)

PROBE_TIMEOUT_SECONDS = 3.0


async def health(request: Request) -> JSONResponse:
    """Liveness: the process answers."""
    return JSONResponse({"status": "ok", "version": __version__})


@lru_cache(maxsize=1)
def _head() -> str | None:
    return head_revision()


async def database_check(state: AppState) -> dict[str, Any]:
    """Whether the database answers and is at the head revision of the migrations."""
    head = _head()
    if state.settings.is_sqlite and not _sqlite_file(state.settings.database_url).exists():
        # open connections would keep reading a deleted or moved file: not the database we were given
        return {"ok": False, "error": "the SQLite database file is gone", "head": head}
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS), state.engine.connect() as conn:
            rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
    except Exception as exc:  # any failure means "not ready"; the body says which
        return {"ok": False, "error": _short(exc), "head": head}
    revision = rows[0] if len(rows) == 1 else None
    check: dict[str, Any] = {"ok": revision == head, "revision": revision, "head": head}
    if revision != head:
        check["error"] = "database not at the head revision: run `ror-graph migrate`"
    return check


async def search_check(state: AppState) -> dict[str, Any]:
    """Whether Meilisearch answers and the offers index (and its recent index, when on) has the settings in code."""
    if not state.meili_url:
        return {"ok": True, "configured": False}
    uid = state.settings.meili_index
    uids = [uid, recent_uid(uid)] if state.settings.search_recent_index else [uid]
    headers = {"Authorization": f"Bearer {state.meili_key}"} if state.meili_key else {}
    try:
        async with httpx.AsyncClient(base_url=state.meili_url, headers=headers,
                                     timeout=PROBE_TIMEOUT_SECONDS) as client:
            answers = await asyncio.gather(*(client.get(f"/indexes/{u}/settings") for u in uids))
    except httpx.HTTPError as exc:
        return {"ok": False, "error": f"Meilisearch unreachable: {_short(exc)}"}
    for index_uid, answer in zip(uids, answers, strict=True):
        if answer.status_code != 200:
            return {"ok": False, "error": f"Meilisearch answered {answer.status_code} for index {index_uid!r}"}
        if problem := current_settings_problem(answer.json()):
            return {"ok": False, "index": index_uid, "error": problem}
    return {"ok": True, "index": uid, **({"recentIndex": uids[1]} if len(uids) > 1 else {})}


async def ready(request: Request) -> JSONResponse:
    """Readiness: database reachable and migrated, search reachable with current index settings."""
    state: AppState = request.app.state.ror
    database, search = await asyncio.gather(database_check(state), search_check(state))
    ok = database["ok"] and search["ok"]
    return JSONResponse({"status": "ready" if ok else "not ready", "version": __version__,
                         "database": database, "search": search}, status_code=200 if ok else 503)


def _sqlite_file(url: str) -> Path:
    return Path(url.split(":///", 1)[-1])


def _short(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}"[:300] if message else type(exc).__name__


def routes() -> list[Route]:
    return [Route("/health", health), Route("/ready", ready)]
