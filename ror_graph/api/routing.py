"""Which database a GraphQL request reads: the primary, or the read replica (``ROR_GRAPH_DATABASE_READ_URL``).

A request goes to the replica only when nothing in it needs to see its own writes:

* the operation is a ``query`` (mutations, and their payloads, run on the primary);
* the caller is anonymous or an API client, i.e. cannot write: people with an account (référents,
  directeurs, support, admins) may just have written, in this worker or another, so every request of
  theirs reads the primary. Read-your-writes then holds by construction, without tracking who wrote
  when across workers.

Anything that cannot be classified cheaply (unparsable body, unknown operation) stays on the primary;
the bearer token itself is always resolved on the primary (it records its last use).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from ror_graph.resolvers.documents import is_read_only
from ror_graph.services.accounts.auth import Caller


async def reads_from_replica(request: Request, caller: Caller) -> bool:
    """Whether this request may run on the read replica (see the module docstring)."""
    if caller.account_id is not None:
        return False
    payload = await _payload(request)
    query = payload.get("query") if payload else None
    name = payload.get("operationName") if payload else None
    return isinstance(query, str) and isinstance(name, str | None) and is_read_only(query, name)


async def _payload(request: Request) -> dict[str, Any] | None:
    if request.method == "GET":
        return dict(request.query_params)
    if "json" not in request.headers.get("content-type", ""):
        return None
    try:
        data = json.loads(await request.body())  # Starlette keeps the body: Strawberry reads it again
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None
