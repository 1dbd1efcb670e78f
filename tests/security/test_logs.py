"""Logs (security item 10): no password, token or variable in a log; expected errors at INFO without
traceback; an optional JSON line format (``ROR_GRAPH_LOG_FORMAT=json``)."""

from __future__ import annotations

import json
import logging

from ror_graph.logs import JsonFormatter

PASSWORD = "Pa55-w0rd-Tres-Secret"
LITERAL_LOGIN = f'mutation {{ login(email: 42, password: "{PASSWORD}") {{ __typename }} }}'
VARIABLES_LOGIN = "mutation Connexion($e: String!, $p: String!) { login(email: $e, password: $p) { __typename } }"


def everything_logged(caplog, formatter: logging.Formatter | None = None) -> str:
    """Every record as a handler would write it: message, arguments, traceback."""
    formatter = formatter or logging.Formatter("%(levelname)s %(name)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


async def test_a_failing_login_never_logs_the_password(http, caplog):
    caplog.set_level(logging.DEBUG)
    # when logins fail validation with the password in a literal argument, then in a variable
    literal = await http.post("/graphql", json={"query": LITERAL_LOGIN})
    variables = await http.post("/graphql", json={"query": VARIABLES_LOGIN,
                                                   "variables": {"e": "a@b.fr", "p": [PASSWORD]}})
    # then both are refused and logged...
    assert literal.json()["errors"] and variables.json()["errors"]
    logged = everything_logged(caplog)
    assert "graphql error" in logged and "mutation Connexion{login}" in logged
    # ...without the password anywhere (not in the message, the query excerpt nor the variables)
    assert PASSWORD not in logged
    assert PASSWORD not in everything_logged(caplog, JsonFormatter())


async def test_an_expected_error_is_logged_at_info_without_traceback(http, caplog):
    caplog.set_level(logging.DEBUG)
    # when a client asks for a page above the maximum (BAD_INPUT)
    response = await http.post("/graphql", json={"query": "{ unites(first: 1000) { totalCount } }"})
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_INPUT"
    # then one INFO record with the code and the path, and no traceback
    records = [r for r in caplog.records if r.name == "ror_graph.graphql"]
    logged = [(r.levelno, r.graphql["code"], r.graphql["path"]) for r in records]
    assert logged == [(logging.INFO, "BAD_INPUT", "unites")]
    assert all(r.exc_info is None for r in caplog.records)
    assert "1000" not in everything_logged(caplog)


async def test_the_json_log_format_writes_one_object_per_line(app_client, caplog):
    caplog.set_level(logging.INFO)
    # given the app configured with ROR_GRAPH_LOG_FORMAT=json
    async with app_client(log_format="json") as http:
        handlers = [h for h in logging.getLogger("ror_graph").handlers if isinstance(h.formatter, JsonFormatter)]
        # when a query fails validation
        await http.post("/graphql", json={"query": '{ commune(code: "44109") { inconnu } }'})
    # then the ror_graph handler writes JSON objects with the redacted fields
    assert len(handlers) == 1
    record = next(r for r in caplog.records if r.name == "ror_graph.graphql")
    line = json.loads(handlers[0].format(record))
    assert line["level"] == "INFO" and line["code"] == "GRAPHQL_VALIDATION"
    assert line["operation"] == "query{commune}" and len(line["query_hash"]) == 12
    assert "44109" not in json.dumps(line)
