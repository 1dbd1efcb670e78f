"""Fixtures of the FHIR API: the read-API directory, an HTTP client on the real app, R4 validation helpers.

``fhir.resources`` is the reference parser: its ``R4B`` package carries the R4-line models (R4B
left Organization, HealthcareService, Location and Bundle as in R4 4.0.1; the package's default
models are R5).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from ror_graph.services.fhir.codes import PROFILES, ROR_SD
from ror_graph.settings import Settings
from tests.graphql.conftest import Directory, directory  # noqa: F401 (fixtures reused)

FHIR_JSON = "application/fhir+json"


def parse_r4(resource: dict[str, Any]) -> Any:
    """Parse with the R4 models: raises on any element, type or cardinality the base spec refuses."""
    return get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def extension(resource: dict[str, Any], name: str) -> list[dict[str, Any]]:
    url = name if "://" in name else ROR_SD + name
    return [e for e in resource.get("extension", []) if e["url"] == url]


def systems(concepts: list[dict[str, Any]]) -> set[str]:
    return {c["system"] for concept in concepts for c in concept.get("coding", [])}


def check_profile(resource: dict[str, Any]) -> None:
    """The required elements and extensions of the ROR profile the resource declares (issue 15 list)."""
    kind = resource["resourceType"]
    assert resource["meta"]["profile"] == [PROFILES[kind]]
    assert resource["meta"]["lastUpdated"]
    assert len(extension(resource, "ror-meta-creation-date")) == 1
    if kind == "Organization":
        # a name, except for an EJ still awaiting its FINESS record, which says so with a tag instead
        awaiting = any(tag.get("code") == "en-attente-finess" for tag in resource["meta"].get("tag", []))
        assert resource.get("name") or (awaiting and "partOf" not in resource), resource["id"]
        assert any(i["system"] == "https://finess.esante.gouv.fr" for i in resource["identifier"])
    elif kind == "HealthcareService":
        assert len(resource["identifier"]) == 1 and "/" in resource["identifier"][0]["value"]
        assert len(resource["type"]) == 1 and "TRE_R227" in systems(resource["type"]).pop()
        assert any("TRE_R211" in s for s in systems(resource["specialty"]))
        care = [c for c in resource["characteristic"] if "TRE_R213" in c["coding"][0]["system"]]
        assert len(care) == 1
        assert len(extension(resource, "ror-healthcareservice-sensitive-unit")) == 1
        (patient,) = extension(resource, "ror-healthcareservice-patient-type")
        (age,) = [e["valueRange"] for e in patient["extension"] if e["url"] == "ageRange"]
        assert age["low"]["value"] <= age["high"]["value"] and age["low"]["code"] == "a"
        assert resource["meta"]["tag"] and resource["providedBy"]["reference"].startswith("Organization/")
    elif kind == "Location":
        assert len(extension(resource, "ror-commune-cog")) == 1


@pytest.fixture
async def http(database_url: str, tmp_path) -> AsyncIterator[Any]:
    """An httpx client on the real app (lifespan included, no Meilisearch), its data dir in the test's tmp."""
    import httpx

    from ror_graph.app import create_app

    app = create_app(Settings(database_url=database_url, meili_managed=False, data_dir=tmp_path / "var"))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
    ):
        yield client


@pytest.fixture
def walk(http) -> Callable[..., Any]:
    """Follow ``next`` links from a first search URL; returns every entry, in order."""

    async def run(url: str, headers: dict | None = None) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = []
        while url:
            response = await http.get(url, headers=headers or {})
            assert response.status_code == 200, response.text
            assert response.headers["content-type"] == FHIR_JSON
            bundle = response.json()
            parse_r4(bundle)
            entries += bundle.get("entry", [])
            url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
        return entries

    return run


@pytest.fixture
async def demo_loaded(engine) -> AsyncIterator[None]:
    """The demo directory (real Maine-et-Loire FINESS subset and generated offers)."""
    from ror_graph.db import session_factory
    from ror_graph.services.demo.generator import load_demo

    await load_demo(session_factory(engine))
    yield
