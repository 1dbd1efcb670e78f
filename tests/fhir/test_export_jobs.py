"""``$export`` jobs: Core-row resources equal the search's, jobs survive a killed runner, the public sees no secret."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from subprocess import PIPE

import httpx
from sqlmodel import select

from ror_graph.app import create_app
from ror_graph.db import make_engine, session_factory
from ror_graph.models import ExportJob
from ror_graph.services.accounts.auth import caller_for_profile, create_api_client
from ror_graph.services.export.jobs import claim
from ror_graph.services.fhir.export import export_type, export_type_orm
from ror_graph.services.fhir.service import load_labels
from ror_graph.settings import Settings
from tests.fhir.conftest import check_profile, parse_r4
from tests.fhir.test_export import ASYNC, _finish

ROOT = Path(__file__).resolve().parents[2]
TYPES = ("Organization", "HealthcareService", "Location")


async def test_core_rows_give_the_resources_of_the_orm_path_for_every_profile(directory, session, engine):
    labels = await load_labels(session)
    for profile in ("public", "professional", "regulation"):
        caller = caller_for_profile(profile)
        for resource in TYPES:
            # when a type is exported through the Core path (small batches) and through the ORM path
            core: list[str] = []
            orm: list[str] = []
            async with engine.connect() as conn:
                core_count = await export_type(conn, caller, labels, resource, _append(core), batch=2)
            orm_count = await export_type_orm(session, caller, labels, resource, _append(orm))
            # then both give the same lines, in the same order
            assert core == orm and core_count == orm_count == len(core) > 0, (profile, resource)
            for line in core:
                parse_r4(json.loads(line))
                check_profile(json.loads(line))


async def _wait(http, location: str, headers: dict | None = None) -> dict:
    for _ in range(600):  # a killed runner's lease (3 s) plus the runner's poll, on a loaded machine
        response = await http.get(location, headers=headers or {})
        if response.status_code == 200:
            return response.json()
        assert response.status_code == 202, response.text
        await asyncio.sleep(0.1)
    raise AssertionError("export did not finish")


def _append(lines: list[str]):
    async def write(batch: list[str]) -> None:
        lines.extend(batch)
    return write


async def test_public_export_holds_no_confidential_item(directory, http):
    # when an anonymous client exports everything
    kick = await http.get("/fhir/$export", headers=ASYNC)
    manifest = await _finish(http, kick.headers["content-location"], {})
    text = "".join([(await http.get(o["url"])).text for o in manifest["output"]])
    # then the level-1 telecoms are there, no level-2/3 one, no sensitive unit nor its contact
    assert "0200000001" in text and "0240000001" in text
    assert not any(secret in text for secret in ("0200000002", "0200000003", "0240000002", "0640000003"))
    assert "Contact niveau 2" not in text and '"id":"52-2"' not in text


async def test_a_job_whose_runner_is_killed_is_finished_by_the_restarted_server(directory, database_url, tmp_path):
    # given a runner process that took a job, wrote part of it, then was killed
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fhir.export_runner", database_url, str(tmp_path / "var"), "3",
        cwd=ROOT, env=env, stdout=PIPE, stderr=PIPE)
    job_id = (await asyncio.wait_for(child.stdout.readline(), 60)).decode().strip()
    assert job_id, (await child.stderr.read()).decode()
    child.kill()
    await child.wait()
    # then while its lease runs, nobody else takes the job (once across processes)
    engine = make_engine(database_url)
    assert await claim(session_factory(engine), "someone-else") is None
    # when the server starts again, its export runner takes the job over once the lease has expired
    app = create_app(Settings(database_url=database_url, meili_managed=False, data_dir=tmp_path / "var"))
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http):
        manifest = await _wait(http, f"/fhir/$export-status/{job_id}")
        files = {o["type"]: (await http.get(o["url"])).text.splitlines() for o in manifest["output"]}
    # then the files are those of one complete run: every resource once
    assert {t: len(lines) for t, lines in files.items()} == {o["type"]: o["count"] for o in manifest["output"]}
    assert manifest["output"][0]["count"] == 5 and all(files.values())
    for lines in files.values():
        ids = [json.loads(line)["id"] for line in lines]
        assert len(ids) == len(set(ids))
    async with session_factory(engine)() as session:
        job = (await session.exec(select(ExportJob).where(ExportJob.id == job_id))).one()
    assert (job.status, job.attempts, job.lease_owner) == ("done", 2, None)
    await engine.dispose()


async def test_a_large_export_is_written_in_parts_by_worker_processes(directory, session, engine, http):
    # given an app that cuts types into parts of 2 rows and runs them in 2 processes
    http._transport.app.state.ror.extras.update(export_part_rows=2, export_workers=2)
    _, token = await create_api_client(session, name="SAMU", profile="regulation")
    headers = {"authorization": f"Bearer {token}"}
    # when a regulation client exports everything
    kick = await http.get("/fhir/$export", headers={**ASYNC, **headers})
    manifest = await _wait(http, kick.headers["content-location"], headers)
    # then each type comes in several files whose lines, in order, are the whole type's export
    labels = await load_labels(session)
    for resource in TYPES:
        outputs = [o for o in manifest["output"] if o["type"] == resource]
        lines = []
        for output in outputs:
            text = (await http.get(output["url"], headers=headers)).text
            assert len(text.splitlines()) == output["count"] > 0
            lines.extend(line + "\n" for line in text.splitlines())
        expected: list[str] = []
        async with engine.connect() as conn:
            await export_type(conn, caller_for_profile("regulation"), labels, resource, _append(expected))
        assert lines == expected, resource
        assert len(outputs) > 1 or resource == "Location", resource  # the fixture has a single lieu
