"""Compiled reads: one SQL statement per root field, answering exactly what the executor answers.

The HTTP API answers directory queries it can compile from statements that build the JSON in the
database (``resolvers/compiled.py``; PostgreSQL and SQLite); these tests hold it to the executor's
answers, caller by caller (visibility policy included), and pin how many statements a request costs.
"""

from __future__ import annotations

import asyncio
import re
from contextlib import asynccontextmanager

import httpx
import pytest
from graphql import parse

from ror_graph.app import create_app
from ror_graph.resolvers.compiled import compiled_data
from ror_graph.resolvers.context import make_context
from ror_graph.schema.root import schema
from ror_graph.services.accounts.auth import ANONYMOUS, caller_for_profile
from ror_graph.settings import Settings
from tests.graphql.test_batching import counting

CALLERS = {
    "anonymous": ANONYMOUS,
    "professional": caller_for_profile("professional"),
    "regulation": caller_for_profile("regulation"),
    "referent of the EHPAD": caller_for_profile("professional", account_id=1, email="r@example.fr", role="referent",
                                                 scopes_eg=frozenset({"440000024"})),
    "referent of another EG": caller_for_profile("professional", account_id=2, email="o@example.fr", role="referent",
                                                  scopes_eg=frozenset({"490000031"})),
}
UNITE = """identifiant nom ageMin ageMax uniteSensible champActivite { code label system }
  activites { code label } publics { code } autre: publics { label system }
  lieux { id nom statut { code label } adresse { communeCode codePostal } capacites { nombre nature { code label } } }
  contacts { nom confidentialite { code label } telecoms { valeur canal { code } } }
  horaires { jour typeCode }"""
QUERIES = {
    "lookup with everything below": f"""{{ etablissement(finess: "440000024") {{
        id finess raisonSociale telephone categorie {{ code label }} adresse {{ libelleVoie codePostal communeCode }}
        unites {{ {UNITE} }} lieux {{ nom capacites {{ nombre }} }} contacts {{ nom telecoms {{ valeur }} }} }} }}""",
    "sensitive unit lookup": '{ unite(identifiant: "52/2") { identifiant nom lieux { nom } } }',
    "unit lookup": f'{{ u: unite(identifiant: "52/1") {{ {UNITE} }} }}',
    "missing EG": '{ etablissement(finess: "000000000") { finess } }',
    "page with cursors and count": """{ etablissements(first: 2) { totalCount
        edges { cursor node { finess unites { nom activites { code } } } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }""",
    "filtered unit list": f"""{{ unites(first: 10, orderBy: NOM, filter: {{departements: ["44", "75"]}}) {{
        nodes {{ {UNITE} }} totalCount }} }}""",
    "root typename beside a lookup": '{ __typename t: __typename etablissement(finess: "440000024") { finess } }',
    "two roots": '{ a: etablissements(first: 1, filter: {regions: ["52"]}) { nodes { finess } } '
                 'b: etablissement(finess: "750000021") { finess ferme unites { nom ferme } } }',
}


@pytest.mark.parametrize("query", list(QUERIES))
@pytest.mark.parametrize("who", list(CALLERS))
async def test_compiled_answers_are_the_executors(directory, app_state, query, who):
    # given the fixture directory and a caller of each kind
    caller, text = CALLERS[who], QUERIES[query]
    async with app_state.sessions() as session:
        context = await make_context(app_state, session, caller)
        # when the query is answered by compiled statements and by the executor
        compiled = await compiled_data(context, schema._schema, parse(text), None, None)
        expected = await schema.execute(text, context_value=context)
    # then the compiled path took it and both answers are the same JSON, visibility included
    assert expected.errors is None, expected.errors
    assert compiled is not None
    assert compiled == expected.data


@pytest.mark.parametrize("query", [
    '{ etablissement(finess: "440000024") { ...F } } fragment F on Etablissement { finess }',
    '{ etablissement(finess: "440000024") { finess dateOuverture } }',
    '{ etablissement(finess: "440000024") { finess @include(if: true) } }',
    '{ etablissement(finess: "440000024") { __typename finess } }',
    '{ __schema { queryType { name } } }',
    '{ etablissements(first: 1) { edges { __typename cursor } pageInfo { __typename } } }',
    '{ etablissements(first: 500) { nodes { finess } } }',
    '{ etablissements(first: 1, after: "not a cursor") { nodes { finess } } }',
    '{ nomenclature(system: "TRE_R211-ActiviteOperationnelle") { code } }',
])
async def test_what_is_not_compiled_is_left_to_the_executor(directory, app_state, query):
    # given a fragment, a date, a directive, a meta field, a refused page size, a bad cursor, another root
    async with app_state.sessions() as session:
        context = await make_context(app_state, session)
        # when the compiled path is asked for it, then it declines (the executor answers, errors included)
        assert await compiled_data(context, schema._schema, parse(query), None, None) is None


@asynccontextmanager
async def served(database_url: str):
    """The real app over HTTP (in-process) and its engine, to count the statements it sends."""
    app = create_app(Settings(database_url=database_url, meili_managed=False))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
    ):
        # the public site's start-up warm-up reads the reference tables: let it finish before counting
        await asyncio.gather(*(t for t in asyncio.all_tasks() if t.get_name() == "public-site-warm-up"))
        yield client, app.state.ror


# The app's background workers (webhook sender, search outbox, export runner) poll the same engine
# meanwhile: their statements are not the request's.
BACKGROUND = re.compile(
    r"\b(webhook_delivery|api_client_feed|consumer|event|event_log|event_consumer|search_outbox|export_job)\b")
QUERY_A = """query($dep: String!) { etablissements(first: 15, filter: {departements: [$dep]}) { nodes {
  finess raisonSociale unites { identifiant nom activites { code } publics { code } lieux { nom } } } } }"""
QUERY_B = """query($finess: String!) { etablissement(finess: $finess) { finess raisonSociale telephone
  unites { identifiant nom ageMin ageMax } } }"""


async def test_statements_per_request_of_the_peer_bench_queries(directory, database_url):
    # given the app over HTTP, its code labels already loaded by a first request
    async with served(database_url) as (client, state):
        await client.post("/graphql", json={"query": "{ etablissements(first: 1) { nodes { finess } } }"})
        counts, bodies, seen = {}, {}, {}
        # when (a) 15 EG + units + codes + lieux and (b) one EG by FINESS + units are asked anonymously
        # (twice each: the second request runs the document's plan, ``api/plans.py``)
        for name, query, variables in (("a", QUERY_A, {"dep": "44"}), ("b", QUERY_B, {"finess": "440000024"}),
                                       ("a planned", QUERY_A, {"dep": "44"}),
                                       ("b planned", QUERY_B, {"finess": "440000024"})):
            with counting(state.engine, state.driver) as statements:
                response = await client.post("/graphql", json={"query": query, "variables": variables})
            mine = [s for s in statements if not BACKGROUND.search(s)]
            counts[name], bodies[name], seen[name] = len(mine), response.json(), [s[:200] for s in mine]
    # then each costs one statement (compiled), whatever the number of EGs, units and codes
    assert counts == {"a": 1, "b": 1, "a planned": 1, "b planned": 1}, (counts, seen)
    assert bodies["a planned"] == bodies["a"] and bodies["b planned"] == bodies["b"]
    assert [u["identifiant"] for u in bodies["b"]["data"]["etablissement"]["unites"]] == ["52/1"]
    units = bodies["a"]["data"]["etablissements"]["nodes"][0]["unites"]
    assert units[0]["activites"] == [{"code": "003"}, {"code": "004"}] and units[0]["lieux"]
