"""The short way of a planned request: the driver's own connections, no Starlette stack without CORS.

A planned document (``api/plans.py``) sends one SQL text; it goes through the driver's read-only
connections (``db.DriverReads``: asyncpg's pool on PostgreSQL; ``db.SqliteReads``: one thread hop on
SQLite) instead of a SQLAlchemy session. ``POST /graphql`` without an ``Origin`` header goes straight
to the GraphQL view (``app.App``); a browser's request still gets its CORS headers. These tests pin
both, and that the answers do not change.
"""

from __future__ import annotations

import sqlite3

import asyncpg
import httpx
import pytest

from ror_graph.app import create_app
from ror_graph.db import DriverReads, SqliteReads, driver_reads
from ror_graph.resolvers.compiled import CompiledReads
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


async def test_a_planned_read_goes_through_the_driver_not_a_session(served):
    client, state = served
    body = {"query": LOOKUP, "variables": {"finess": "440000024"}}
    # given a document answered once by the pipeline (which records its plan)
    first = await client.post("/graphql", json=body)
    # when it is asked again
    driver_statements: list[str] = []
    state.driver.listeners.append(driver_statements.append)
    with counting(state.engine) as engine_statements:
        again = await client.post("/graphql", json=body)
    # then the answer is the same, from one statement sent by the driver, none through the engine
    assert again.status_code == 200 and again.json() == first.json()
    assert again.json()["data"]["etablissement"]["unites"]
    assert len(driver_statements) == 1 and not [s for s in engine_statements if "etablissement" in s]
    assert isinstance(state.driver, DriverReads if PG_URL else SqliteReads)


async def test_the_driver_connections_cannot_write(database_url):
    # given the planned reads' connections on the test database
    driver = driver_reads(database_url)
    assert driver is not None
    refused = asyncpg.exceptions.ReadOnlySQLTransactionError if PG_URL else sqlite3.OperationalError
    try:
        # when a statement that writes is sent through them, then the database refuses it
        with pytest.raises(refused):
            await driver.fetch("CREATE TABLE written_by_a_read (id int)", ())
        # and a read still works afterwards
        assert (await driver.fetch("SELECT 41 + 1", ()))[0][0] == 42
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


@pytest.mark.parametrize(("query", "applies"), [
    (LOOKUP, True),
    ("{ etablissements(first: 2) { nodes { finess } } __typename }", True),
    ('{ __type(name: "Query") { name } }', False),
    ("{ nomenclatures { code } }", False),
    ('mutation { login(email: "a@b.fr", password: "x") { __typename } }', False),
    ("{ ...F } fragment F on Query { etablissements(first: 1) { nodes { finess } } }", True),  # judged later
    ("{ not parsed", True),  # the pipeline reports it
])
def test_compiled_reads_know_the_texts_they_may_answer(query, applies):
    assert CompiledReads.applies_to(query, None) is applies


async def test_compiled_reads_are_left_out_of_a_request_they_cannot_answer(served, monkeypatch):
    client, _ = served
    runs: list[str] = []
    on_execute = CompiledReads.on_execute

    def counted(self):
        runs.append(self.execution_context.query)
        return on_execute(self)

    monkeypatch.setattr(CompiledReads, "on_execute", counted)
    # when an introspection query and a directory query are sent
    introspection = await client.post("/graphql", json={"query": '{ __type(name: "Query") { name } }'})
    lookup = await client.post("/graphql", json={"query": LOOKUP, "variables": {"finess": "440000024"}})
    # then both are answered, and the compiled reads ran for the directory query only
    assert introspection.json() == {"data": {"__type": {"name": "Query"}}}
    assert lookup.json()["data"]["etablissement"]["finess"] == "440000024"
    assert runs == [LOOKUP]
