"""The write path through GraphQL: matrix of roles × mutations, raw FINESS fields, HTTP login/logout, follow-up."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import select

from ror_graph.models import Etablissement, Unite
from ror_graph.resolvers.context import make_context
from ror_graph.schema.root import schema
from ror_graph.services.accounts.accounts import create_account
from ror_graph.settings import Settings
from ror_graph.state import AppState
from tests.write.conftest import EG_A, EG_B, EJ_A, fingerprint

NO_CONFLICT = "__typename ... on Error { code field message }"
RESULT = "__typename ... on Error { code field message } ... on ConflictError { currentVersion }"
MUTATIONS = {
    "modifierEtablissement": """mutation($f: String!, $v: Int!, $i: EtablissementInput!) {
        r: modifierEtablissement(finess: $f, version: $v, input: $i) {
          RESULT ... on EtablissementPayload { etablissement { version nomOperationnel statutDescription } } } }""",
    "creerUnite": """mutation($f: String!, $i: CreerUniteInput!) {
        r: creerUnite(finess: $f, input: $i) { RESULT ... on UnitePayload { unite { identifiant version } } } }""",
    "modifierUnite": """mutation($u: String!, $v: Int!, $i: ModifierUniteInput!) {
        r: modifierUnite(identifiant: $u, version: $v, input: $i) { RESULT ... on UnitePayload { unite { nom } } } }""",
    "fermerUnite": """mutation($u: String!, $v: Int!) {
        r: fermerUnite(identifiant: $u, version: $v, date: "2026-03-01", type: "DEF") {
          RESULT ... on UnitePayload { unite { version } } } }""",
    "validerEtablissement": """mutation($f: String!, $m: String) {
        r: validerEtablissement(finess: $f, motif: $m) {
          RESULT ... on EtablissementPayload { etablissement { statutDescription } } } }""",
    "corrigerChampFiness": """mutation($f: String!) {
        r: corrigerChampFiness(finess: $f, champ: "raisonSociale", valeur: "EHPAD corrigé", motif: "Courrier ARS") {
          NO_CONFLICT ... on CorrectionFinessPayload { modifie etablissement { raisonSociale } } } }""",
}
MUTATIONS = {name: q.replace("NO_CONFLICT", NO_CONFLICT).replace("RESULT", RESULT) for name, q in MUTATIONS.items()}
UNIT_INPUT = {"nom": "Accueil de jour", "champActiviteCode": "04", "modePriseEnChargeCode": "47",
              "activites": ["003"], "ageMin": 60, "ageMax": 120, "uniteSensible": False}
AUTHORISED = [{"communeCode": "75056", "capacites": [{"natureCode": "02", "statutCode": "09", "nombre": 10}]}]


@pytest.fixture
def state(engine, database_url) -> AppState:
    from ror_graph.db import session_factory

    settings = Settings(database_url=database_url, meili_managed=False, debug=False)
    return AppState(settings=settings, engine=engine, sessions=session_factory(engine))


async def execute(state, session, caller, query: str, variables: dict[str, Any] | None = None) -> dict:
    context = await make_context(state, session, caller)
    result = await schema.execute(query, variable_values=variables, context_value=context)
    assert result.errors is None, result.errors
    return result.data


def expected(role: str, mutation: str, target: str) -> str | None:
    if role == "anonymous":
        return "UNAUTHENTICATED"
    if role == "api_client":
        return "FORBIDDEN"
    if mutation == "corrigerChampFiness":
        return None if role in {"support", "admin"} else "FORBIDDEN"
    if target == "other" and role in {"referent_a", "directeur_a"}:
        return "FORBIDDEN"
    if mutation == "validerEtablissement" and role == "referent_a":
        return "FORBIDDEN"
    return "FINESS_LOCKED" if target == "finess_locked" else None


def variables(world, mutation: str, target: str, role: str, versions: dict[str, int]) -> dict[str, Any]:
    finess = EG_B if target == "other" else EG_A
    unite = world.unite_b if target == "other" else world.unite_a
    locked = target == "finess_locked"
    if mutation == "modifierEtablissement":
        data = {"raisonSociale": "Renamed"} if locked else {"nomOperationnel": "Les Tilleuls"}
        return {"f": finess, "v": versions[finess], "i": data}
    if mutation == "creerUnite":
        return {"f": finess, "i": {**UNIT_INPUT, "lieux": AUTHORISED} if locked else UNIT_INPUT}
    if mutation == "modifierUnite":
        return {"u": unite, "v": versions[unite], "i": {"lieux": AUTHORISED} if locked else {"nom": "Renommée"}}
    if mutation == "fermerUnite":
        return {"u": unite, "v": versions[unite]}
    if mutation == "validerEtablissement":
        return {"f": finess, "m": "Directeur absent" if role in {"support", "admin"} else None}
    return {"f": finess}


CASES = [(r, m, t) for r in ("anonymous", "api_client", "referent_a", "directeur_a", "support", "admin")
         for m in MUTATIONS for t in ("own", "other", "finess_locked")
         if not (t == "finess_locked" and m in {"fermerUnite", "validerEtablissement", "corrigerChampFiness"})]


@pytest.mark.parametrize(("role", "mutation", "target"), CASES)
async def test_graphql_matrix(state, session, world, role, mutation, target):
    versions = {eg.finess: eg.version for eg in (await session.exec(select(Etablissement))).all()}
    versions |= {u.identifiant: u.version for u in (await session.exec(select(Unite))).all()}
    before = await fingerprint(session)
    data = await execute(state, session, world.callers[role], MUTATIONS[mutation],
                         variables(world, mutation, target, role, versions))
    after = await fingerprint(session)
    outcome = data["r"].get("code")
    assert outcome == expected(role, mutation, target), data
    if outcome is None:
        assert data["r"]["__typename"].endswith("Payload")
        assert len(after["audit_log"]) > len(before["audit_log"])
    else:
        assert after == before


@pytest.mark.parametrize("raw", [
    {"raisonSociale": "Autre nom"}, {"categorie": "101"}, {"categorieCode": "101"}, {"latitude": 1.5},
    {"adresse": {"communeCode": "75056"}}, {"finess": "750000000"}, {"siret": "123", "nomOperationnel": "ok"},
])
async def test_raw_finess_fields_are_finess_locked(state, session, world, raw):
    # given a référent of EG A sending raw JSON with a FINESS-owned key
    before = await fingerprint(session)
    data = await execute(state, session, world.callers["referent_a"], MUTATIONS["modifierEtablissement"],
                         {"f": EG_A, "v": 1, "i": raw})
    # then the answer is FINESS_LOCKED and nothing changed
    assert data["r"]["__typename"] == "FinessLockedError" and data["r"]["code"] == "FINESS_LOCKED"
    assert await fingerprint(session) == before


async def test_inline_literal_finess_field_is_finess_locked_too(state, session, world):
    query = (f'mutation {{ r: modifierEtablissement(finess: "{EG_A}", version: 1, '
             f'input: {{raisonSociale: "X"}}) {{ {RESULT} }} }}')
    data = await execute(state, session, world.callers["support"], query)
    assert data["r"]["code"] == "FINESS_LOCKED"


async def test_conflict_carries_the_current_version(state, session, world):
    caller = world.callers["referent_a"]
    first = await execute(state, session, caller, MUTATIONS["modifierEtablissement"],
                          {"f": EG_A, "v": 1, "i": {"nomOperationnel": "Un"}})
    assert first["r"]["etablissement"] == {"version": 2, "nomOperationnel": "Un", "statutDescription": "modifie"}
    stale = await execute(state, session, caller, MUTATIONS["modifierEtablissement"],
                          {"f": EG_A, "v": 1, "i": {"nomOperationnel": "Deux"}})
    assert stale["r"] == {"__typename": "ConflictError", "code": "CONFLICT", "field": "version",
                          "message": stale["r"]["message"], "currentVersion": 2}


async def test_login_write_logout_over_http(state, database_url, session, world):
    from ror_graph.app import create_app

    await create_account(session, email="claire@example.fr", password="correct horse battery", role="directeur",
                         scopes=[("ej", EJ_A)])
    app = create_app(Settings(database_url=database_url, meili_managed=False, debug=False))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
            async def post(query, variables=None, token=None):
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                return await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)

            login = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { __typename ' \
                    '... on LoginPayload { token expiresAt } ... on Error { code } } }'
            wrong = (await post(login, {"e": "claire@example.fr", "p": "nope"})).json()["data"]["login"]
            assert wrong == {"__typename": "ForbiddenError", "code": "UNAUTHENTICATED"}
            token = (await post(login, {"e": "claire@example.fr", "p": "correct horse battery"})).json()[
                "data"]["login"]["token"]
            changed = (await post(MUTATIONS["modifierEtablissement"],
                                  {"f": EG_A, "v": 1, "i": {"nomOperationnel": "Via HTTP"}}, token)).json()
            assert changed["data"]["r"]["etablissement"]["nomOperationnel"] == "Via HTTP"
            out = (await post("mutation { logout { __typename ... on LogoutPayload { ok } } }", token=token)).json()
            assert out["data"]["logout"] == {"__typename": "LogoutPayload", "ok": True}
            assert (await post("{ indicateurs { total } }", token=token)).status_code == 401
    finally:
        await app.state.ror.engine.dispose()


async def test_suivi_historique_and_indicateurs(state, session, world):
    referent = world.callers["referent_a"]
    await execute(state, session, referent, MUTATIONS["modifierEtablissement"],
                  {"f": EG_A, "v": 1, "i": {"nomOperationnel": "Les Tilleuls"}})
    query = """query($f: String!) { suiviEtablissement(finess: $f) {
        statutDescription derniereModificationPar aMettreAJour completude { score manquants }
        unites { identifiant completude { manquants } }
        historique(first: 1) { modifications { champ nouvelleValeur auteur source } hasNextPage } } }"""
    data = (await execute(state, session, world.callers["directeur_a"], query, {"f": EG_A}))["suiviEtablissement"]
    assert data["statutDescription"] == "MODIFIE" and data["derniereModificationPar"] == "referent.a@example.fr"
    assert data["aMettreAJour"] is True and data["completude"]["score"] == 0.2
    assert data["unites"] == [{"identifiant": world.unite_a,
                               "completude": {"manquants": ["publics", "contact", "capacite_installee"]}}]
    assert data["historique"]["hasNextPage"] is True
    assert data["historique"]["modifications"][0]["source"] == "api"
    # another EG's référent is refused, with the code in the error extensions
    context = await make_context(state, session, world.callers["referent_b"])
    refused = await schema.execute(query, variable_values={"f": EG_A}, context_value=context)
    assert refused.errors[0].extensions["code"] == "FORBIDDEN"
    figures = await execute(state, session, world.callers["anonymous"],
                            '{ indicateurs(region: "11") { total complets partValides } }')
    assert figures["indicateurs"] == {"total": 1, "complets": 0, "partValides": 0.0}
