"""``$export``: kick-off 202 + Content-Location, status polling, one NDJSON file per type, per caller."""

from __future__ import annotations

import asyncio
import json

from ror_graph.services.accounts.auth import create_api_client
from tests.fhir.conftest import check_profile, parse_r4

ASYNC = {"prefer": "respond-async"}


async def _finish(http, location: str, headers: dict) -> dict:
    for _ in range(200):
        response = await http.get(location, headers=headers)
        if response.status_code == 200:
            return response.json()
        assert response.status_code == 202 and response.headers["x-progress"]
        await asyncio.sleep(0.05)
    raise AssertionError("export did not finish")


async def test_export_kick_off_status_and_ndjson_files(directory, session, http):
    _, token = await create_api_client(session, name="SAMU", profile="regulation")
    regulation = {"authorization": f"Bearer {token}"}
    # when an anonymous client and a regulation client each start an export of offers and organisations
    public_kick = await http.get("/fhir/$export?_type=HealthcareService,Organization", headers=ASYNC)
    regulation_kick = await http.get("/fhir/$export?_type=HealthcareService", headers={**ASYNC, **regulation})
    # then both are accepted with a status URL
    assert public_kick.status_code == regulation_kick.status_code == 202
    public = await _finish(http, public_kick.headers["content-location"], {})
    full = await _finish(http, regulation_kick.headers["content-location"], regulation)
    # and the manifest lists one NDJSON file per type, whose lines are valid R4 resources of the profile
    assert [o["type"] for o in public["output"]] == ["HealthcareService", "Organization"]
    counts = {o["type"]: o["count"] for o in public["output"]}
    assert counts == {"HealthcareService": 3, "Organization": 5}
    for output in public["output"]:
        response = await http.get(output["url"])
        assert response.headers["content-type"].startswith("application/fhir+ndjson")
        lines = [json.loads(line) for line in response.text.splitlines()]
        assert len(lines) == output["count"]
        for resource in lines:
            parse_r4(resource)
            check_profile(resource)
    # the public file has no sensitive unit; the regulation one has it
    (offers,) = public["output"][:1]
    assert "52-2" not in (await http.get(offers["url"])).text
    assert '"id":"52-2"' in (await http.get(full["output"][0]["url"], headers=regulation)).text
    # another caller cannot read a job's status or files
    assert (await http.get(regulation_kick.headers["content-location"])).status_code == 404
    assert (await http.get(full["output"][0]["url"])).status_code == 404


async def test_export_refusals(directory, http):
    assert (await http.get("/fhir/$export")).status_code == 400  # no Prefer: respond-async
    assert (await http.get("/fhir/$export?_type=Patient", headers=ASYNC)).status_code == 400
    assert (await http.get("/fhir/$export-status/nope")).status_code == 404
    kick = await http.get("/fhir/$export", headers=ASYNC)
    assert (await http.delete(kick.headers["content-location"])).status_code == 202
    assert (await http.get(kick.headers["content-location"])).status_code == 404
