"""``POST /api/exports``: the bulk export as an asynchronous job, for API clients and accounts.

* ``POST /api/exports`` with ``{"format": "ndjson" | "csv" | "xlsx"}`` (default ndjson) and a bearer
  token (the caller's profile decides what the export holds; anonymous callers get 401): **202** with
  ``{"id", "status": "running", "statusUrl"}`` and a ``Location`` header.
* ``GET /api/exports/{id}``: ``running``, ``failed``, or ``done`` with the manifest (feed ``cursor``,
  counts) and the file URLs. ``GET /api/exports/{id}/{file}`` downloads one file.

A job writes into ``<data dir>/exports/<id>/`` (random id); its state *is* that folder
(``manifest.json`` once done, ``error.json`` if it failed), so any worker sharing the data folder
answers. Only the caller that asked may read a job (same API client or account): others get 404.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from ror_graph.api.graphql import bearer_token
from ror_graph.services.accounts.auth import Caller, resolve_bearer
from ror_graph.services.core.errors import BadInputError, DomainError, UnauthenticatedError
from ror_graph.services.export.snapshot import MANIFEST, check_request, export_directory
from ror_graph.state import AppState

log = logging.getLogger(__name__)
OWNER, ERROR = "owner.json", "error.json"
_TASKS = "export_tasks"


def _error(status: int, exc: DomainError) -> JSONResponse:
    return JSONResponse({"error": {"code": exc.code, "field": exc.field, "message": exc.message}}, status)


def _who(caller: Caller) -> dict[str, Any]:
    return {"api_client_id": caller.api_client_id, "account_id": caller.account_id}


def _root(state: AppState) -> Path:
    return Path(state.settings.data_dir) / "exports"


async def _caller(request: Request, state: AppState) -> Caller:
    async with state.sessions() as session:
        caller = await resolve_bearer(session, bearer_token(request))
    if caller.api_client_id is None and caller.account_id is None:
        raise UnauthenticatedError("A bulk export needs an API client token (or a login token).")
    return caller


async def _run(state: AppState, job: Path, fmt: str, profile: str) -> None:
    try:
        async with state.sessions() as session:
            await export_directory(session, fmt=fmt, profile=profile, out=job)
    except Exception as exc:  # the job's folder says it failed; the log says why
        log.exception("bulk export %s failed", job.name)
        await asyncio.to_thread((job / ERROR).write_text, json.dumps({"error": type(exc).__name__}))


async def create_export(request: Request) -> Response:
    state: AppState = request.app.state.ror
    try:
        caller = await _caller(request, state)
        body = await request.json() if await request.body() else {}
        if not isinstance(body, dict) or not isinstance(body.get("format", "ndjson"), str):
            raise BadInputError('The body is a JSON object like {"format": "ndjson"}.', field="format")
        fmt = body.get("format", "ndjson")
        check_request(fmt, caller.profile.value)
    except UnauthenticatedError as exc:
        return _error(401, exc)
    except DomainError as exc:
        return _error(400, exc)
    except ValueError:
        return _error(400, BadInputError("The body is not JSON.", field=None))
    job_id = secrets.token_urlsafe(12)
    job = _root(state) / job_id
    await asyncio.to_thread(job.mkdir, parents=True)
    await asyncio.to_thread((job / OWNER).write_text, json.dumps(_who(caller)))
    task = asyncio.create_task(_run(state, job, fmt, caller.profile.value), name=f"export-{job_id}")
    tasks = state.extras.setdefault(_TASKS, set())
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    url = f"/api/exports/{job_id}"
    return JSONResponse({"id": job_id, "status": "running", "statusUrl": url}, 202, {"Location": url})


async def _job(request: Request) -> Path:
    state: AppState = request.app.state.ror
    caller = await _caller(request, state)
    job_id = request.path_params["job"]
    job = _root(state) / job_id
    owner = job / OWNER
    if not job_id.replace("-", "").replace("_", "").isalnum() or not owner.exists() \
            or json.loads(owner.read_text()) != _who(caller):
        raise FileNotFoundError(job_id)
    return job


async def export_status(request: Request) -> Response:
    try:
        job = await _job(request)
    except UnauthenticatedError as exc:
        return _error(401, exc)
    except FileNotFoundError:
        return JSONResponse({"error": {"code": "NOT_FOUND", "field": "id", "message": "No such export."}}, 404)
    if (job / ERROR).exists():
        return JSONResponse({"id": job.name, "status": "failed"})
    if not (job / MANIFEST).exists():
        return JSONResponse({"id": job.name, "status": "running"})
    manifest = json.loads((job / MANIFEST).read_text())
    files = [f"/api/exports/{job.name}/{name}" for name in [*manifest["files"], MANIFEST]]
    return JSONResponse({"id": job.name, "status": "done", **manifest, "files": files})


async def export_file(request: Request) -> Response:
    try:
        job = await _job(request)
    except UnauthenticatedError as exc:
        return _error(401, exc)
    except FileNotFoundError:
        return JSONResponse({"error": {"code": "NOT_FOUND", "field": "id", "message": "No such export."}}, 404)
    name = request.path_params["name"]
    manifest = json.loads((job / MANIFEST).read_text()) if (job / MANIFEST).exists() else {"files": []}
    if name not in [*manifest["files"], MANIFEST]:
        return JSONResponse({"error": {"code": "NOT_FOUND", "field": "name", "message": "No such file."}}, 404)
    return FileResponse(job / name, filename=name)


def routes(state: AppState) -> list:
    return [Route("/api/exports", create_export, methods=["POST"]),
            Route("/api/exports/{job}", export_status, methods=["GET"]),
            Route("/api/exports/{job}/{name}", export_file, methods=["GET"])]
