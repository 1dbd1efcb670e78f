"""FHIR Bulk Data ``$export`` (system level) on the durable export jobs of ``services.export.jobs``.

* ``GET /fhir/$export[?_type=Organization,HealthcareService]`` with ``Prefer: respond-async`` writes a
  job row and answers 202 with ``Content-Location: …/fhir/$export-status/<job>``; the export runner of
  any server process takes it (once across processes, started again if its runner dies).
* ``GET`` on the status URL: 202 with ``X-Progress`` and ``Retry-After`` while queued or running; 200
  with the manifest (``transactionTime``, ``output[]`` of ``type`` / ``url`` / ``count``) when done;
  500 OperationOutcome if it failed; 410 once its files are gone. ``DELETE`` cancels the job and
  removes its files (202); the status URL then answers 404, as the Bulk Data spec asks.
* ``GET /fhir/$export-file/<job>/<file>``: ``application/fhir+ndjson``; one ``<Type>.ndjson`` per type, or
  ``<Type>-<n>.ndjson`` parts when a large export is written by several processes (``parts``).

The job exports what its requester's profile may see (through the same visibility policy as the
search; a référent's job reads with the professional profile, not its own sensitive units). The
status and the files answer only the same API client or account (anonymous jobs hold public data
only). The export reads one snapshot: ``transactionTime`` is the time it was taken.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from ror_graph.api.fhir.parts import PART_ROWS, part_files, run_parts
from ror_graph.models import ExportJob, utcnow
from ror_graph.services.accounts.auth import caller_for_profile
from ror_graph.services.export.jobs import Lease, cancel_job, create_job, get_job, job_folder
from ror_graph.services.export.snapshot import begin_snapshot
from ror_graph.services.fhir.codes import fhir_instant
from ror_graph.services.fhir.export import export_type, id_ranges, types_of
from ror_graph.services.fhir.query import FhirError
from ror_graph.services.fhir.search import MODELS
from ror_graph.state import AppState

KIND = "fhir"
WAKE = "export_runner_wake"


def exports_root(state: AppState) -> Path:
    return Path(state.settings.data_dir) / "exports"


def owner_of(caller: Any) -> dict[str, Any]:
    return {"api_client_id": getattr(caller, "api_client_id", None), "account_id": getattr(caller, "account_id", None)}


async def kick_off(request: Request, session: Any, caller: Any, base: str) -> Response:
    if "respond-async" not in request.headers.get("prefer", ""):
        raise FhirError(400, "$export needs the header Prefer: respond-async.")
    state: AppState = request.app.state.ror
    types = types_of(request.query_params.get("_type"))
    job = await create_job(session, kind=KIND, profile=caller.profile.value,
                           params={"types": types, "request": str(request.url)}, **owner_of(caller))
    if (wake := state.extras.get(WAKE)) is not None:
        wake.set()  # this process's runner starts it now rather than at its next poll
    return Response(status_code=202, headers={"Content-Location": f"{base}/$export-status/{job.id}"})


async def _job(request: Request, session: Any, caller: Any) -> ExportJob:
    job = await get_job(session, request.path_params["job"], kind=KIND, **owner_of(caller))
    if job is None or job.status == "cancelled":
        raise FhirError(404, "No such export job.", "not-found")
    return job


def _manifest(job: ExportJob, base: str) -> dict[str, Any]:
    result = job.result or {}
    return {"transactionTime": result.get("transactionTime"), "request": job.params.get("request"),
            "requiresAccessToken": True, "error": [],
            "output": [{"type": o["type"], "url": f"{base}/$export-file/{job.id}/{o['file']}", "count": o["count"]}
                       for o in result.get("outputs", [])]}


async def status(request: Request, session: Any, caller: Any, base: str) -> Response | dict[str, Any]:
    job = await _job(request, session, caller)
    state: AppState = request.app.state.ror
    if request.method == "DELETE":
        await cancel_job(session, job, exports_root(state))
        return Response(status_code=202)
    if job.status == "failed":
        raise FhirError(500, f"Export failed ({job.error or 'unknown error'}).", "exception")
    if job.status != "done":
        progress = f"{job.status}, attempt {job.attempts}" if job.attempts else job.status
        return Response(status_code=202, headers={"X-Progress": progress, "Retry-After": "2"})
    if not job_folder(exports_root(state), job.id).exists():
        raise FhirError(410, "The files of this export are gone; start a new export.", "expired")
    return _manifest(job, base)


async def file(request: Request, session: Any, caller: Any) -> Response:
    job = await _job(request, session, caller)
    name = request.path_params["name"]
    path = job_folder(exports_root(request.app.state.ror), job.id) / name
    if job.status != "done" or name not in {o["file"] for o in (job.result or {}).get("outputs", [])}:
        raise FhirError(404, "No such export file.", "not-found")
    if not path.exists():
        raise FhirError(410, "The files of this export are gone; start a new export.", "expired")
    return FileResponse(path, media_type="application/fhir+ndjson")


async def _serial(conn: Any, caller: Any, labels: Any, types: list[str], folder: Path,
                  lease: Lease) -> list[dict[str, Any]]:
    """Every type in this process, one ``<Type>.ndjson`` each."""
    outputs = []
    for resource in types:
        out = await asyncio.to_thread(open, folder / f"{resource}.ndjson", "w", encoding="utf-8")
        with out:
            async def write(lines: list[str], out=out) -> None:
                out.writelines(lines)  # a batch of lines to the page cache: no need for a thread
                await lease.renew()

            count = await export_type(conn, caller, labels, resource, write)
        outputs.append({"type": resource, "file": f"{resource}.ndjson", "count": count})
    return outputs


async def run(state: AppState, labels: Any, job: ExportJob, folder: Path, lease: Lease) -> dict[str, Any]:
    """Write the asked types from one snapshot, in this process or, when large, by parts in a process pool."""
    types: list[str] = job.params["types"]
    async with state.sessions() as session:
        taken = utcnow()
        await begin_snapshot(session)
        try:
            conn = await session.connection()
            part_rows = state.extras.get("export_part_rows", PART_ROWS)
            plan = {t: await id_ranges(conn, t, part_rows) for t in types}
            workers = state.extras.get("export_workers", os.cpu_count() or 1)
            if workers < 2 or all(len(ranges) == len(MODELS[t]) for t, ranges in plan.items()):
                outputs = await _serial(conn, caller_for_profile(job.profile), labels, types, folder, lease)
            else:
                snapshot = None
                if conn.dialect.name == "postgresql":
                    snapshot = (await conn.exec_driver_sql("SELECT pg_export_snapshot()")).scalar()
                parts = [part for t in types for part in part_files(t, plan[t])]
                counts = await run_parts(state.engine.url.render_as_string(hide_password=False), job.profile,
                                         parts, folder, snapshot, workers, lease.renew)
                outputs = [{"type": p.resource, "file": p.file, "count": n} for p, n in zip(parts, counts, strict=True)
                           if n]
        finally:
            await session.rollback()
    return {"transactionTime": fhir_instant(taken), "outputs": outputs}
