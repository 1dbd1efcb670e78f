"""Per-document plans: a query already seen and answered by compiled statements skips the GraphQL pipeline.

Parsing, the limits (tokens, depth, aliases, cost, usable strings) and validation depend on the
document text and the schema only, never on variables nor on the caller (the cost counts a variable
page size as the largest page). So the first time a (document, operationName) is executed and every
root field of it is answered by compiled statements (``resolvers/compiled.py``), ``CompiledReads``
records a *plan*: the validated document. Later requests with the same text go straight from the
JSON body to ``compiled_data`` (variables coerced as the executor does, the caller's visibility
applied by the compiled SQL, one statement per root field), with no Strawberry view, no extension
chain, no context factory and no executor. It is not a response cache: every request runs its
statements, so it reads every write made before it.

Anything unusual sends the request back to the normal path, which answers it as it always did
(errors, codes and status included): a body that is not a plain JSON object, unusable strings in the
variables, variables the operation refuses, a page size or cursor the compiled path declines, any
failure. Plans live on the app's schema (one per app, so the cost limit of that app holds), at most
``compiled.MAX_PLANS`` of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ror_graph.api.limits import input_problem
from ror_graph.resolvers.compiled import PLANS_ATTRIBUTE, RawJSON


def enable_plans(schema: Any) -> None:
    """Give ``schema`` (the HTTP app's own copy) a plan store, filled by ``CompiledReads``."""
    setattr(schema, PLANS_ATTRIBUTE, {})


def planned_request(schema: Any, content_type: str, body: bytes,
                    decode: Callable[[bytes], Any]) -> tuple[Any, str | None, dict | None] | None:
    """(document, operationName, variables) of a POST body whose document has a plan, else ``None``.

    ``None`` also for everything the normal path must judge: not JSON, not an object, odd types,
    unusable strings (NUL, lone surrogates) anywhere in the body. ``decode`` parses the body (the app's
    parser, which keeps the value for the normal path).
    """
    plans = getattr(schema, PLANS_ATTRIBUTE, None)
    if not plans or not content_type.startswith("application/json"):
        return None
    try:
        data = decode(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    query, name, variables = data.get("query"), data.get("operationName"), data.get("variables")
    if not isinstance(query, str) or not isinstance(name, str | None) or not isinstance(variables, dict | None):
        return None
    document = plans.get((query, name))
    if document is None or input_problem(data, "request"):
        return None
    return document, name, variables


def encode(data: dict) -> bytes:
    """The response body ``{"data": ...}``: compact JSON, the database's JSON texts (``RawJSON``) copied as
    they are (parsing them to encode them again cost more than the rest of a 100-row page's request)."""
    return ('{"data":' + _encode(data) + "}").encode()


def _encode(value: Any) -> str:
    if isinstance(value, RawJSON):
        return value
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{_encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(map(_encode, value)) + "]"
    return json.dumps(value)
