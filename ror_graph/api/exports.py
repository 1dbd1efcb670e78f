"""``POST /api/exports``: the bulk export as a durable job, for API clients and accounts; the export runner.

* ``POST /api/exports`` with ``{"format": "ndjson" | "csv" | "xlsx"}`` (default ndjson) and a bearer
  token (the caller's profile decides what the export holds; anonymous callers get 401): **202** with
  ``{"id", "status": "queued", "statusUrl"}`` and a ``Location`` header.
* ``GET /api/exports/{id}``: ``queued``, ``running``, ``failed``, or ``done`` with the manifest (feed
  ``cursor``, counts) and the file URLs. ``GET /api/exports/{id}/{file}`` downloads one file.

Jobs are rows (``services.export.jobs``): the **export runner** of every server process (``export_runner``,
started with the app) takes them once across processes, FHIR ``$export`` jobs included; a job survives
a restart (a stopped runner puts it back in the queue, a crashed one's lease expires). Files go to
``<data dir>/exports/<id>/``. Only the caller that asked may read a job (same API client or account):
others get 404.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from ror_graph.api.graphql import bearer_token
from ror_graph.models import ExportJob
from ror_graph.services.accounts.auth import Caller, resolve_bearer
from ror_graph.services.core.errors import BadInputError, DomainError, UnauthenticatedError
from ror_graph.services.events.consumers import new_owner
from ror_graph.services.export.jobs import Lease, Run, create_job, get_job, job_folder, run_next
from ror_graph.services.export.snapshot import MANIFEST, check_request, export_directory
from ror_graph.state import AppState
from ror_graph.tasks import background, poll_forever

log = logging.getLogger(__name__)
KIND = "directory"
RUNNER_INTERVAL = 2.0  # seconds between polls for jobs asked in other processes
NOT_FOUND = {"error": {"code": "NOT_FOUND", "field": "id", "message": "No such export."}}


def _error(status: int, exc: DomainError) -> JSONResponse:
    return JSONResponse({"error": {"code": exc.code, "field": exc.field, "message": exc.message}}, status)


def _root(state: AppState) -> Path:
    return Path(state.settings.data_dir) / "exports"


async def _caller(request: Request, session: Any) -> Caller:
    caller = await resolve_bearer(session, bearer_token(request))
    if caller.api_client_id is None and caller.account_id is None:
        raise UnauthenticatedError("A bulk export needs an API client token (or a login token).")
    return caller


async def _format(request: Request) -> str:
    try:
        body = await request.json() if await request.body() else {}
    except ValueError:
        raise BadInputError("The body is not JSON.", field=None) from None
    if not isinstance(body, dict) or not isinstance(body.get("format", "ndjson"), str):
        raise BadInputError('The body is a JSON object like {"format": "ndjson"}.', field="format")
    return body.get("format", "ndjson")


async def create_export(request: Request) -> Response:
    state: AppState = request.app.state.ror
    async with state.sessions() as session:
        try:
            caller = await _caller(request, session)
            fmt = await _format(request)
            check_request(fmt, caller.profile.value)
        except UnauthenticatedError as exc:
            return _error(401, exc)
        except DomainError as exc:
            return _error(400, exc)
        job = await create_job(session, kind=KIND, profile=caller.profile.value, params={"format": fmt},
                               api_client_id=caller.api_client_id, account_id=caller.account_id)
    if (wake := state.extras.get("export_runner_wake")) is not None:
        wake.set()
    url = f"/api/exports/{job.id}"
    return JSONResponse({"id": job.id, "status": job.status, "statusUrl": url}, 202, headers={"Location": url})


async def _job(request: Request) -> ExportJob | None:
    state: AppState = request.app.state.ror
    async with state.sessions() as session:
        caller = await _caller(request, session)
        return await get_job(session, request.path_params["job"], kind=KIND, api_client_id=caller.api_client_id,
                             account_id=caller.account_id)


async def export_status(request: Request) -> Response:
    try:
        job = await _job(request)
    except UnauthenticatedError as exc:
        return _error(401, exc)
    if job is None:
        return JSONResponse(NOT_FOUND, 404)
    if job.status != "done" or job.result is None:
        return JSONResponse({"id": job.id, "status": job.status})
    files = [f"/api/exports/{job.id}/{name}" for name in [*job.result["files"], MANIFEST]]
    return JSONResponse({"id": job.id, "status": "done", **job.result, "files": files})


async def export_file(request: Request) -> Response:
    try:
        job = await _job(request)
    except UnauthenticatedError as exc:
        return _error(401, exc)
    name = request.path_params["name"]
    if job is None or job.result is None or name not in [*job.result["files"], MANIFEST]:
        return JSONResponse({"error": {"code": "NOT_FOUND", "field": "name", "message": "No such file."}}, 404)
    path = job_folder(_root(request.app.state.ror), job.id) / name
    if not path.exists():
        return JSONResponse({"error": {"code": "GONE", "field": "name", "message": "The file is gone."}}, 410)
    return FileResponse(path, filename=name)


def routes(state: AppState) -> list:
    return [Route("/api/exports", create_export, methods=["POST"]),
            Route("/api/exports/{job}", export_status, methods=["GET"]),
            Route("/api/exports/{job}/{name}", export_file, methods=["GET"])]


# --- the runner ---------------------------------------------------------------------------------------


def runs(state: AppState) -> dict[str, Run]:
    """What each kind of job does: the directory export (forms) and the FHIR ``$export``."""
    from ror_graph.api.fhir import bulk, labels_for

    async def directory(job: ExportJob, folder: Path, lease: Lease) -> dict[str, Any]:
        async with state.sessions() as session:
            manifest = await export_directory(session, fmt=job.params["format"], profile=job.profile, out=folder,
                                              on_chunk=lease.renew)
        return {"cursor": manifest.cursor, "taken_at": manifest.taken_at, "profile": manifest.profile,
                "format": manifest.format, "counts": manifest.counts, "files": manifest.files}

    async def fhir(job: ExportJob, folder: Path, lease: Lease) -> dict[str, Any]:
        async with state.sessions() as session:
            labels = await labels_for(state, session)
        return await bulk.run(state, labels, job, folder, lease)

    return {KIND: directory, bulk.KIND: fhir}


@contextlib.asynccontextmanager
async def export_runner(state: AppState) -> AsyncIterator[None]:
    """Run export jobs for the app's lifetime: at once when this process queued one, else every few seconds."""
    wake, owner, kinds = asyncio.Event(), new_owner(), runs(state)
    state.extras["export_runner_wake"] = wake
    interval = state.extras.get("export_runner_interval", RUNNER_INTERVAL)

    async def step() -> bool:
        return await run_next(state.sessions, kinds, _root(state), owner)

    async with background(poll_forever(step, wake=wake, interval=interval, label="export runner", log=log),
                          "export-runner"):
        yield


def lifespan_hooks() -> list:
    return [export_runner]
