"""Costly queries (security item 8): a cost estimate refused before execution, a time limit, and
cancellation when the client goes away. Figures of the event-loop stall: ``bench/graphql_stall.py``."""

from __future__ import annotations

import json
import logging

from graphql import get_introspection_query

from ror_graph.api import limits
from ror_graph.app import create_app
from ror_graph.settings import Settings
from tests.security.conftest import GRAPHQL_RESPONSE

NESTED_EG = "etablissements(first: 100) {{ nodes {{ finess raisonSociale unites {{ identifiant nom }} }} }}"
PAGE = """{ etablissements(first: 15) { edges { node { finess raisonSociale categorie { code label }
    unites { identifiant nom activites { code label } lieux { nom adresse { communeCode } } } } }
    pageInfo { endCursor hasNextPage } } }"""


def aliases(count: int, field: str) -> str:
    return "{ " + " ".join(f"a{n}: {field.format()}" for n in range(count)) + " }"


async def test_a_costly_query_is_refused_before_it_runs_with_its_estimate_and_the_limit(directory, http):
    # given 25 aliases of 100 établissements with their offers (each alias within the depth/alias limits)
    query = aliases(25, NESTED_EG)
    # when it is sent
    response = await http.post("/graphql", json={"query": query}, headers={"accept": GRAPHQL_RESPONSE})
    # then nothing runs: 400, no data, the code, the estimate and the limit declared in the settings
    body = response.json()
    assert response.status_code == 400 and "data" not in body
    extensions = body["errors"][0]["extensions"]
    assert extensions["code"] == "QUERY_TOO_COSTLY"
    assert extensions["limit"] == Settings().max_query_cost
    assert extensions["cost"] > extensions["limit"]


async def test_the_estimate_multiplies_page_sizes_and_adds_aliases_fragments_and_variables(directory, app_client):
    # given a limit of 1 node, so that every query is refused and reports its estimate
    cases = {
        # 1 connection + 10 nodes × (node + finess)
        "{ etablissements(first: 10) { nodes { finess } } }": 21,
        # no `first`: the argument's default page (20)
        "{ etablissements { nodes { finess } } }": 41,
        # a variable page size counts as the largest page (100)
        "query($n: Int!) { etablissements(first: $n) { nodes { finess } } }": 201,
        # a `first` above the maximum counts as the maximum (the resolver refuses it anyway)
        "{ etablissements(first: 5000) { nodes { finess } } }": 201,
        # aliases add up
        "{ a: etablissements(first: 10) { nodes { finess } } b: etablissements(first: 10) { nodes { finess } } }": 42,
        # and so do fragments, wherever they are spread
        "{ a: etablissements(first: 10) { ...F } b: etablissements(first: 10) { ...F } }"
        " fragment F on EtablissementConnection { nodes { finess } }": 42,
        # an unpaginated list of objects (an EG's offers) counts 5 items: 1 + 2 × (node + 5 × (unite + nom))
        "{ etablissements(first: 2) { nodes { unites { nom } } } }": 23,
    }
    async with app_client(max_query_cost=1) as http:
        for query, expected in cases.items():
            # when each query is sent
            body = (await http.post("/graphql", json={"query": query, "variables": {"n": 3}})).json()
            # then its estimate is the expected count of result nodes
            assert body["errors"][0]["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": expected, "limit": 1}, query


async def test_ordinary_pages_stay_well_within_the_limit(directory, http):
    # when a page of 15 EGs with their offers, activités and lieux is asked for
    response = await http.post("/graphql", json={"query": PAGE})
    # then it runs
    body = response.json()
    assert response.status_code == 200 and "errors" not in body
    assert len(body["data"]["etablissements"]["edges"]) == 3


async def test_a_request_running_past_the_time_limit_is_cancelled_with_the_code_timeout(directory, app_client):
    # given a time limit shorter than one database round trip
    async with app_client(request_timeout_seconds=1e-9) as http:
        # when a query that reads the database is sent
        response = await http.post("/graphql", json={"query": PAGE})
    # then it is cancelled: 504 with a JSON error coded TIMEOUT
    assert response.status_code == 504
    assert response.json()["errors"][0]["extensions"] == {"code": "TIMEOUT"}


async def test_the_execution_is_cancelled_when_the_client_disconnects(directory, database_url, caplog, monkeypatch):
    # given the real app, watching for disconnects from the start (by default only a request still
    # running after ``WATCH_AFTER_SECONDS`` is watched), and a client that disconnects right after its query
    monkeypatch.setattr(limits, "WATCH_AFTER_SECONDS", 0.0)
    app = create_app(Settings(database_url=database_url, meili_managed=False))
    inbox = [{"type": "http.request", "body": json.dumps({"query": PAGE}).encode(), "more_body": False}]
    sent: list[dict] = []

    async def receive() -> dict:
        return inbox.pop(0) if inbox else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/graphql", "raw_path": b"/graphql", "query_string": b"", "root_path": "",
             "headers": [(b"content-type", b"application/json"), (b"host", b"test")],
             "client": ("127.0.0.1", 1), "server": ("test", 80)}
    # when the request is served
    with caplog.at_level(logging.INFO, logger="ror_graph"):
        async with app.router.lifespan_context(app):
            await app(scope, receive, send)
    # then the execution was cancelled and nothing was sent to nobody
    assert sent == []
    assert any("cancelled: ClientDisconnected" in r.getMessage() for r in caplog.records)


async def test_introspection_is_costed_like_any_query(http):
    # when GraphiQL's introspection query is sent, then it runs
    single = await http.post("/graphql", json={"query": get_introspection_query(descriptions=True)})
    assert single.status_code == 200 and single.json()["data"]["__schema"]["queryType"]["name"] == "Query"
    # when the schema is introspected under several aliases at once, then the sum is refused
    text = get_introspection_query(descriptions=True)
    operation, fragments = text[: text.index("fragment ")], text[text.index("fragment ") :]
    schema_selection = operation.strip().removeprefix("query IntrospectionQuery {").removesuffix("}")
    aliased = "{ " + " ".join(f"a{n}: {schema_selection.strip()}" for n in range(5)) + " } " + fragments
    refused = await http.post("/graphql", json={"query": aliased})
    assert refused.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
