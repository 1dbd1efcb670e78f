"""Logging of the API: redacted GraphQL error records, and an optional JSON line format.

A GraphQL error message or its source excerpt can quote the query, so the query's literal
arguments (a ``login`` password, a level-3 phone number) and its variables would end up in the
logs. Records here therefore carry only: the operation type and name, the root fields, a short
hash of the query text (to correlate with a client's report), the error code and its path; never a
message built from the query, never variables. Expected errors (bad input, validation, limits,
domain refusals) are logged at INFO without traceback; only unexpected ones keep their traceback,
with SQL parameters hidden.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode

from ror_graph.services.core.errors import DomainError

log = logging.getLogger("ror_graph.graphql")
_HANDLER_MARK = "_ror_graph_handler"


def query_digest(query: str | None) -> str:
    """A short, stable fingerprint of the query text (not reversible into its literals)."""
    return hashlib.sha256((query or "").encode("utf-8", "surrogatepass")).hexdigest()[:12]


def query_shape(document: Any, operation_name: str | None) -> str:
    """``"mutation Login{login}"``: the operation's type, name and root fields, no argument values."""
    operations = [d for d in getattr(document, "definitions", ()) if isinstance(d, OperationDefinitionNode)]
    chosen = next((d for d in operations if d.name and d.name.value == operation_name), None)
    operation = chosen or (operations[0] if len(operations) == 1 else None)
    if operation is None:
        return "?"
    name = f" {operation.name.value}" if operation.name else ""
    fields = sorted({s.name.value if isinstance(s, FieldNode) else "…" for s in operation.selection_set.selections})
    return f"{operation.operation.value}{name}{{{','.join(fields)}}}"


def error_code(error: GraphQLError) -> str:
    """The code the client sees: the domain error's, the extension's, else the GraphQL phase's."""
    original = error.original_error
    if isinstance(original, DomainError):
        return original.code
    if isinstance(original, GraphQLError | None):
        return str((error.extensions or {}).get("code") or "GRAPHQL_VALIDATION")
    return "INTERNAL"


def is_expected(error: GraphQLError) -> bool:
    return error.original_error is None or isinstance(error.original_error, DomainError | GraphQLError)


def hide_sql_parameters(exc: BaseException | None) -> None:
    """SQLAlchemy statement errors print their bound parameters (values from the request): hide them."""
    while exc is not None:
        if hasattr(exc, "hide_parameters") and hasattr(exc, "params"):
            exc.hide_parameters = True
        exc = exc.__cause__ or exc.__context__


def log_graphql_errors(errors: Iterable[GraphQLError], query: str | None, document: Any, operation: str | None) -> None:
    """One redacted record per error (see the module docstring)."""
    fields = {"operation": query_shape(document, operation), "query_hash": query_digest(query)}
    for error in errors:
        record = {**fields, "code": error_code(error), "path": ".".join(map(str, error.path or ())) or None}
        summary = " ".join(f"{key}={value}" for key, value in record.items())
        if is_expected(error):
            log.info("graphql error %s", summary, extra={"graphql": record})
        else:
            hide_sql_parameters(error.original_error)
            log.error("graphql unexpected error %s", summary, extra={"graphql": record},
                      exc_info=error.original_error)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, structured fields, traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if isinstance(getattr(record, "graphql", None), dict):
            entry.update(record.graphql)  # type: ignore[attr-defined]
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(log_format: str = "text", level: int = logging.INFO) -> None:
    """Give the ``ror_graph`` loggers one stderr handler in ``log_format`` (``text`` or ``json``).

    Idempotent: a second call replaces the handler (the app factory runs once per test).
    """
    logger = logging.getLogger("ror_graph")
    for handler in [h for h in logger.handlers if getattr(h, _HANDLER_MARK, False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler()
    setattr(handler, _HANDLER_MARK, True)
    handler.setFormatter(JsonFormatter() if log_format == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)
