"""Query limits added to the depth / token / alias limiters: result cost, and unusable string literals.

**Cost**: refuse, before anything runs, a query whose estimated result is too big.

Depth, token and alias limits each bound one dimension; a query within all three can still ask for
25 aliases × 100 établissements × their offers × their lieux, which costs seconds of the single
worker's time. The estimate counts the nodes the response could hold:

* every selected field counts 1, times the size of each list above it on its path;
* a paginated field (argument ``first`` / ``perPage``) gives its page size to the lists directly
  under it (``nodes``, ``edges``, ``hits``, ``modifications``): the literal value (at most the page
  maximum its resolver accepts), the argument's default when omitted, the maximum when it is a
  variable (the validation result is cached per document, so it cannot depend on variables);
* any other list of objects (an EG's ``unites``, a contact's ``telecoms``…) counts ``LIST_ESTIMATE``;
* aliases and fragments add up (fragments are costed once each, so nesting them is no shortcut).

The refusal is a validation error with ``extensions: {code: QUERY_TOO_COSTLY, cost, limit}``.

**Strings**: a literal holding a NUL character or a lone surrogate (``"49\\u0000"``) cannot be stored
nor compared by PostgreSQL; it is refused as ``BAD_INPUT`` instead of failing inside a resolver.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    StringValueNode,
    TypeMetaFieldDef,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_list_type,
)
from strawberry.extensions import AddValidationRules, ParserCache, SchemaExtension, ValidationCache

from ror_graph.services.directory.history import MAX_PAGE as HISTORY_MAX_PAGE
from ror_graph.services.directory.pages import MAX_PAGE_SIZE
from search_index.query import MAX_PER_PAGE

LIST_ESTIMATE = 5
"""Assumed length of an unpaginated list of objects (offers of an EG, contacts, lieux, codes…)."""

PAGE_ARGUMENTS = {"first": max(MAX_PAGE_SIZE, HISTORY_MAX_PAGE), "perPage": MAX_PER_PAGE}
"""Page-size arguments and the largest page their resolvers accept (a variable counts as that)."""

CODE = "QUERY_TOO_COSTLY"
INTROSPECTION = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}
"""Meta fields of the root type, costed like any other (30 aliased introspections are no free lunch)."""


def unusable_text(value: str) -> str | None:
    """Why ``value`` cannot reach the database (NUL, lone surrogate), or ``None`` when it can."""
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode (lone surrogate)"
    return None


def page_size(field: GraphQLField, node: FieldNode) -> int | None:
    """The page this field asks for, or ``None`` when it is not paginated."""
    for name, maximum in PAGE_ARGUMENTS.items():
        if name not in field.args:
            continue
        given = next((arg.value for arg in node.arguments or () if arg.name.value == name), None)
        if isinstance(given, IntValueNode):
            return max(0, min(int(given.value), maximum))
        if isinstance(given, VariableNode):
            return maximum
        default = field.args[name].default_value
        return default if isinstance(default, int) else maximum
    return None


class CostEstimator:
    """Estimated node count of an operation (see the module docstring); linear in the document size."""

    def __init__(self, fragments: dict[str, Any], schema: Any) -> None:
        self.fragments, self.schema = fragments, schema
        self.memo: dict[tuple[str, int | None], int] = {}

    def operation(self, node: OperationDefinitionNode) -> int:
        root = self.schema.get_root_type(node.operation)
        return self.selection_set(node.selection_set, root, None, frozenset()) if root else 0

    def selection_set(self, selections: SelectionSetNode, parent: Any, page: int | None, seen: frozenset) -> int:
        total = 0
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent, page, seen)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection_set(selection.selection_set, target, page, seen)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.spread(selection.name.value, page, seen)
        return total

    def spread(self, name: str, page: int | None, seen: frozenset) -> int:
        fragment = self.fragments.get(name)
        if fragment is None or name in seen:  # unknown or cyclic: other validation rules report it
            return 0
        key = (name, page)
        if key not in self.memo:
            target = self.schema.get_type(fragment.type_condition.name.value)
            self.memo[key] = self.selection_set(fragment.selection_set, target, page, seen | {name})
        return self.memo[key]

    def field(self, node: FieldNode, parent: Any, page: int | None, seen: frozenset) -> int:
        fields = parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
        definition = fields.get(node.name.value) or INTROSPECTION.get(node.name.value)
        if definition is None:  # __typename, or an unknown field that validation reports
            return 1
        named = get_named_type(definition.type)
        lists_objects = is_list_type(get_nullable_type(definition.type)) and is_composite_type(named)
        size = (LIST_ESTIMATE if page is None else page) if lists_objects else 1
        below = 0
        if node.selection_set:
            below = self.selection_set(node.selection_set, named, page_size(definition, node), seen)
        return size * (1 + below)


def cost_rule(limit: int) -> type[ValidationRule]:
    """A validation rule refusing operations estimated above ``limit`` nodes."""

    class QueryCostRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            fragments = {name: self.context.get_fragment(name) for name in _fragment_names(self.context.document)}
            cost = CostEstimator(fragments, self.context.schema).operation(node)
            if cost > limit:
                self.report_error(GraphQLError(
                    f"Query too costly: about {cost} result nodes, the limit is {limit}. "
                    "Ask for smaller pages or fewer nested lists.",
                    nodes=[node], extensions={"code": CODE, "cost": cost, "limit": limit},
                ))

    return QueryCostRule


def _fragment_names(document: Any) -> list[str]:
    return [d.name.value for d in document.definitions if d.kind == "fragment_definition"]


class UsableStringsRule(ValidationRule):
    """Refuse string literals the database cannot hold (see the module docstring)."""

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        problem = unusable_text(node.value)
        if problem:
            self.report_error(GraphQLError(f"A string argument {problem}.", nodes=[node],
                                           extensions={"code": "BAD_INPUT", "field": None}))


class QueryLimits(AddValidationRules):
    """The usable-strings rule, plus the cost rule when ``max_cost`` is set (the in-process schema has none)."""

    def __init__(self, max_cost: int | None) -> None:
        super().__init__([UsableStringsRule, *([cost_rule(max_cost)] if max_cost is not None else [])])


class Guards(SchemaExtension):
    """Every pre-execution guard in one extension: the token limit, the cached parse, the validation
    rules (depth, aliases, cost, usable strings, single login…) and the cached validation.

    Strawberry pays for each extension on each hook of each request; seven extensions doing one line
    each cost more than the work itself (about 0.2 ms a request). The rule classes are built once
    (``ValidationCache`` is keyed by them) and each request gets a shallow copy (``root._fresh``).
    """

    def __init__(self, rules: Sequence[type[ASTValidationRule]], max_tokens: int) -> None:
        self.rules, self.max_tokens = tuple(rules), max_tokens
        self.parse = ParserCache().cached_parse_document
        self.validate = ValidationCache().cached_validate_document

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = self.max_tokens
        context.validation_rules = context.validation_rules + self.rules
        yield

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        context.graphql_document = self.parse(context.query, **context.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        context.pre_execution_errors = self.validate(context.schema._schema, context.graphql_document,
                                                     context.validation_rules)
        yield
