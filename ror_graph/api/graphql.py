"""GraphQL over HTTP at ``/graphql`` (POST and GET; GraphiQL for browsers).

Each request gets its own database session (closed after the response), its own DataLoaders and the
``Caller`` resolved from ``Authorization: Bearer``; a bad token is answered with HTTP 401 before any
query runs. Responses follow the GraphQL-over-HTTP spec: ``application/graphql-response+json`` when
the client accepts it (then a request that could not be executed gets a 4xx status and no ``data``),
``application/json`` otherwise.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.schema.schema import PreExecutionError
from strawberry.types import ExecutionResult

from ror_graph.resolvers.context import Context, make_context
from ror_graph.schema.root import build_schema
from ror_graph.services.accounts.auth import resolve_bearer
from ror_graph.services.core.errors import UnauthenticatedError
from ror_graph.state import AppState

GRAPHQL_RESPONSE = "application/graphql-response+json"
_SESSION, _CALLER, _NOT_EXECUTED = "ror_session", "ror_caller", "ror_not_executed"


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, if any."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def wants_graphql_response(request: Request) -> bool:
    return GRAPHQL_RESPONSE in request.headers.get("accept", "")


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI view with a per-request session, caller and GraphQL-over-HTTP media types."""

    def __init__(self, state: AppState) -> None:
        super().__init__(build_schema(debug=state.settings.debug), graphql_ide="graphiql")
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        async with self.state.sessions() as session:
            try:
                caller = await resolve_bearer(session, bearer_token(request))
            except UnauthenticatedError as exc:
                body = {"errors": [{"message": exc.message, "extensions": {"code": exc.code}}]}
                await JSONResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})(scope, receive, send)
                return
            setattr(request.state, _SESSION, session)
            setattr(request.state, _CALLER, caller)
            await super().__call__(scope, receive, send)

    async def get_context(self, request: Request, response: Any) -> Context:  # type: ignore[override]
        state = request.state
        return await make_context(self.state, getattr(state, _SESSION), getattr(state, _CALLER), request)

    async def process_result(self, request: Request, result: ExecutionResult) -> dict:  # type: ignore[override]
        data = await super().process_result(request, result)
        if isinstance(result, PreExecutionError):
            # Not executed (syntax, validation, limits): the spec says the response has no `data`.
            data.pop("data", None)
            setattr(request.state, _NOT_EXECUTED, True)
        return data  # type: ignore[return-value]

    async def run(self, request: Request, *args: Any, **kwargs: Any) -> Response:  # type: ignore[override]
        response = await super().run(request, *args, **kwargs)
        if wants_graphql_response(request) and response.media_type == "application/json":
            response.headers["content-type"] = GRAPHQL_RESPONSE
            if getattr(request.state, _NOT_EXECUTED, False):
                response.status_code = 400
        return response


def routes(state: AppState) -> list:
    """``/graphql``: queries by POST (JSON) or GET (query string), GraphiQL in a browser."""
    return [Route("/graphql", GraphQLApp(state), methods=["GET", "POST"])]
