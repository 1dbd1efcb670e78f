"""Query texts classified once per distinct text: which operation runs, and what kind it is.

The HTTP layer asks, before anything executes, whether a request is a query (read-only session,
replica routing) and whether compiled reads could answer it (``compiled.CompiledReads.applies_to``); both come
from one parse per (text, operationName), kept in a bounded cache. The pipeline reports the errors
of a text that does not parse.
"""

from __future__ import annotations

from functools import lru_cache

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse

MAX_TOKENS = 5000
"""The token limit of a GraphQL document (parser option), here and in the schema's guards."""


@lru_cache(maxsize=1024)
def chosen_operation(query: str | None, operation_name: str | None) -> OperationDefinitionNode | None:
    """The operation of ``query`` that runs under ``operation_name``; ``None`` if none or several, or unparsable."""
    if not query:
        return None
    try:
        document = parse(query, no_location=True, max_tokens=MAX_TOKENS)
    except (GraphQLError, RecursionError):
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    return chosen[0] if len(chosen) == 1 else None


def is_read_only(query: str | None, operation_name: str | None) -> bool:
    """The operation that will run is a query."""
    operation = chosen_operation(query, operation_name)
    return operation is not None and operation.operation is OperationType.QUERY


def roots_in(operation: OperationDefinitionNode, names: frozenset[str]) -> bool:
    """Every root field of ``operation`` is one of ``names`` (fragments are judged later, by their reader)."""
    return all(not isinstance(s, FieldNode) or s.name.value in names for s in operation.selection_set.selections)
