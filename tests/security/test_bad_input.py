"""Bad input on the HTTP API (security item 9): a 400 with a JSON body and a code, never a 500 nor
an "Unexpected error" from the database, and nothing changed."""

from __future__ import annotations

import json

import pytest

from tests.security.conftest import GRAPHQL_RESPONSE

NUL_LITERAL = '{ etablissement(finess: "49\\u0000") { finess } }'


def bad_input(response) -> dict:
    """The first error of a 400 answer with a JSON body coded BAD_INPUT."""
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(("application/json", GRAPHQL_RESPONSE))
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_INPUT" and error["message"]
    return error


@pytest.mark.parametrize("body", [b"null", b"123", b'"x"', b"[]", b"true", b"{", b"\xff\xfe{}", b"[" * 100_000])
async def test_a_body_that_is_not_a_json_object_is_a_400_with_a_json_body(directory, http, body):
    # when the body is valid JSON but not an object, or not JSON at all
    response = await http.post("/graphql", content=body, headers={"content-type": "application/json"})
    # then the answer is a typed 400
    bad_input(response)


@pytest.mark.parametrize("part", [{"query": 5}, {"query": "{ __typename }", "variables": [1]},
                                  {"query": "{ __typename }", "operationName": {"a": 1}}, {}])
async def test_request_parts_of_the_wrong_type_are_a_400_with_a_json_body(http, part):
    bad_input(await http.post("/graphql", json=part))


@pytest.mark.parametrize("accept", ["application/json", GRAPHQL_RESPONSE])
async def test_a_nul_character_in_a_literal_argument_is_bad_input(directory, http, accept):
    # when a read argument holds a NUL character (which PostgreSQL cannot compare)
    response = await http.post("/graphql", json={"query": NUL_LITERAL}, headers={"accept": accept})
    # then the query is refused as bad input, whatever the response media type
    assert "data" not in response.json()
    bad_input(response)


async def test_a_nul_character_in_variables_or_the_search_text_is_bad_input(directory, http):
    by_variable = "query($f: String!) { etablissement(finess: $f) { finess } }"
    cases = [
        {"query": by_variable, "variables": {"f": "49\u0000"}},
        {"query": by_variable, "variables": {"f": "49\ud800"}},  # lone surrogate: not encodable either
        {"query": '{ searchOffres(query: "ehpad\\u0000") { total } }'},
        {"query": '{ etablissement(finess: "49\u0000") { finess } }'},  # raw NUL in the query text
    ]
    for payload in cases:  # JSON escapes (\u0000, \ud800), as a client library sends them
        body = json.dumps(payload)
        bad_input(await http.post("/graphql", content=body, headers={"content-type": "application/json"}))
    # and by GET too
    bad_input(await http.get("/graphql", params={"query": by_variable, "variables": '{"f": "\\u0000"}'}))
    bad_input(await http.get("/graphql", params={"query": NUL_LITERAL}))


async def test_the_search_api_refuses_a_nul_character_in_a_parameter(http):
    # when a search parameter (value or name) holds a NUL character
    for query in ("q=ehpad%00", "departement=4%004", "q%00=x"):
        response = await http.get(f"/api/search?{query}")
        # then it is a 400 with the search API's JSON error, before Meilisearch is asked anything
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "BAD_INPUT"


async def test_other_refusals_of_the_graphql_endpoint_are_json_too(http):
    # a mutation by GET, an unsupported content type: typed JSON errors, not plain text
    by_get = await http.get("/graphql", params={"query": "mutation { logout { __typename } }"})
    form = await http.post("/graphql", content=b"query=x", headers={"content-type": "text/plain"})
    for response in (by_get, form):
        assert 400 <= response.status_code < 500
        assert response.json()["errors"][0]["extensions"]["code"]
