"""The GraphQL schema: root types merged from each concept's query fragment, plus protections.

Other parts add their root fragments to ``QUERY_TYPES`` (search) and set ``mutation`` (write path).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache

import strawberry
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.tools import merge_types

from ror_graph.schema.account import AccountMutation
from ror_graph.schema.directory import DirectoryQuery
from ror_graph.schema.errors import ERROR_HANDLERS, ERROR_TYPES, DomainErrorCodes, MaskUnexpectedErrors
from ror_graph.schema.mutation import Mutation as WriteMutation
from ror_graph.schema.nomenclature import NomenclatureQuery
from ror_graph.schema.rules import SingleLogin
from ror_graph.schema.search import SearchQuery
from ror_graph.schema.suivi import SuiviQuery

MAX_DEPTH = 10
MAX_TOKENS = 5000
MAX_ALIASES = 30

QUERY_TYPES: tuple[type, ...] = (DirectoryQuery, NomenclatureQuery, SuiviQuery, SearchQuery)
Query = merge_types("Query", QUERY_TYPES)
Query.__strawberry_definition__.description = "Read the ROR directory: what the caller's profile may see."
Mutation = merge_types("Mutation", (AccountMutation, WriteMutation))
Mutation.__strawberry_definition__.description = WriteMutation.__strawberry_definition__.description


def _fresh(template: SchemaExtension) -> Callable[[], SchemaExtension]:
    """A factory of per-request copies sharing ``template``'s validation rule classes.

    The limiters build their rule class in ``__init__``; a new class per request would make every
    ``ValidationCache`` lookup miss, so each request gets a shallow copy of one configured template.
    """
    return lambda: copy.copy(template)


@cache
def build_schema(*, debug: bool = False) -> strawberry.Schema:
    """The schema; outside ``debug`` unexpected errors are masked (domain and validation errors never are)."""
    extensions: list = [
        _fresh(MaxTokensLimiter(max_token_count=MAX_TOKENS)),
        ParserCache,
        _fresh(QueryDepthLimiter(max_depth=MAX_DEPTH)),
        _fresh(MaxAliasesLimiter(max_alias_count=MAX_ALIASES)),
        ValidationCache,
        DomainErrorCodes,
        SingleLogin,
    ]
    if not debug:
        extensions.append(MaskUnexpectedErrors)
    return strawberry.Schema(
        query=Query, mutation=Mutation, extensions=extensions, types=ERROR_TYPES, exception_handlers=ERROR_HANDLERS
    )


schema = build_schema()
