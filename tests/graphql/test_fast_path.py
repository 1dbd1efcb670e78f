"""The short way of a planned request: the driver's own pool on PostgreSQL, no Starlette stack without CORS.

A planned document (``api/plans.py``) sends one SQL text; on PostgreSQL it goes through asyncpg's pool
(``db.DriverReads``: read-only connections) instead of a SQLAlchemy session; on SQLite through the
session. ``POST /graphql`` without an ``Origin`` header goes straight to the GraphQL view
(``app.App``); a browser's request still gets its CORS headers. These tests pin both, and that the
answers do not change.
"""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from ror_graph.app import create_app
from ror_graph.db import DriverReads
from ror_graph.settings import Settings
from tests.conftest import PG_URL
from tests.graphql.test_batching import counting

LOOKUP = """query($finess: String!) { etablissement(finess: $finess) { finess raisonSociale
  unites { identifiant nom } } }"""


@pytest.fixture
async def served(directory, database_url):
    app = create_app(Settings(database_url=database_url, meili_managed=False, cors_origins=["https://portail.example"]))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
    ):
        yield client, app.state.ror


async def test_a_planned_read_goes_through_the_driver_on_postgresql_and_the_session_on_sqlite(served):
    client, state = served
    body = {"query": LOOKUP, "variables": {"finess": "440000024"}}
    # given a document answered once by the pipeline (which records its plan)
    first = await client.post("/graphql", json=body)
    # when it is asked again
    driver_statements: list[str] = []
    if state.driver is not None:
        state.driver.listeners.append(driver_statements.append)
    with counting(state.engine) as engine_statements:
        again = await client.post("/graphql", json=body)
    # then the answer is the same, from one statement: the driver's on PostgreSQL, the session's on SQLite
    assert again.status_code == 200 and again.json() == first.json()
    assert again.json()["data"]["etablissement"]["unites"]
    if PG_URL:
        assert len(driver_statements) == 1 and not [s for s in engine_statements if "etablissement" in s]
    else:
        assert state.driver is None and len([s for s in engine_statements if "etablissement" in s]) == 1


@pytest.mark.skipif(not PG_URL, reason="the driver pool exists on PostgreSQL only")
async def test_the_driver_connections_cannot_write(database_url):
    # given the planned reads' pool on the test database
    driver = DriverReads(database_url)
    try:
        # when a statement that writes is sent through it, then PostgreSQL refuses it
        with pytest.raises(asyncpg.exceptions.ReadOnlySQLTransactionError):
            await driver.fetch("CREATE TABLE written_by_a_read (id int)", ())
        # and a read still works on the same pool afterwards
        assert (await driver.fetch("SELECT $1::int + 1", (41,)))[0][0] == 42
    finally:
        await driver.close()


async def test_a_browser_request_keeps_its_cors_headers_and_others_get_none(served):
    client, _ = served
    body = {"query": LOOKUP, "variables": {"finess": "440000024"}}
    await client.post("/graphql", json=body)  # the plan
    # when the same planned request comes from an allowed browser origin, and from a server (no Origin)
    browser = await client.post("/graphql", json=body, headers={"Origin": "https://portail.example"})
    server = await client.post("/graphql", json=body)
    # then both get the same answer; only the browser's carries the CORS header
    assert browser.json() == server.json() and browser.status_code == server.status_code == 200
    assert browser.headers["access-control-allow-origin"] == "https://portail.example"
    assert "access-control-allow-origin" not in server.headers
    # and an origin that is not allowed gets no CORS header either
    other = await client.post("/graphql", json=body, headers={"Origin": "https://ailleurs.example"})
    assert "access-control-allow-origin" not in other.headers
