"""FHIR R4 read API at ``/fhir`` (ROR ME 3.0 profiles): metadata, read, search, ``_history``, ``$export``.

Every answer is ``application/fhir+json``; errors are ``OperationOutcome`` resources (400 bad
parameter, 401 bad token, 404 unknown, 410 deleted). The bearer token chooses what the caller sees
(public when absent), through the same visibility policy as the other channels. ``Prefer:
handling=strict`` turns an unknown search parameter into a 400; by default it is ignored and
reported in the Bundle.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ror_graph.api.fhir import bulk
from ror_graph.api.graphql import bearer_token
from ror_graph.api.search import check_text
from ror_graph.services.accounts.auth import resolve_bearer
from ror_graph.services.core.errors import BadInputError, UnauthenticatedError
from ror_graph.services.fhir.capability import capability_statement
from ror_graph.services.fhir.codes import Labels
from ror_graph.services.fhir.history import history_bundle
from ror_graph.services.fhir.query import FhirError
from ror_graph.services.fhir.service import load_labels, read, search_bundle
from ror_graph.services.fhir.totals import Totals
from ror_graph.state import AppState

log = logging.getLogger(__name__)
FHIR_JSON = "application/fhir+json"
_LABELS = "fhir_labels"
_TOTALS = "fhir_totals"  # search totals kept while the event log does not move (services.fhir.totals)


def fhir_response(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), status_code=status,
                    media_type=FHIR_JSON)


def outcome(status: int, code: str, message: str) -> Response:
    issue = {"severity": "error", "code": code, "diagnostics": message}
    return fhir_response({"resourceType": "OperationOutcome", "issue": [issue]}, status)


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/fhir"


async def labels_for(state: AppState, session: Any) -> Labels:
    """Code labels, read once per app (the nomenclatures change with a reference reload, not per request)."""
    if _LABELS not in state.extras:
        state.extras[_LABELS] = await load_labels(session)
    return state.extras[_LABELS]


Handler = Callable[[Request, Any, Any, Labels], Awaitable[dict[str, Any] | Response]]


def _endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        state: AppState = request.app.state.ror
        try:
            check_text(request)
            async with state.sessions() as session:
                caller = await resolve_bearer(session, bearer_token(request))
                answer = await handler(request, session, caller, await labels_for(state, session))
                return answer if isinstance(answer, Response) else fhir_response(answer)
        except FhirError as exc:
            return outcome(exc.status, exc.code, exc.message)
        except UnauthenticatedError as exc:
            return outcome(401, "login", exc.message)
        except BadInputError as exc:
            return outcome(400, "invalid", exc.message)
    return endpoint


def _items(request: Request) -> list[tuple[str, str]]:
    return list(request.query_params.multi_items())


async def metadata(request: Request, session: Any, caller: Any, labels: Labels) -> dict[str, Any]:
    return capability_statement(base_url(request), datetime.now(UTC).date().isoformat())


async def read_one(request: Request, session: Any, caller: Any, labels: Labels) -> dict[str, Any]:
    params = request.path_params
    return await read(session, caller, labels, params["type"], params["id"])


async def search_type(request: Request, session: Any, caller: Any, labels: Labels) -> dict[str, Any]:
    strict = "handling=strict" in request.headers.get("prefer", "").replace(" ", "")
    state: AppState = request.app.state.ror
    totals = state.extras.setdefault(_TOTALS, Totals())
    return await search_bundle(session, caller, labels, request.path_params["type"], _items(request),
                               strict=strict, base=base_url(request), totals=totals)


async def history_type(request: Request, session: Any, caller: Any, labels: Labels) -> dict[str, Any]:
    return await history_bundle(session, caller, labels, request.path_params["type"], _items(request),
                                base=base_url(request))


async def export_kick_off(request: Request, session: Any, caller: Any, labels: Labels) -> Response:
    return await bulk.kick_off(request, session, caller, base_url(request))


async def export_status(request: Request, session: Any, caller: Any, labels: Labels) -> dict[str, Any] | Response:
    return await bulk.status(request, session, caller, base_url(request))


async def export_file(request: Request, session: Any, caller: Any, labels: Labels) -> Response:
    return await bulk.file(request, session, caller)


def lifespan_hooks() -> list:
    """None of its own: ``$export`` jobs run in the export runner (``api.exports``)."""
    return []


def routes(state: AppState) -> list:
    return [
        Route("/fhir/metadata", _endpoint(metadata), methods=["GET"]),
        Route("/fhir/$export", _endpoint(export_kick_off), methods=["GET"]),
        Route("/fhir/$export-status/{job}", _endpoint(export_status), methods=["GET", "DELETE"]),
        Route("/fhir/$export-file/{job}/{name}", _endpoint(export_file), methods=["GET"]),
        Route("/fhir/{type}/_history", _endpoint(history_type), methods=["GET"]),
        Route("/fhir/{type}/{id}", _endpoint(read_one), methods=["GET"]),
        Route("/fhir/{type}", _endpoint(search_type), methods=["GET"]),
    ]
