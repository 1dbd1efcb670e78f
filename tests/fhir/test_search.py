"""Search, read, errors and links of ``/fhir`` on the small read-API directory (see tests/graphql/conftest.py).

Offers ``52/1`` Hébergement permanent (EHPAD 440000024, activités 003 004, public 01, 60-120, lieu
"Bâtiment A"), ``52/2`` Unité protégée (sensitive), ``52/3`` Addictologie (Centre 490000031, MCO, 18-65),
``11/4`` Accueil de jour (closed, Foyer 750000021). EJ 440000016 (CHU) and 750000013 (Association).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from ror_graph.models.coded import fhir_system_url
from ror_graph.services.accounts.auth import create_api_client
from tests.fhir.conftest import FHIR_JSON, parse_r4

R211 = fhir_system_url("TRE_R211-ActiviteOperationnelle")


async def ids(http, url: str, **kwargs) -> list[str]:
    response = await http.get(url, **kwargs)
    assert response.status_code == 200, response.text
    return [e["resource"]["id"] for e in response.json().get("entry", []) if e["search"]["mode"] == "match"]


@pytest.mark.parametrize(("query", "expected"), [
    ("_id=52-3", ["52-3"]),
    ("identifier=52/1", ["52-1"]),
    ("name=addicto", ["52-3"]),
    ("name:exact=Addictologie", ["52-3"]),
    ("name:exact=addictologie", []),
    ("name:contains=jour", ["11-4"]),
    ("type=01", ["52-3"]),
    ("service-type=04", ["11-4", "52-1"]),
    (f"specialty={R211}|004", ["11-4", "52-1"]),
    ("specialty=http://other.org|004", []),
    ("specialty=003,001", ["52-1", "52-3"]),
    ("specialty=003&specialty=004", ["52-1"]),
    ("characteristic=13", ["52-3"]),
    ("patient-type=02", ["11-4"]),
    ("age=25", ["11-4", "52-3"]),
    ("age=19&patient-type=04", ["52-3"]),
    ("organization=Organization/440000024", ["52-1"]),
    ("category=17", ["52-1"]),
    ("category:missing=true", ["11-4", "52-3"]),
    ("active=false", ["11-4"]),
    ("_lastUpdated=ge2000-01-01", ["11-4", "52-1", "52-3"]),
    ("_lastUpdated=lt2000-01-01", []),
])
async def test_healthcare_service_parameters(directory, http, query, expected):
    # when offers are searched with one parameter (or a combination), then exactly the expected visible ones match
    assert sorted(await ids(http, f"/fhir/HealthcareService?{query}")) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("_id=440000024", ["440000024"]),
    ("identifier=https://finess.esante.gouv.fr|490000031", ["490000031"]),
    ("name=ehpad", ["440000024"]),
    ("type=500", ["440000024", "750000021"]),
    ("partof=Organization/440000016", ["440000024", "490000031"]),
    ("partof:missing=true", ["440000016", "750000013"]),
    ("address-postalcode=440", ["440000024"]),
    ("address-city=angers", ["490000031"]),
    ("active=false", ["750000021"]),
])
async def test_organization_parameters(directory, http, query, expected):
    assert sorted(await ids(http, f"/fhir/Organization?{query}")) == expected


async def test_location_parameters_and_revinclude(directory, http):
    # the lieu "Bâtiment A" of the EHPAD serves offer 52/1
    (lieu,) = await ids(http, "/fhir/Location?name=b%C3%A2t")
    assert await ids(http, f"/fhir/Location?organization=440000024&type=003&_id={lieu}") == [lieu]
    assert await ids(http, "/fhir/Location?organization=490000031") == []
    # when the offers at that lieu are asked for
    bundle = (await http.get(f"/fhir/Location?_id={lieu}&_revinclude=HealthcareService:location")).json()
    # then the lieu matches and its offer is included
    found = [(e["resource"]["id"], e["search"]["mode"]) for e in bundle["entry"]]
    assert found == [(lieu, "match"), ("52-1", "include")]
    assert await ids(http, f"/fhir/HealthcareService?location=Location/{lieu}") == ["52-1"]


async def test_include_counts_and_partof_iterate(directory, http):
    # when offers are fetched with their EG, their lieux, and (iterate) the EG's EJ
    url = ("/fhir/HealthcareService?_include=HealthcareService:organization&_include=HealthcareService:location"
           "&_include:iterate=Organization:partof")
    bundle = (await http.get(url)).json()
    included = sorted((e["resource"]["resourceType"], e["resource"]["id"]) for e in bundle["entry"]
                      if e["search"]["mode"] == "include")
    # then each EG, lieu and EJ comes once
    assert [k for k, _ in included].count("Location") == 1
    assert [i for k, i in included if k == "Organization"] == ["440000016", "440000024", "490000031", "750000013",
                                                                "750000021"]
    # without :iterate, Organization:partof only climbs from matched organisations
    plain = (await http.get("/fhir/HealthcareService?_include=HealthcareService:organization"
                            "&_include=Organization:partof")).json()
    assert sorted(e["resource"]["id"] for e in plain["entry"] if e["search"]["mode"] == "include") == [
        "440000024", "490000031", "750000021"]
    # and the reverse: the EJ's EG and their visible offers
    rev = (await http.get("/fhir/Organization?_id=440000024&_revinclude=HealthcareService:organization")).json()
    assert sorted(e["resource"]["id"] for e in rev["entry"]) == ["440000024", "52-1"]


async def test_next_links_walk_a_filtered_sorted_result_without_gap_or_duplicate(directory, walk, http):
    # given a filtered search with an unknown parameter kept in the links, 1 per page, sorted by name descending
    url = "/fhir/Organization?type=500,355&_sort=-name&_count=1&x-keep=1"
    entries = await walk(url)
    # then the walk returns each match once, in the same order as one big page
    walked = [e["resource"]["id"] for e in entries if e["search"]["mode"] == "match"]
    assert walked == await ids(http, "/fhir/Organization?type=500,355&_sort=-name")
    assert len(walked) == len(set(walked)) == 3
    # and every next link keeps every parameter
    first = (await http.get(url)).json()
    (next_url,) = [link["url"] for link in first["link"] if link["relation"] == "next"]
    params = dict(parse_qsl(urlsplit(next_url).query))
    assert params == {"type": "500,355", "_sort": "-name", "_count": "1", "x-keep": "1", "_offset": "1"}


async def test_default_order_pages_by_key_across_ej_and_eg(directory, walk, http):
    # given a filter matching EJ and EG (name starts with "c": CHU Estuaire, Centre de soins Angers) plus all
    url = "/fhir/Organization?_count=1&name=c,e,f,a"
    # when the result is walked one resource per page in the default order
    entries = await walk(url)
    walked = [e["resource"]["id"] for e in entries]
    # then every match comes once, EJ first, exactly as in one big page
    assert walked == await ids(http, "/fhir/Organization?name=c,e,f,a")
    assert len(walked) == len(set(walked)) == 5 and walked[:2] == ["440000016", "750000013"]
    # and the next links carry a key position, not an offset, with every other parameter kept
    first = (await http.get(url)).json()
    (next_url,) = [link["url"] for link in first["link"] if link["relation"] == "next"]
    assert dict(parse_qsl(urlsplit(next_url).query)) == {"_count": "1", "name": "c,e,f,a", "_after": "0.1"}
    assert (await http.get("/fhir/Organization?_after=9.1")).status_code == 400


async def test_total_summary_count_and_elements(directory, http):
    counted = (await http.get("/fhir/HealthcareService?_summary=count")).json()
    assert counted["total"] == 3 and "entry" not in counted
    bundle = (await http.get("/fhir/HealthcareService?_id=52-1&_elements=name")).json()
    (entry,) = bundle["entry"]
    assert set(entry["resource"]) == {"resourceType", "id", "meta", "name"}
    assert any(t["code"] == "SUBSETTED" for t in entry["resource"]["meta"]["tag"])
    parse_r4(bundle)


async def test_errors_are_operation_outcomes(directory, http):
    async def status(url: str, **kwargs) -> int:
        response = await http.get(url, **kwargs)
        assert response.headers["content-type"] == FHIR_JSON
        if response.status_code >= 400:
            assert response.json()["resourceType"] == "OperationOutcome"
        return response.status_code

    assert await status("/fhir/HealthcareService?_count=abc") == 400
    assert await status("/fhir/HealthcareService?_lastUpdated=yesterday") == 400
    assert await status("/fhir/HealthcareService?name:below=x") == 400
    assert await status("/fhir/Location?near=47|abc") == 400
    assert await status("/fhir/HealthcareService?_include=Foo:bar") == 400
    # unknown parameter: ignored and reported (lenient, the default), refused with Prefer: handling=strict
    lenient = await http.get("/fhir/HealthcareService?colour=blue")
    assert lenient.status_code == 200 and lenient.json()["entry"][-1]["search"]["mode"] == "outcome"
    assert await status("/fhir/HealthcareService?colour=blue", headers={"prefer": "handling=strict"}) == 400
    assert await status("/fhir/HealthcareService/99-999") == 404
    assert await status("/fhir/Patient/1") == 404
    # a sensitive unit answers like a missing one to a public client
    assert await status("/fhir/HealthcareService/52-2") == 404


async def test_metadata_tells_what_is_served(directory, http):
    statement = (await http.get("/fhir/metadata")).json()
    parse_r4(statement)
    resources = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert set(resources) == {"Organization", "HealthcareService", "Location"}
    names = {p["name"] for p in resources["HealthcareService"]["searchParam"]}
    assert {"specialty", "characteristic", "organization", "location", "age", "_lastUpdated"} <= names
    # every advertised parameter is accepted in strict mode
    for kind, resource in resources.items():
        for param in resource["searchParam"]:
            if param["type"] in ("token", "string", "reference"):
                value = "true" if param["name"] == "active" else "1"
                response = await http.get(f"/fhir/{kind}", params={param["name"]: value},
                                          headers={"prefer": "handling=strict"})
                assert response.status_code == 200, (kind, param["name"], response.text)


async def test_regulation_token_reads_the_sensitive_unit(directory, session, http):
    _, token = await create_api_client(session, name="SAMU", profile="regulation")
    auth = {"authorization": f"Bearer {token}"}
    assert (await http.get("/fhir/HealthcareService/52-2", headers=auth)).status_code == 200
    assert sorted(await ids(http, "/fhir/HealthcareService?organization=440000024", headers=auth)) == ["52-1", "52-2"]
    assert (await http.get("/fhir/HealthcareService", headers={"authorization": "Bearer nope"})).status_code == 401
