"""Directory queries answered by one SQL statement per root field on PostgreSQL (``sql_json``).

``CompiledReads`` is a schema extension of the HTTP API: after parsing and validation (every limit
has run), a read-only operation whose root fields are the directory's lookups and lists (and the root's
``__typename``, a constant: clients probe the endpoint with ``{ __typename }``) and whose
selections ``sql_json`` supports is answered from statements that build the JSON in PostgreSQL; the
executor is skipped. The lists keep the resolvers' rules: the same filter and visibility conditions
(``services.directory.pages``), keyset cursors, page size limits, lazily counted ``totalCount``.
Anything else, or any failure, leaves the request to the normal executor, which answers it
(errors included) as it always did.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from graphql import ExecutionResult, FieldNode, OperationDefinitionNode, OperationType, get_named_type
from graphql.execution.values import get_argument_values
from sqlalchemy import Text, bindparam, cast, select
from sqlmodel import col
from strawberry.extensions import SchemaExtension

from ror_graph.models import Etablissement, Unite
from ror_graph.resolvers.context import Context
from ror_graph.resolvers.documents import chosen_operation, roots_in
from ror_graph.resolvers.pagination import decode_cursor, encode_cursor
from ror_graph.resolvers.sql_json import Compiler, Dialect, Row, Unsupported
from ror_graph.resolvers.sql_text import after_key, enum_value, fetch, fetch_text, frozen, prepare
from ror_graph.services.directory import pages
from ror_graph.services.directory.pages import DirectoryFilter
from ror_graph.services.policy.visibility import level_of, sees_all_sensitive, sensitive_scopes, unite_visible

log = logging.getLogger("ror_graph.graphql")
MAX_PLANS = 512
PLANS_ATTRIBUTE = "ror_plans"
"""Attribute of the HTTP app's schema holding its document plans (``api/plans.py``); others have none."""
_PLANS: dict[tuple, Any] = {}
_STATEMENTS: dict[tuple | None, tuple[str, tuple]] = {}
"""SQL text and parameters of planned first pages, by plan and arguments (``MAX_PLANS`` at most)."""
"""Node JSON expressions (or why not) by (query text, operation, root key, caller's visibility)."""
LOOKUPS: dict[str, tuple[Any, str]] = {"etablissement": (Etablissement, "finess"), "unite": (Unite, "identifiant")}
LISTS: dict[str, tuple[Any, Any, Any]] = {
    "etablissements": (Etablissement, pages.EtablissementOrder, pages.etablissement_conditions),
    "unites": (Unite, pages.UniteOrder, pages.unite_conditions),
}
COMPILED_ROOTS = frozenset({*LOOKUPS, *LISTS, "__typename"})
KEY = "ror_key"  # the bound parameter of a planned lookup's key
FILTER_KEYS = {"departements", "regions", "communes", "age", "ferme"}


def _filter(value: dict | None) -> DirectoryFilter:
    """The service filter of a ``filter`` argument holding only the criteria compiled here."""
    value = {k: v for k, v in (value or {}).items() if v is not None}  # unset inputs come with null defaults
    if not set(value) <= FILTER_KEYS:
        raise Unsupported("filter criteria")

    def codes(name: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.strip() for s in value.get(name) or () if s.strip()))

    return DirectoryFilter(departements=codes("departements"), regions=codes("regions"), communes=codes("communes"),
                           age=value.get("age"), ferme=value.get("ferme"))


class RawJSON(str):
    """A JSON value as the database wrote it, to be copied into the response as it is."""


class Root:
    """One root field: its statement's rows, then its JSON value in the response."""

    def __init__(self, compiler: Compiler, field: Any, node: FieldNode, variables: Any, plan: tuple | None) -> None:
        self.compiler, self.field, self.node, self.plan = compiler, field, node, plan
        self.sql_dialect: Any = None
        self.raw = False  # JSON values as their text (``RawJSON``), for a caller that writes the bytes itself
        self.args = get_argument_values(field, node, variables)
        self.name = node.name.value

    async def value(self, context: Context) -> Any:
        if self.name in LOOKUPS:
            return await self.lookup(context)
        return await self.connection(context)

    async def lookup(self, context: Context) -> Any:
        """The object by its key; a planned lookup runs its statement's SQL text, compiled once per plan."""
        value = str(self.args[LOOKUPS[self.name][1]]).strip()
        if self.plan is None or not self.sql_dialect.positional:
            rows = await context.loaders.run(fetch, self._lookup(value))
            return self._json(rows[0][0]) if rows else None
        prepared = _PLANS.get(key := ("sql", self.sql_dialect.paramstyle, *self.plan))
        if prepared is None:
            statement = self._lookup(bindparam(KEY, ""), text=True)  # a value: expanding IN lists are rendered
            compiled = statement.compile(dialect=self.sql_dialect, compile_kwargs={"render_postcompile": True})
            prepared = _PLANS[key] = (str(compiled), compiled.positiontup, compiled.params)
        sql, names, fixed = prepared
        parameters = tuple(value if n == KEY else fixed[n] for n in names)
        rows = await fetch_text(context.driver, context.loaders, sql, parameters)
        return (RawJSON(rows[0][0]) if self.raw else json.loads(rows[0][0])) if rows else None

    def _lookup(self, value: Any, *, text: bool = False) -> Any:
        model, key = LOOKUPS[self.name]
        row = Row(model.__table__)
        where = [getattr(row, key) == value]
        if model is Unite:
            where.append(unite_visible(self.compiler.caller, row))
        node = self._node_json(get_named_type(self.field.type), self.node.selection_set, row)
        return select(cast(node, Text) if self.raw or text else node).where(*where)

    async def connection(self, context: Context) -> Any:
        model, orders, conditions = LISTS[self.name]
        caller, first = self.compiler.caller, self.args["first"]
        pages.check_page_size(first)
        order = orders(enum_value(self.args.get("orderBy", self.args.get("order_by"))))
        criteria = _filter(self.args.get("filter"))
        after = self.args.get("after")
        key = decode_cursor(after, order.value, datetime_key=order.value == "updated_at") if after else None
        column, nodes = getattr(model, order.value), self._connection_nodes()
        # A planned first page on PostgreSQL: its SQL text, compiled once per plan and arguments.
        text_key = (*self.plan, first, order.value, criteria) if (
            self.raw and self.plan and key is None and self.compiler.dialect.postgresql) else None
        if (prepared := _STATEMENTS.get(text_key)) is None:
            row = Row(model.__table__)
            node_json = self._node_json(nodes[0], nodes[1], row) if nodes else None
            node_json = cast(node_json, Text) if self.raw and node_json is not None else node_json
            statement = select(column, col(model.id), *([node_json] if node_json is not None else []))
            statement = statement.where(*conditions(criteria, caller))
            if key is not None:
                statement = statement.where(after_key(column, col(model.id), key))
            statement = statement.order_by(column, col(model.id)).limit(first + 1)
            if text_key is None:
                rows = await context.loaders.run(fetch, statement)
            else:
                prepared = _STATEMENTS[text_key] = prepare(statement, self.sql_dialect, _STATEMENTS, MAX_PLANS)
        if prepared is not None:
            rows = await fetch_text(context.driver, context.loaders, *prepared)
        return await self._assemble(context, rows[:first], len(rows) > first, key is not None, order.value,
                                    criteria)

    def _json(self, value: Any) -> Any:
        return RawJSON(value) if self.raw and value is not None else value

    def _node_json(self, gql_type: Any, selections: Any, row: Row) -> Any:
        """The node's JSON expression, built once per query text, root field and visibility of the caller.

        Building it (table aliases, visibility clauses) costs about 1 ms on a nested page, and
        SQLAlchemy's cache key of it about as much on every execution; it depends on nothing else
        (nested fields take no arguments), so it is kept as SQL text (``sql_text.frozen``).
        """
        if self.plan is None:
            return self.compiler.object(gql_type, selections, row)
        found = _PLANS.get(self.plan)
        if found is None:
            if len(_PLANS) >= MAX_PLANS:
                _PLANS.clear()
            try:
                found = frozen(self.compiler.object(gql_type, selections, row), row.alias, self.sql_dialect)
            except Unsupported as exc:
                found = exc
            _PLANS[self.plan] = found
        if isinstance(found, Unsupported):
            raise found
        return found

    def _connection_nodes(self) -> tuple[Any, Any] | None:
        """(node type, node selection) of ``nodes`` / ``edges { node }``; all of them must select the same."""
        connection = get_named_type(self.field.type)
        found: list[tuple[Any, Any]] = []
        for sub in _fields(self.node):
            if sub.name.value == "nodes":
                found.append((get_named_type(connection.fields["nodes"].type), sub.selection_set))
            elif sub.name.value == "edges":
                edge = get_named_type(connection.fields["edges"].type)
                found += [(get_named_type(edge.fields["node"].type), n.selection_set) for n in _fields(sub)
                          if n.name.value == "node"]
            elif sub.name.value not in ("pageInfo", "totalCount"):
                raise Unsupported("connection field")
        if len({repr(s) for _, s in found}) > 1:
            raise Unsupported("different node selections")
        return found[0] if found else None

    async def _assemble(self, context: Context, rows: list, has_next: bool, has_previous: bool, order: str,
                        criteria: DirectoryFilter) -> dict:
        nodes = [self._json(r[2]) if len(r) > 2 else None for r in rows]
        out: dict[str, Any] = {}
        for sub in _fields(self.node):
            key, name = (sub.alias or sub.name).value, sub.name.value
            if name == "nodes":
                out[key] = nodes
            elif name == "edges":
                edge = _fields(sub)
                with_cursor = any(e.name.value == "cursor" for e in edge)
                cursors = [encode_cursor(order, r[0], r[1]) if with_cursor else None for r in rows]
                out[key] = [{(e.alias or e.name).value: (n if e.name.value == "node" else c) for e in edge}
                            for n, c in zip(nodes, cursors, strict=True)]
            elif name == "pageInfo":
                ends = [encode_cursor(order, r[0], r[1]) for r in rows[:1] + rows[-1:]] if rows else [None, None]
                info = {"hasNextPage": has_next, "hasPreviousPage": has_previous,
                        "startCursor": ends[0], "endCursor": ends[-1]}
                out[key] = {(p.alias or p.name).value: info[p.name.value] for p in _fields(sub)}
            else:  # totalCount
                count = pages.etablissements_count if self.name == "etablissements" else pages.unites_count
                out[key] = await context.loaders.run(count, caller=self.compiler.caller, filter=criteria)
        return out


def _fields(node: Any, *, typename: bool = False) -> list[FieldNode]:
    """The plain fields selected under ``node`` (fragments, directives: ``Unsupported``); meta fields
    are ``Unsupported`` too, except ``__typename`` when ``typename`` (the root's, a constant)."""
    selections = node.selection_set.selections if node.selection_set else ()
    fields = [s for s in selections if isinstance(s, FieldNode) and not s.directives
              and (not s.name.value.startswith("__") or (typename and s.name.value == "__typename"))]
    keys = {(f.alias or f.name).value for f in fields}
    if len(fields) != len(selections) or len(keys) != len(fields):
        raise Unsupported("fragment, directive or merged field")
    return fields


async def compiled_data(context: Context, schema: Any, document: Any, operation_name: str | None,
                        variables: dict | None, *, raw: bool = False) -> dict | None:
    """The response ``data`` built by compiled statements, or ``None`` when this operation is not compiled.

    ``raw``: the objects built by the database stay JSON text (``RawJSON``), not parsed then re-encoded.
    """
    from graphql import get_operation_ast
    from graphql.execution.values import get_variable_values

    operation = get_operation_ast(document, operation_name)
    if not isinstance(operation, OperationDefinitionNode) or operation.operation is not OperationType.QUERY:
        return None
    if operation.directives:
        return None
    coerced = get_variable_values(schema, operation.variable_definitions or (), variables or {})
    if isinstance(coerced, list):  # errors: the executor reports them
        return None
    try:
        dialect = Dialect(postgresql=context.session.bind.dialect.name == "postgresql")  # type: ignore[union-attr]
        compiler, text = Compiler(context.caller, dialect), document.loc.source.body if document.loc else None
        caller = context.caller
        seen_as = (level_of(caller), sees_all_sensitive(caller), sensitive_scopes(caller))
        roots: list[tuple[str, Root | None]] = []
        for node in _fields(operation, typename=True):
            key = (node.alias or node.name).value
            if node.name.value == "__typename":  # the root type's name: nothing to read
                roots.append((key, None))
                continue
            if node.name.value not in LOOKUPS and node.name.value not in LISTS:
                return None
            plan = (text, operation_name, key, seen_as, dialect) if text is not None else None
            root = Root(compiler, schema.query_type.fields[node.name.value], node, coerced, plan)
            root.sql_dialect, root.raw = context.session.bind.dialect, raw  # type: ignore[union-attr]
            roots.append((key, root))
        return {key: schema.query_type.name if root is None else await root.value(context) for key, root in roots}
    except Unsupported as exc:
        log.debug("not compiled: %s", exc)
        return None
    except Exception:
        log.debug("compiled read fell back to the executor", exc_info=True)
        return None


class CompiledReads(SchemaExtension):
    """Answers compiled directory queries on PostgreSQL before the executor runs (see the module docstring)."""

    @staticmethod
    def applies_to(query: str | None, operation_name: str | None) -> bool:
        """Could answer this text: a query of compiled root fields, or one that does not parse here (the
        pipeline decides). For other texts the schema leaves this extension out (``schema.root.Schema``)."""
        operation = chosen_operation(query, operation_name)
        return operation is None or (operation.operation is OperationType.QUERY and roots_in(operation, COMPILED_ROOTS))

    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        context = ctx.context
        if ctx.result is None and isinstance(context, Context) and _compilable(context):
            data = await compiled_data(context, ctx.schema._schema, ctx.graphql_document, ctx.operation_name,
                                       ctx.variables)
            if data is not None:
                ctx.result = ExecutionResult(data=data, errors=None)
                _record_plan(ctx.schema, ctx.query, ctx.operation_name, ctx.graphql_document)
        yield


def _record_plan(schema: Any, query: str | None, operation_name: str | None, document: Any) -> None:
    """Remember that ``query`` passed every limit and validation and was answered by compiled statements.

    Only on a schema holding a plan store (the HTTP app's, ``api/plans.py``); ``MAX_PLANS`` at most.
    """
    plans = getattr(schema, PLANS_ATTRIBUTE, None)
    if plans is None or not isinstance(query, str) or (query, operation_name) in plans:
        return
    if len(plans) >= MAX_PLANS:
        plans.clear()
    plans[(query, operation_name)] = document


def _compilable(context: Context) -> bool:
    bind = context.session.bind
    return bind is not None and bind.dialect.name in ("postgresql", "sqlite")
