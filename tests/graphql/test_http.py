"""GraphQL over HTTP against the real app: media types, status codes, bearer tokens, limits, GraphiQL."""

from __future__ import annotations

from datetime import timedelta

from ror_graph.models import utcnow
from ror_graph.services.accounts.auth import create_api_client

GRAPHQL_RESPONSE = "application/graphql-response+json"
QUERY_PHONES = '{ unite(identifiant: "52/1") { contacts { telecoms { valeur } } } }'
QUERY_SENSITIVE = '{ unite(identifiant: "52/2") { nom } }'


def phones(body: dict) -> list[str]:
    return [t["valeur"] for c in body["data"]["unite"]["contacts"] for t in c["telecoms"]]


async def test_post_json_query(directory, http):
    # when a query is POSTed as JSON
    response = await http.post("/graphql", json={"query": '{ etablissement(finess: "490000031") { raisonSociale } }'})
    # then the data comes back as JSON with 200
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"data": {"etablissement": {"raisonSociale": "Centre de soins Angers"}}}


async def test_get_query_with_variables(directory, http):
    response = await http.get(
        "/graphql",
        params={
            "query": "query($f: String!) { etablissement(finess: $f) { finess } }",
            "variables": '{"f": "750000021"}',
        },
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"etablissement": {"finess": "750000021"}}


async def test_graphql_response_media_type_and_status(directory, http):
    headers = {"accept": f"{GRAPHQL_RESPONSE}, application/json;q=0.9"}
    # when an executable query is sent accepting application/graphql-response+json, then 200 in that type
    ok = await http.post("/graphql", json={"query": '{ commune(code: "44109") { nom } }'}, headers=headers)
    assert ok.status_code == 200 and ok.headers["content-type"] == GRAPHQL_RESPONSE
    # when a query fails validation, then 400 and no `data` entry
    bad = await http.post("/graphql", json={"query": '{ commune(code: "44109") { inconnu } }'}, headers=headers)
    assert bad.status_code == 400 and bad.headers["content-type"] == GRAPHQL_RESPONSE
    assert "data" not in bad.json() and bad.json()["errors"]
    # when the same invalid query is sent as plain application/json, then 200 (legacy rule), still no data
    legacy = await http.post("/graphql", json={"query": '{ commune(code: "44109") { inconnu } }'})
    assert legacy.status_code == 200 and "data" not in legacy.json()


async def test_bearer_tokens_choose_what_is_visible(directory, session, http):
    # given a professional and a regulation token
    _, professional = await create_api_client(session, name="Portail pro", profile="professional")
    _, regulation = await create_api_client(session, name="SAMU", profile="regulation")
    # when the level-2 phone and the sensitive offer are read anonymously and with each token
    anonymous_phones = phones((await http.post("/graphql", json={"query": QUERY_PHONES})).json())
    pro = {"authorization": f"Bearer {professional}"}
    pro_phones = phones((await http.post("/graphql", json={"query": QUERY_PHONES}, headers=pro)).json())
    reg = {"authorization": f"Bearer {regulation}"}
    sensitive = {
        "anonymous": (await http.post("/graphql", json={"query": QUERY_SENSITIVE})).json(),
        "professional": (await http.post("/graphql", json={"query": QUERY_SENSITIVE}, headers=pro)).json(),
        "regulation": (await http.post("/graphql", json={"query": QUERY_SENSITIVE}, headers=reg)).json(),
    }
    # then the level-2 phone is visible to the professional token only, the sensitive offer to regulation only
    assert anonymous_phones == ["0240000001"]
    assert pro_phones == ["0240000001", "0240000002"]
    assert sensitive["anonymous"] == sensitive["professional"] == {"data": {"unite": None}}
    assert sensitive["regulation"] == {"data": {"unite": {"nom": "Unité protégée"}}}


async def test_bad_or_expired_token_is_401(directory, session, http):
    # given an expired token
    _, expired = await create_api_client(
        session, name="Vieux", profile="regulation", expires_at=utcnow() - timedelta(days=1)
    )
    for token in ("not-a-token", expired):
        # when it is sent, then the request is refused with 401 and the code UNAUTHENTICATED
        response = await http.post(
            "/graphql", json={"query": QUERY_SENSITIVE}, headers={"authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}


async def test_over_deep_query_is_rejected(directory, http):
    # given a query cycling offer → établissement → offers beyond the depth limit
    deep = (
        '{ unite(identifiant: "52/1") { etablissement { unites { etablissement { unites { etablissement {'
        " unites { etablissement { unites { etablissement { unites { nom } } } } } } } } } } } }"
    )
    # when it is sent, then nothing runs: 400 with a depth error
    response = await http.post("/graphql", json={"query": deep}, headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400
    assert "exceeds maximum operation depth" in response.json()["errors"][0]["message"]


async def test_too_many_aliases_are_rejected(directory, http):
    query = "{ " + " ".join(f'a{n}: commune(code: "44109") {{ nom }}' for n in range(31)) + " }"
    response = await http.post("/graphql", json={"query": query}, headers={"accept": GRAPHQL_RESPONSE})
    assert response.status_code == 400
    assert "aliases" in response.json()["errors"][0]["message"]


async def test_bad_input_error_over_http(directory, http):
    response = await http.post("/graphql", json={"query": "{ unites(first: 500) { totalCount } }"})
    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "BAD_INPUT", "field": "first"}
    assert error["path"] == ["unites"]


async def test_graphiql_in_a_browser(http):
    response = await http.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
