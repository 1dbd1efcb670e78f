"""FHIR Bulk Data ``$export`` (system level): kick-off 202 + ``Content-Location``, status, NDJSON files.

* ``GET /fhir/$export[?_type=Organization,HealthcareService]`` with ``Prefer: respond-async`` starts a
  job in the server process and answers 202 with ``Content-Location: …/fhir/$export-status/<job>``.
* ``GET`` on the status URL: 202 with ``X-Progress`` while running; 200 with the manifest
  (``transactionTime``, ``output[]`` of ``type`` / ``url`` / ``count``) when done; 500 with an
  OperationOutcome if it failed. ``DELETE`` cancels the job and removes its files.
* ``GET /fhir/$export-file/<job>/<Type>.ndjson``: ``application/fhir+ndjson``.

The job exports what its requester may see (its bearer token's profile); the status and the files
answer only the same API client or account (anonymous jobs hold public data only). Jobs live in the
process that runs them (files under ``<data dir>/fhir-export/``) and are lost on restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from ror_graph.services.fhir.codes import fhir_instant
from ror_graph.services.fhir.export import export_type, types_of
from ror_graph.services.fhir.query import FhirError
from ror_graph.state import AppState

log = logging.getLogger(__name__)
_JOBS = "fhir_export_jobs"


@dataclass
class Job:
    id: str
    owner: tuple[Any, Any]
    types: list[str]
    request: str
    directory: Path
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    counts: dict[str, int] = field(default_factory=dict)
    done: bool = False
    error: str | None = None
    task: asyncio.Task | None = None


def _jobs(state: AppState) -> dict[str, Job]:
    return state.extras.setdefault(_JOBS, {})


def owner_of(caller: Any) -> tuple[Any, Any]:
    return getattr(caller, "api_client_id", None), getattr(caller, "account_id", None)


async def _run(state: AppState, job: Job, caller: Any, labels: Any) -> None:
    try:
        job.directory.mkdir(parents=True, exist_ok=True)
        for resource in job.types:
            out = await asyncio.to_thread(open, job.directory / f"{resource}.ndjson", "w", encoding="utf-8")
            try:
                async def write(lines: list[str], out=out) -> None:
                    await asyncio.to_thread(out.writelines, lines)

                async with state.sessions() as session:
                    job.counts[resource] = await export_type(session, caller, labels, resource, write)
            finally:
                out.close()
        job.done = True
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # reported on the status URL; the log keeps the traceback
        log.exception("FHIR export %s failed", job.id)
        job.error = f"Export failed: {type(exc).__name__}."


def kick_off(request: Request, caller: Any, labels: Any, base: str) -> Response:
    if "respond-async" not in request.headers.get("prefer", ""):
        raise FhirError(400, "$export needs the header Prefer: respond-async.")
    state: AppState = request.app.state.ror
    types = types_of(request.query_params.get("_type"))
    job_id = secrets.token_urlsafe(16)
    job = Job(job_id, owner_of(caller), types, str(request.url),
              state.settings.data_dir / "fhir-export" / job_id)
    job.task = asyncio.create_task(_run(state, job, caller, labels), name=f"fhir-export-{job_id}")
    _jobs(state)[job_id] = job
    return Response(status_code=202, headers={"Content-Location": f"{base}/$export-status/{job_id}"})


def _job(request: Request, caller: Any) -> Job:
    job = _jobs(request.app.state.ror).get(request.path_params["job"])
    if job is None or job.owner != owner_of(caller):
        raise FhirError(404, "No such export job.", "not-found")
    return job


def status(request: Request, caller: Any, base: str) -> Response | dict[str, Any]:
    job = _job(request, caller)
    if request.method == "DELETE":
        if job.task:
            job.task.cancel()
        shutil.rmtree(job.directory, ignore_errors=True)
        del _jobs(request.app.state.ror)[job.id]
        return Response(status_code=202)
    if job.error:
        raise FhirError(500, job.error, "exception")
    if not job.done:
        progress = f"{len(job.counts)}/{len(job.types)} types"
        return Response(status_code=202, headers={"X-Progress": progress, "Retry-After": "2"})
    return {"transactionTime": fhir_instant(job.started), "request": job.request, "requiresAccessToken": True,
            "output": [{"type": t, "url": f"{base}/$export-file/{job.id}/{t}.ndjson", "count": job.counts[t]}
                       for t in job.types], "error": []}


def file(request: Request, caller: Any) -> Response:
    job = _job(request, caller)
    name = request.path_params["name"]
    if not job.done or name not in {f"{t}.ndjson" for t in job.types}:
        raise FhirError(404, "No such export file.", "not-found")
    return FileResponse(job.directory / name, media_type="application/fhir+ndjson")


async def cancel_all(state: AppState) -> None:
    """Stop the jobs still running when the app stops."""
    for job in list(_jobs(state).values()):
        if job.task and not job.task.done():
            job.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await job.task
