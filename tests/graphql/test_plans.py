"""Planned documents (``api/plans.py``): a query seen once skips the GraphQL pipeline, never its rules.

The first request of a document runs the whole pipeline (limits, validation, compiled statements);
the next ones with the same text go straight to the compiled statements. These tests hold the
planned answers to the first ones, caller profile by caller profile, and check that a plan is not a
response cache, keeps the typed errors of bad variables and bad tokens, and belongs to one app.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from ror_graph.app import create_app
from ror_graph.models import Account, AccountScope, Etablissement, SessionToken, utcnow
from ror_graph.resolvers.compiled import PLANS_ATTRIBUTE
from ror_graph.services.accounts.auth import create_api_client, hash_token, new_token
from ror_graph.settings import Settings

UNITE = """identifiant nom uniteSensible champActivite { code label } activites { code label }
  lieux { nom adresse { communeCode } capacites { nombre } }
  contacts { nom confidentialite { code } telecoms { valeur canal { code } } }"""
LOOKUP = f"""query($finess: String!) {{ etablissement(finess: $finess) {{ finess raisonSociale telephone
  contacts {{ nom telecoms {{ valeur }} }} unites {{ {UNITE} }} }} }}"""
UNIT = f"query($id: String!) {{ unite(identifiant: $id) {{ {UNITE} }} }}"
PAGE = f"""query($first: Int!, $after: String) {{ unites(first: $first, after: $after) {{
  edges {{ cursor node {{ {UNITE} }} }} pageInfo {{ hasNextPage endCursor }} totalCount }} }}"""
LIST = f"""query($deps: [String!]) {{ etablissements(first: 5, orderBy: RAISON_SOCIALE, filter: {{departements: $deps}})
  {{ nodes {{ finess raisonSociale unites {{ {UNITE} }} }} pageInfo {{ endCursor }} }} }}"""
CASES = [(LIST, {"deps": ["44", "75"]}), (LIST, {"deps": ["49"]}),
         ("{ __typename }", None), (LOOKUP, {"finess": "440000024"}), (LOOKUP, {"finess": "490000031"}),
         (UNIT, {"id": "52/1"}), (UNIT, {"id": "52/2"}), (PAGE, {"first": 3}), (PAGE, {"first": 2, "after": None})]
PROFILES = ["anonymous", "professional", "regulation", "referent in scope", "referent out of scope", "support"]


def plans(http: httpx.AsyncClient) -> dict:
    """The plan store of the app behind ``http`` (its ``/graphql`` route, under the CORS middleware)."""
    route = next(r for r in http._transport.app.routes if getattr(r, "path", None) == "/graphql")  # type: ignore
    view = route.app
    while not hasattr(view, "schema"):
        view = view.app
    return getattr(view.schema, PLANS_ATTRIBUTE)


async def login_token(session, role: str, eg: str | None) -> str:
    account = Account(email=f"{role}-{eg}@example.fr", role=role, password_hash="x")
    session.add(account)
    await session.flush()
    token = new_token()
    session.add(SessionToken(account_id=account.id, token_hash=hash_token(token),
                             expires_at=utcnow() + timedelta(hours=1)))
    if eg:
        session.add(AccountScope(account_id=account.id, kind="eg", finess=eg))
    await session.commit()
    return token


async def token_of(session, profile: str) -> str | None:
    if profile in ("professional", "regulation"):
        return (await create_api_client(session, name=profile, profile=profile))[1]
    if profile.startswith("referent"):
        return await login_token(session, "referent", "440000024" if profile.endswith("in scope") else "490000031")
    return await login_token(session, "support", None) if profile == "support" else None


@pytest.mark.parametrize("profile", PROFILES)
async def test_planned_answers_are_the_pipelines_for_every_profile(directory, session, http, profile, caplog):
    # given a caller of each profile
    caplog.set_level(logging.DEBUG, "ror_graph.graphql")
    token = await token_of(session, profile)
    headers = {"authorization": f"Bearer {token}"} if token else {}
    for query, variables in CASES:
        body = {"query": query, "variables": variables}
        # when a document is asked twice: through the pipeline, then through its plan
        first = await http.post("/graphql", json=body, headers=headers)
        assert (query, None) in plans(http)
        second = await http.post("/graphql", json=body, headers=headers)
        # then both answers are the same JSON (the database's own spacing aside), visibility included
        assert first.status_code == second.status_code == 200
        assert "errors" not in first.json(), first.json()
        assert second.json() == first.json()
        assert second.headers["content-type"] == first.headers["content-type"]
    # and no request fell back from the compiled statements to the executor
    assert not [r.getMessage() for r in caplog.records if r.name == "ror_graph.graphql"]


async def test_what_the_profiles_see_differs_through_plans(directory, session, http):
    # given the same planned document (the level-2 phone, the sensitive unit) for three profiles
    body = {"query": UNIT, "variables": {"id": "52/2"}}
    await http.post("/graphql", json=body)
    regulation = await token_of(session, "regulation")
    # when it is asked anonymously and by regulation
    anonymous = (await http.post("/graphql", json=body)).json()
    seen = (await http.post("/graphql", json=body, headers={"authorization": f"Bearer {regulation}"})).json()
    # then only regulation sees the sensitive unit
    assert anonymous == {"data": {"unite": None}}
    assert seen["data"]["unite"]["nom"] == "Unité protégée"


async def test_a_plan_is_not_a_response_cache(directory, session, http):
    # given a planned lookup
    body = {"query": LOOKUP, "variables": {"finess": "490000031"}}
    await http.post("/graphql", json=body)
    before = (await http.post("/graphql", json=body)).json()["data"]["etablissement"]["raisonSociale"]
    # when the row changes in the database
    await (await session.connection()).execute(update(Etablissement).where(Etablissement.finess == "490000031")
                          .values(raison_sociale="Centre renommé"))
    await session.commit()
    # then the next planned answer reads it at once
    after = (await http.post("/graphql", json=body)).json()["data"]["etablissement"]["raisonSociale"]
    assert (before, after) == ("Centre de soins Angers", "Centre renommé")


@pytest.mark.parametrize(("variables", "status", "code"), [
    ({"first": 500}, 200, "BAD_INPUT"),  # a page over the maximum: the resolver's typed error
    ({"first": 2, "after": "not a cursor"}, 200, "BAD_INPUT"),
    ({"first": "two"}, 200, None),  # a variable of the wrong type: graphql-core's coercion error
    ({"first": 2, "after": "a\u0000b"}, 400, "BAD_INPUT"),  # unusable text: refused before anything runs
])
async def test_bad_variables_of_a_planned_document_get_the_pipelines_errors(directory, http, variables, status,
                                                                            code):
    # given a planned page document
    await http.post("/graphql", json={"query": PAGE, "variables": {"first": 1}})
    assert (PAGE, None) in plans(http)
    # when it comes back with bad variables
    response = await http.post("/graphql", json={"query": PAGE, "variables": variables})
    # then the answer is the pipeline's: its status, an error with its code, no data for the refused page
    body = response.json()
    assert response.status_code == status and body["errors"], body
    assert not (body.get("data") or {}).get("unites")
    assert code is None or body["errors"][0]["extensions"]["code"] == code


async def test_a_bad_token_on_a_planned_document_is_401(directory, session, http):
    # given a planned document and an expired token
    await http.post("/graphql", json={"query": UNIT, "variables": {"id": "52/1"}})
    _, expired = await create_api_client(session, name="Vieux", profile="regulation",
                                         expires_at=utcnow() - timedelta(days=1))
    # when the document is sent with it, then 401 UNAUTHENTICATED as on the normal path
    response = await http.post("/graphql", json={"query": UNIT, "variables": {"id": "52/1"}},
                               headers={"authorization": f"Bearer {expired}"})
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert response.json()["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}


async def test_plans_belong_to_one_app_and_its_cost_limit(directory, database_url, http):
    # given a page document planned by an app with the default cost limit
    body = {"query": PAGE, "variables": {"first": 2}}
    assert (await http.post("/graphql", json=body)).status_code == 200
    # when another app with a small cost limit receives it
    strict = create_app(Settings(database_url=database_url, meili_managed=False, max_query_cost=10))
    async with (strict.router.lifespan_context(strict),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=strict), base_url="http://test") as client):
        response = await client.post("/graphql", json=body)
    # then that app refuses it: its own limits ran
    assert response.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
