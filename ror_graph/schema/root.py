"""The GraphQL schema: root types merged from each concept's query fragment, plus protections.

Other parts add their root fragments to ``QUERY_TYPES`` (search) and set ``mutation`` (write path).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache
from typing import Any

import strawberry
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext
from strawberry.types.base import get_object_definition

from ror_graph.logs import log_graphql_errors
from ror_graph.resolvers.documents import MAX_TOKENS
from ror_graph.schema.account import AccountMutation
from ror_graph.schema.campagne import CampagneQuery
from ror_graph.schema.changes import ChangesQuery
from ror_graph.schema.directory import DirectoryQuery
from ror_graph.schema.errors import ERROR_HANDLERS, ERROR_TYPES, DomainErrorCodes, MaskUnexpectedErrors
from ror_graph.schema.limits import Guards, QueryLimits
from ror_graph.schema.mutation import Mutation as WriteMutation
from ror_graph.schema.nomenclature import NomenclatureQuery
from ror_graph.schema.qualite import ModeleQuery, QualiteMutation, QualiteQuery
from ror_graph.schema.rules import SingleLogin
from ror_graph.schema.search import SearchQuery
from ror_graph.schema.suivi import SuiviQuery

MAX_DEPTH = 10
MAX_ALIASES = 30
# The cost limit (estimated result nodes, ``schema/limits.py``) is a setting: ``Settings.max_query_cost``.

QUERY_TYPES: tuple[type, ...] = (DirectoryQuery, NomenclatureQuery, SuiviQuery, CampagneQuery, QualiteQuery,
                                 ModeleQuery, SearchQuery, ChangesQuery)
Query = merge_types("Query", QUERY_TYPES)
get_object_definition(Query, strict=True).description = "Read the ROR directory: what the caller's profile may see."
Mutation = merge_types("Mutation", (AccountMutation, WriteMutation, QualiteMutation))
get_object_definition(Mutation, strict=True).description = get_object_definition(WriteMutation, strict=True).description


def _fresh(template: SchemaExtension) -> Callable[[], SchemaExtension]:
    """A factory of per-request copies sharing ``template``'s validation rule classes.

    The limiters build their rule class in ``__init__``; a new class per request would make every
    validation cache lookup miss, so each request gets a shallow copy of one configured template
    (``schema.limits.Guards`` holds them all).
    """
    return lambda: copy.copy(template)


class Schema(strawberry.Schema):
    """Strawberry's schema whose error log is redacted (``ror_graph.logs``): no query text, no variables."""

    def create_extensions_runner(self, execution_context: ExecutionContext, extensions: list) -> Any:
        """The request's extensions, less those that say they do not apply to its document
        (``applies_to(query, operation_name)``: compiled reads of a text they cannot answer). Strawberry
        pays for each extension on each hook of each request (about 15 µs for one that declines)."""
        query, name = execution_context.query, execution_context.operation_name
        kept = [e for e in extensions if (applies := getattr(e, "applies_to", None)) is None or applies(query, name)]
        return super().create_extensions_runner(execution_context, kept)

    def process_errors(self, errors: list, execution_context: ExecutionContext | None = None) -> None:
        context = execution_context
        log_graphql_errors(errors, getattr(context, "query", None), getattr(context, "graphql_document", None),
                           getattr(context, "operation_name", None))


@cache
def build_schema(*, debug: bool = False, max_cost: int | None = None) -> strawberry.Schema:
    """The schema; outside ``debug`` unexpected errors are masked (domain and validation errors never are).

    ``max_cost`` (the HTTP app passes ``Settings.max_query_cost``) refuses costlier queries before
    they run; the in-process schema (SDL export, tests calling ``schema.execute``) has no cost limit.
    """
    rules = [*QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
             *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
             *QueryLimits(max_cost).validation_rules, *SingleLogin().validation_rules]
    extensions: list = [_fresh(Guards(rules, MAX_TOKENS)), DomainErrorCodes]
    if not debug:
        extensions.append(MaskUnexpectedErrors)
    return Schema(
        query=Query, mutation=Mutation, extensions=extensions, types=ERROR_TYPES, exception_handlers=ERROR_HANDLERS
    )


schema = build_schema()
