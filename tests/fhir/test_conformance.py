"""Every resource the API returns parses with the R4 models and carries what its ROR profile requires.

Datasets: the demo directory (FINESS subset of Maine-et-Loire and its generated offers) and the shared
2021 FINESS FHIR extract of départements 49 and 75. Both are walked to the end through ``next`` links,
as a regulation client (everything) and as an anonymous client (public profile).
"""

from __future__ import annotations

from ror_graph.db import session_factory
from ror_graph.services.accounts.auth import create_api_client
from ror_graph.services.finess.importer import import_finess
from tests.fhir.conftest import check_profile, parse_r4

TYPES = ("Organization", "HealthcareService", "Location")


async def _walk_all(walk, headers=None) -> dict[str, list[dict]]:
    return {kind: [e["resource"] for e in await walk(f"/fhir/{kind}?_count=200", headers)] for kind in TYPES}


async def test_demo_resources_parse_and_follow_their_profiles(demo_loaded, session, walk, http):
    # given the demo directory and a regulation token
    _, token = await create_api_client(session, name="SAMU", profile="regulation")
    # when every resource of every type is fetched, page by page
    everything = await _walk_all(walk, {"authorization": f"Bearer {token}"})
    public = await _walk_all(walk)
    # then there are offers, lieux and organisations, each valid R4 and complete for its profile
    assert all(everything[kind] for kind in TYPES)
    for resources in (*everything.values(), *public.values()):
        for resource in resources:
            parse_r4(resource)
            check_profile(resource)
    # and the anonymous walk misses exactly the sensitive offers
    sensitive = {r["id"] for r in everything["HealthcareService"] if any(
        e["url"].endswith("sensitive-unit") and e["valueBoolean"] for e in r["extension"])}
    assert sensitive
    all_ids = {r["id"] for r in everything["HealthcareService"]}
    assert {r["id"] for r in public["HealthcareService"]} == all_ids - sensitive
    # and reading one of each by id gives the same resource as the search
    for kind in TYPES:
        first = public[kind][0]
        assert (await http.get(f"/fhir/{kind}/{first['id']}")).json() == first


async def test_finess_extract_49_75_resources_parse(engine, shared_dir, walk):
    # given the 2021 FINESS FHIR extract of Maine-et-Loire and Paris imported
    path = shared_dir / "data" / "finess" / "fhir-20210108" / "finess-fhir-20210108-dep49-75.ndjson"
    await import_finess(session_factory(engine), path)
    # when every Organization is fetched
    organizations = [e["resource"] for e in await walk("/fhir/Organization?_count=200")]
    # then thousands of EJ and EG come back, each valid R4 and following the profile
    assert len(organizations) > 1000
    for resource in organizations:
        parse_r4(resource)
        check_profile(resource)
    # and every EG points to its EJ, which is in the result too
    ids = {r["id"] for r in organizations}
    parents = {r["partOf"]["reference"].split("/")[1] for r in organizations if "partOf" in r}
    assert parents and parents <= ids
    # and the EJ this extract only knows through their EG carry no invented name, but the
    # "en attente FINESS" tag
    awaiting = [r for r in organizations if any(t.get("code") == "en-attente-finess" for t in r["meta"].get("tag", []))]
    assert awaiting and all("name" not in r and "partOf" not in r for r in awaiting)
