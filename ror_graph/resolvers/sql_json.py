"""A GraphQL selection compiled into one SQL expression that builds its JSON (PostgreSQL and SQLite).

What PostGraphile and Hasura do: the database walks the graph and writes the response, so a nested
page costs one statement instead of one per level, and Python touches one JSON document instead of
thousands of field resolvers. Only what the normal resolvers would answer identically is compiled:

* fields read straight from a column (``String``, ``Int``, ``Boolean``, ``ID``);
* coded values (``Concept``: code, label from the nomenclature table, system), registry fields
  (a value above the caller's confidentiality level reads null / empty, as in ``registry_fields``);
* the address object, and the child lists below, each filtered by the same clauses of the
  visibility policy as the DataLoaders' batches (``services.directory.batch``), in the same order.

Anything else (fragments, directives, ``__typename``, dates, floats, other resolvers) raises
``Unsupported``: the request then runs through the normal executor, so coverage can only grow.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import FieldNode, GraphQLObjectType, get_named_type
from sqlalchemy import JSON, Text, case, cast, func, literal_column, null, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql import ColumnElement
from sqlmodel import col

from ror_graph.models import (
    Capacite,
    Contact,
    EtablissementCode,
    Horaire,
    Lieu,
    Nomenclature,
    Telecom,
    Unite,
    UniteCode,
    UniteLieu,
)
from ror_graph.models.registry import Storage
from ror_graph.services.accounts.auth import Caller
from ror_graph.services.policy.visibility import level_clause, lieu_visible, under_visible_unite, unite_visible

MAX_PAIRS = 50  # json_build_object takes at most 100 arguments
SCALARS = {"String", "Int", "Boolean"}


@dataclass(frozen=True)
class Dialect:
    """PostgreSQL's JSON functions, or SQLite's (JSON1: a JSON value read from a subquery, a CASE or a
    0/1 boolean column is plain text or a number, so it goes through ``json()``; a subquery ordered
    then aggregated keeps its order, SQLite never flattens it into an aggregate)."""

    postgresql: bool

    def object(self, pairs: list) -> ColumnElement:
        return (func.json_build_object if self.postgresql else func.json_object)(*pairs, type_=JSON)

    def json(self, value: ColumnElement) -> ColumnElement:
        return value if self.postgresql else func.json(value)

    def empty(self) -> ColumnElement:
        return literal_column("'[]'::json") if self.postgresql else func.json(literal_column("'[]'"))

    def array(self, element: ColumnElement, order: list, source: Any, where: list) -> ColumnElement:
        if self.postgresql:
            found = select(func.json_agg(aggregate_order_by(element, *order))).select_from(source).where(*where)
            return func.coalesce(found.scalar_subquery(), self.empty())
        # A derived table is not auto-correlated: name the outer rows it refers to by excluding its own.
        rows = (select(element.label("v")).select_from(source).where(*where).order_by(*order)
                .correlate_except(source).subquery())
        return func.json(select(func.json_group_array(func.json(rows.c.v))).select_from(rows).scalar_subquery())

    def first(self, element: ColumnElement, order: list, source: Any, where: list) -> ColumnElement:
        return self.json(select(element).select_from(source).where(*where).order_by(*order).limit(1).scalar_subquery())

    def boolean(self, column: Any) -> ColumnElement:
        if self.postgresql:
            return column
        return func.json(case((column.is_(None), null()), (column == 1, literal_column("'true'")),
                              else_=literal_column("'false'")))


class Unsupported(Exception):
    """The selection holds something only the normal executor answers."""


class Row:
    """Attribute access to the columns of a table alias, as the visibility clause builders expect."""

    def __init__(self, alias: Any) -> None:
        self.alias = alias
        self.__dict__.update({c.key: c for c in alias.c})

    def __getattr__(self, name: str) -> Any:  # only reached for a column the table does not have
        raise AttributeError(name)


@dataclass
class Compiler:
    """Compiles selections for one caller; each child list gets a table alias of its own."""

    caller: Caller
    dialect: Dialect
    count: int = 0

    def alias(self, model: Any) -> Row:
        self.count += 1
        return Row(model.__table__.alias(f"j{self.count}_{model.__tablename__}"))

    def object(self, gql_type: Any, selections: Any, row: Row) -> ColumnElement:
        """``json_build_object`` of the selected fields of ``row`` (a ``gql_type`` object)."""
        if not isinstance(gql_type, GraphQLObjectType) or selections is None:
            raise Unsupported("not an object selection")
        pairs: list[Any] = []
        seen: set[str] = set()
        for node in selections.selections:
            if not isinstance(node, FieldNode) or node.directives or node.name.value not in gql_type.fields:
                raise Unsupported("fragment, directive or meta field")
            key = (node.alias or node.name).value
            if key in seen or len(seen) >= MAX_PAIRS:
                raise Unsupported("merged or too many fields")
            seen.add(key)
            pairs += [literal_column(f"'{key}'"), self.field(gql_type, node, row)]
        return self.dialect.object(pairs)

    def field(self, parent: GraphQLObjectType, node: FieldNode, row: Row) -> ColumnElement:
        definition = parent.fields[node.name.value]
        strawberry_field = definition.extensions.get("strawberry-definition")
        if strawberry_field is None or node.arguments:
            raise Unsupported("field without definition, or with arguments")
        named = get_named_type(definition.type)
        resolver = strawberry_field.base_resolver
        if resolver is None:
            column = getattr(row, strawberry_field.python_name, None)
            if column is None or node.selection_set is not None or named.name not in {*SCALARS, "ID"}:
                raise Unsupported(f"{parent.name}.{node.name.value}")
            if named.name == "Boolean":
                return self.dialect.boolean(column)
            return cast(column, Text) if named.name == "ID" else column
        kind, values = _resolver_kind(resolver.wrapped_func)
        relation = RELATIONS.get((parent.name, node.name.value))
        if relation is not None:
            return self.children(named, node, *relation(self.caller, row, self.alias))
        builder = FIELD_KINDS.get(kind)
        if builder is None:
            raise Unsupported(f"{parent.name}.{node.name.value}")
        return builder(self, named, node, row, values)

    def children(self, named: Any, node: FieldNode, child: Row, where: list, order: list) -> ColumnElement:
        """The JSON array of the visible child rows, in the loaders' order (``[]`` when none)."""
        return self.dialect.array(self.object(named, node.selection_set, child), order, child.alias, where)

    def concept(self, node: FieldNode, system: Any, code: ColumnElement) -> ColumnElement:
        """A ``Concept`` object of ``code`` in ``system`` (null when the code is null)."""
        if node.selection_set is None:
            raise Unsupported("concept without selection")
        label = (select(col(Nomenclature.label)).where(col(Nomenclature.system) == system,
                                                      col(Nomenclature.code) == code).limit(1).scalar_subquery())
        parts = {"code": code, "label": label, "system": system}
        pairs: list[Any] = []
        for sub in node.selection_set.selections:
            if not isinstance(sub, FieldNode) or sub.directives or sub.name.value not in parts:
                raise Unsupported("concept selection")
            pairs += [literal_column(f"'{(sub.alias or sub.name).value}'"), parts[sub.name.value]]
        return self.dialect.json(case((code.is_(None), null()), else_=self.dialect.object(pairs)))


def _text(value: str) -> ColumnElement:
    return literal_column("'" + value.replace("'", "''") + "'")


_KINDS: dict[Callable, tuple[str, dict]] = {}


def _resolver_kind(fn: Callable) -> tuple[str, dict]:
    """Which field helper made this resolver (``concept_field``, ``_rows_field``…) and its closure values."""
    if fn not in _KINDS:
        _KINDS[fn] = (fn.__qualname__.split(".<locals>", 1)[0], dict(inspect.getclosurevars(fn).nonlocals))
    return _KINDS[fn]


def _concept_field(c: Compiler, named: Any, node: FieldNode, row: Row, values: dict) -> ColumnElement:
    return c.concept(node, _text(values["system"]), getattr(row, values["column"]))


def _level_field(c: Compiler, named: Any, node: FieldNode, row: Row, values: dict) -> ColumnElement:
    return c.concept(node, _text(values["system"]), cast(getattr(row, values["column"]), Text))


def _address_field(c: Compiler, named: Any, node: FieldNode, row: Row, values: dict) -> ColumnElement:
    return c.object(named, node.selection_set, row)


def _registry_column(c: Compiler, named: Any, node: FieldNode, row: Row, values: dict) -> ColumnElement:
    a = values["a"]
    if c.caller.level < a.confidentiality:
        return null()
    value = getattr(row, a.column or a.key)
    if a.system is not None:
        return c.concept(node, _text(a.system), value)
    if named.name not in SCALARS or node.selection_set is not None:
        raise Unsupported(a.key)
    return c.dialect.boolean(value) if named.name == "Boolean" else value


def _registry_rows(c: Compiler, named: Any, node: FieldNode, row: Row, values: dict) -> ColumnElement:
    """Code rows of the attribute (unite_code / etablissement_code), ordered by code like the loaders."""
    a = values["a"]
    if c.caller.level < a.confidentiality:
        return c.dialect.empty() if a.multiple else null()
    on_unite = a.storage is Storage.unite_code
    codes = c.alias(UniteCode if on_unite else EtablissementCode)
    owner = codes.unite_id if on_unite else codes.etablissement_id
    where = [owner == row.id, codes.attribute == a.column]
    if on_unite:
        where.append(under_visible_unite(c.caller, codes.unite_id))
    element = c.concept(node, codes.system, codes.code)
    build = c.dialect.array if a.multiple else c.dialect.first
    return build(element, [codes.code, codes.id], codes.alias, where)


FIELD_KINDS: dict[str, Callable[..., ColumnElement]] = {
    "concept_field": _concept_field,
    "level_concept_field": _level_field,
    "adresse_field": _address_field,
    "_column_field": _registry_column,
    "_rows_field": _registry_rows,
}
"""Field helpers of the schema whose value the compiler reproduces (by the helper's name)."""


# --- child lists: the loaders' filters (services.directory.batch) and orders ------------------------

Relation = Callable[[Caller, Row, Callable[[Any], Row]], tuple[Row, list, list]]


def _eg_unites(caller: Caller, eg: Row, alias: Callable[[Any], Row]) -> tuple[Row, list, list]:
    u = alias(Unite)
    return u, [u.etablissement_id == eg.id, unite_visible(caller, u)], [u.nom, u.id]


def _eg_lieux(caller: Caller, eg: Row, alias: Callable[[Any], Row]) -> tuple[Row, list, list]:
    lieu = alias(Lieu)
    return lieu, [lieu.etablissement_id == eg.id, lieu_visible(caller, lieu.id)], [lieu.id]


def _eg_contacts(caller: Caller, eg: Row, alias: Callable[[Any], Row]) -> tuple[Row, list, list]:
    c = alias(Contact)
    where = [c.etablissement_id == eg.id, c.unite_id.is_(None), level_clause(caller, c.confidentialite)]
    return c, where, [c.id]


def _unite_lieux(caller: Caller, unite: Row, alias: Callable[[Any], Row]) -> tuple[Row, list, list]:
    link, lieu = alias(UniteLieu), alias(Lieu)
    joined = Row(lieu.alias.join(link.alias, link.lieu_id == lieu.id))
    joined.__dict__.update({c.key: c for c in lieu.alias.c})
    return joined, [link.unite_id == unite.id, under_visible_unite(caller, link.unite_id)], [lieu.id]


def _unite_contacts(caller: Caller, unite: Row, alias: Callable[[Any], Row]) -> tuple[Row, list, list]:
    c = alias(Contact)
    where = [c.unite_id == unite.id, level_clause(caller, c.confidentialite), under_visible_unite(caller, c.unite_id)]
    return c, where, [c.id]


def _unite_horaires(caller: Caller, unite: Row, alias: Callable[[Any], Row]) -> tuple[Row, list, list]:
    h = alias(Horaire)
    return h, [h.unite_id == unite.id, under_visible_unite(caller, h.unite_id)], [h.jour, h.heure_debut, h.id]


def _contact_telecoms(caller: Caller, contact: Row, alias: Callable[[Any], Row]) -> tuple[Row, list, list]:
    t = alias(Telecom)
    where = [t.contact_id == contact.id, level_clause(caller, contact.confidentialite, t.confidentialite),
             contact.unite_id.is_(None) | under_visible_unite(caller, contact.unite_id)]
    return t, where, [t.id]


def _lieu_capacites(caller: Caller, lieu: Row, alias: Callable[[Any], Row]) -> tuple[Row, list, list]:
    k = alias(Capacite)
    return k, [k.lieu_id == lieu.id, lieu_visible(caller, k.lieu_id)], [k.nature_code, k.statut_code, k.id]


RELATIONS: dict[tuple[str, str], Relation] = {
    ("Etablissement", "unites"): _eg_unites,
    ("Etablissement", "lieux"): _eg_lieux,
    ("Etablissement", "contacts"): _eg_contacts,
    ("Unite", "lieux"): _unite_lieux,
    ("Unite", "contacts"): _unite_contacts,
    ("Unite", "horaires"): _unite_horaires,
    ("Contact", "telecoms"): _contact_telecoms,
    ("Lieu", "capacites"): _lieu_capacites,
}
"""(GraphQL type, field) → the child rows the field's loader returns, with the same filters and order."""
