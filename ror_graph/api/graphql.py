"""GraphQL over HTTP at ``/graphql`` (POST and GET; GraphiQL for browsers).

Each request gets its own database session (closed after the response), its own DataLoaders and the
``Caller`` resolved from ``Authorization: Bearer``; a bad token is answered with HTTP 401 before any
query runs. Responses follow the GraphQL-over-HTTP spec: ``application/graphql-response+json`` when
the client accepts it (then a request that could not be executed gets a 4xx status and no ``data``),
``application/json`` otherwise.

Guards (``api/limits.py``, ``schema/limits.py``): every error answer is JSON (``{"errors": [{message,
extensions: {code}}]}``); a body that is not a JSON object, a string with a NUL character and the
like are refused with 400 ``BAD_REQUEST`` / ``BAD_INPUT`` before anything runs; the execution is
cancelled when the client disconnects or after ``Settings.request_timeout_seconds`` (504 ``TIMEOUT``);
queries costlier than ``Settings.max_query_cost`` are refused (``QUERY_TOO_COSTLY``).
"""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

from cross_web import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.schema.schema import PreExecutionError
from strawberry.types import ExecutionResult

from ror_graph.api.limits import ClientDisconnected, RequestTimeout, input_problem, run_guarded
from ror_graph.api.plans import enable_plans, encode, planned_request
from ror_graph.api.routing import reads_from_replica
from ror_graph.db import read_only_sessions, request_session
from ror_graph.logs import query_digest
from ror_graph.resolvers.compiled import PLANS_ATTRIBUTE, CompiledReads, compiled_data
from ror_graph.resolvers.context import LABELS_KEY, Context, make_context
from ror_graph.resolvers.documents import is_read_only
from ror_graph.resolvers.loaders import Loaders
from ror_graph.schema.root import build_schema
from ror_graph.services.accounts.auth import ANONYMOUS, resolve_bearer
from ror_graph.services.core.errors import UnauthenticatedError
from ror_graph.state import AppState

GRAPHQL_RESPONSE = "application/graphql-response+json"
_SESSION, _CALLER, _NOT_EXECUTED, _LOADERS = "ror_session", "ror_caller", "ror_not_executed", "ror_loaders"
_REPLICA = "ror_replica"
_UNPLANNED: Any = object()  # the planned path declined: the normal path answers
log = logging.getLogger("ror_graph.graphql")


def error_response(status: int, code: str, message: str, headers: dict | None = None) -> Response:
    """The JSON error body of a request refused before or instead of execution (ASCII: any text is safe)."""
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
    return Response(body, status, headers, media_type="application/json")


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, if any."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def wants_graphql_response(request: Request) -> bool:
    return GRAPHQL_RESPONSE in request.headers.get("accept", "")


class GraphQLApp(GraphQL[Context, None]):
    """Strawberry's ASGI view with a per-request session, caller and GraphQL-over-HTTP media types."""

    def __init__(self, state: AppState) -> None:
        settings = state.settings
        schema = copy.copy(build_schema(debug=settings.debug, max_cost=settings.max_query_cost))
        schema.extensions = (*schema.extensions, CompiledReads)  # one SQL statement per root field (PostgreSQL)
        enable_plans(schema)  # documents answered by compiled statements skip the pipeline next time
        self.graphql_schema = schema._schema
        super().__init__(schema, graphql_ide="graphiql")
        self.state = state
        self.read_sessions = read_only_sessions(state.engine)
        # Requests routed to the replica (``api/routing.py``) run their queries there, read-only too.
        self.replica_read_sessions = read_only_sessions(state.read_engine) if state.read_engine else None
        self._last_decoded: tuple[bytes | str, object] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        if scope["method"] == "POST" and getattr(self.schema, PLANS_ATTRIBUTE, None):
            planned = planned_request(self.schema, request.headers.get("content-type", ""), await request.body(),
                                      self._decoded)
            answer = await self._planned(request, *planned) if planned is not None else _UNPLANNED
            if answer is not _UNPLANNED:
                if answer is not None:
                    await answer(scope, receive, send)
                return
        async with request_session(self.state.sessions) as session:
            try:
                caller = await resolve_bearer(session, bearer_token(request))
            except UnauthenticatedError as exc:
                refusal = error_response(401, exc.code, exc.message, {"WWW-Authenticate": "Bearer"})
                await refusal(scope, receive, send)
                return
            if self.state.read_sessions is not None and await reads_from_replica(request, caller):
                await session.commit()  # hand the primary connection back while the replica works
                setattr(request.state, _REPLICA, True)
                async with request_session(self.state.read_sessions) as replica:
                    response = await self._run_with(request, replica, caller)
            else:
                response = await self._run_with(request, session, caller)
        if response is not None:
            await response(scope, receive, send)

    async def _planned(self, request: Request, document: Any, name: str | None, variables: dict | None) -> Any:
        """The answer of a planned document (``api/plans.py``), ``None`` if the client left, or ``_UNPLANNED``.

        The same caller, session routing (replica for callers who cannot write) and guards as the
        normal path; ``_UNPLANNED`` when the compiled path declines (the normal path then answers).
        """
        caller, token, labels = ANONYMOUS, bearer_token(request), self.state.extras.get(LABELS_KEY)
        if labels is None:  # the code labels are loaded by the normal path's context
            return _UNPLANNED
        if token:
            async with request_session(self.state.sessions) as primary:
                try:
                    caller = await resolve_bearer(primary, token)
                except UnauthenticatedError as exc:
                    return error_response(401, exc.code, exc.message, {"WWW-Authenticate": "Bearer"})
        replica = self.state.read_sessions is not None and caller.account_id is None and self.replica_read_sessions
        async with request_session(replica or self.read_sessions) as session:
            context = Context(request=request, session=session, loaders=Loaders(session, caller), caller=caller,
                              state=self.state, labels=labels,
                              driver=self.state.read_driver if replica else self.state.driver)
            work = compiled_data(context, self.graphql_schema, document, name, variables, raw=True)
            try:
                data = await run_guarded(work, request.receive, self.state.settings.request_timeout_seconds)
            except (RequestTimeout, ClientDisconnected) as exc:
                _log_cancelled(exc, document.loc.source.body if document.loc else None)
                return error_response(504, "TIMEOUT", str(exc)) if isinstance(exc, RequestTimeout) else None
            finally:
                await context.loaders.idle()
        if data is None:
            return _UNPLANNED
        media_type = GRAPHQL_RESPONSE if wants_graphql_response(request) else "application/json"
        return Response(encode(data), 200, media_type=media_type)

    async def _run_with(self, request: Request, session: Any, caller: Any) -> Response | None:
        """Run the request on ``session`` (primary or replica, ``api/routing.py``) as ``caller``."""
        setattr(request.state, _SESSION, session)
        setattr(request.state, _CALLER, caller)
        response = await self._guarded_run(request)
        loaders = getattr(request.state, _LOADERS, None)
        if loaders is not None:
            await loaders.idle()
        return response

    async def _guarded_run(self, request: Request) -> Response | None:
        """``run`` with its refusals as JSON; ``None`` when the client is gone (nobody to answer)."""
        try:
            return await self.run(request)
        except HTTPException as exc:
            code = "BAD_INPUT" if exc.status_code == 400 else "BAD_REQUEST"
            return error_response(exc.status_code, code, exc.reason)
        except RequestTimeout as exc:
            return error_response(504, "TIMEOUT", str(exc))
        except ClientDisconnected:
            return None

    @property
    def graphql_ide_html(self) -> str:
        """The app's GraphiQL page (shipped assets, works offline) when it provides one."""
        return self.state.extras.get("graphiql_html") or super().graphql_ide_html

    def _decoded(self, body: str | bytes) -> object:
        """The JSON value of ``body``, parsed once per request: the plan lookup, the shape checks of
        ``parse_http_body`` and Strawberry all read the same body object. The last body is kept with its
        value; an identity check (the kept reference cannot be reused by another object) tells it apart."""
        last = self._last_decoded
        if last is None or last[0] is not body:
            last = self._last_decoded = (body, json.loads(body))
        return last[1]

    def decode_json(self, data: str | bytes) -> object:
        try:
            return self._decoded(data)
        except (ValueError, RecursionError) as exc:  # bad UTF-8, absurd nesting: not a 500
            raise HTTPException(400, "Unable to parse request body as JSON") from exc

    async def parse_http_body(self, request_adapter: Any) -> Any:
        """Strawberry's parsing, after checking the parts' shapes and that their strings are usable."""
        if request_adapter.method == "GET":
            data = self.parse_query_params(request_adapter.query_params)
        else:
            data = self.parse_json(await request_adapter.get_body()) if _is_json(request_adapter) else {}
        if request_adapter.method != "GET" and _is_json(request_adapter) and not isinstance(data, dict):
            raise HTTPException(400, "The request body must be a JSON object ({\"query\": ...}).")
        if not isinstance(data.get("operationName"), str | None):
            raise HTTPException(400, "operationName must be a string or null.")
        if problem := input_problem(data, "request"):
            raise HTTPException(400, f"Unusable input: {problem}.")
        return await super().parse_http_body(request_adapter)

    async def execute_operation(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        """The execution, cancelled on client disconnect or after the request time limit.

        A document holding only queries runs on a read-only (autocommit) session: no BEGIN nor
        ROLLBACK round trips; the request's own session (bearer check, writes) is left untouched.
        """
        data, context = kwargs.get("request_data"), kwargs.get("context")
        if not isinstance(context, Context) or not is_read_only(getattr(data, "query", None),
                                                                getattr(data, "operation_name", None)):
            return await self._execute_guarded(request, data, *args, **kwargs)
        replica = getattr(request.state, _REPLICA, False) and self.replica_read_sessions
        async with request_session(replica or self.read_sessions) as session:
            write_session, context.session = context.session, session
            context.loaders.session = session
            try:
                return await self._execute_guarded(request, data, *args, **kwargs)
            finally:
                await context.loaders.idle()  # cancelled siblings may still be finishing a statement
                context.session = context.loaders.session = write_session

    async def _execute_guarded(self, request: Request, data: Any, *args: Any, **kwargs: Any) -> Any:
        work = super().execute_operation(request, *args, **kwargs)
        try:
            return await run_guarded(work, request.receive, self.state.settings.request_timeout_seconds)
        except (RequestTimeout, ClientDisconnected) as exc:
            _log_cancelled(exc, getattr(data, "query", None))
            raise

    async def get_context(self, request: Request, response: Any) -> Context:  # type: ignore[override]
        state = request.state
        context = await make_context(self.state, getattr(state, _SESSION), getattr(state, _CALLER), request)
        setattr(state, _LOADERS, context.loaders)  # the session closes only once they are idle
        return context

    async def process_result(self, request: Request, result: ExecutionResult) -> dict:  # type: ignore[override]
        data = await super().process_result(request, result)
        if isinstance(result, PreExecutionError):
            # Not executed (syntax, validation, limits): the spec says the response has no `data`.
            data.pop("data", None)
            bad_input = any((e.extensions or {}).get("code") == "BAD_INPUT" for e in result.errors or ())
            setattr(request.state, _NOT_EXECUTED, "bad_input" if bad_input else True)
        return data  # type: ignore[return-value]

    async def run(self, request: Request, *args: Any, **kwargs: Any) -> Response:  # type: ignore[override]
        response = await super().run(request, *args, **kwargs)
        not_executed = getattr(request.state, _NOT_EXECUTED, False)
        if wants_graphql_response(request) and response.media_type == "application/json":
            response.headers["content-type"] = GRAPHQL_RESPONSE
            if not_executed:
                response.status_code = 400
        if not_executed == "bad_input":  # unusable input is a bad request whatever the media type
            response.status_code = 400
        return response


def _log_cancelled(exc: Exception, query: str | None) -> None:
    level = logging.WARNING if isinstance(exc, RequestTimeout) else logging.INFO
    log.log(level, "graphql execution cancelled: %s query_hash=%s", type(exc).__name__, query_digest(query))


def _is_json(request_adapter: Any) -> bool:
    return "json" in (request_adapter.content_type or "")


def routes(state: AppState) -> list:
    """``/graphql``: queries by POST (JSON) or GET (query string), GraphiQL in a browser; CORS for
    ``settings.cors_origins`` (preflight answered)."""
    cors = [Middleware(CORSMiddleware, allow_origins=state.settings.cors_origins, allow_methods=["GET", "POST"],
                       allow_headers=["Authorization", "Content-Type", "Accept"])]
    return [Route("/graphql", GraphQLApp(state), methods=["GET", "POST", "OPTIONS"], middleware=cors)]
