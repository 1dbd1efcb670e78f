"""One registry of the ROR attributes of EJ / EG / unité / lieu, and the views every channel derives.

Channels (GraphQL types and filters, directory SQL filters, search documents, settings, facets and
exports, completeness, admin labels, write-side code bindings) call these functions instead of
keeping their own maps. Every function takes the attributes as an argument (default: the whole
registry) so a test can run a channel on a throwaway entry. Plain data, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ror_graph.models.registry.etablissement import EG_ATTRIBUTES, EJ_ATTRIBUTES
from ror_graph.models.registry.lieu import LIEU_ATTRIBUTES
from ror_graph.models.registry.spec import PUBLIC, Attribute, Entity, Owner, Storage
from ror_graph.models.registry.unite import UNITE_ATTRIBUTES

ATTRIBUTES: tuple[Attribute, ...] = (*EJ_ATTRIBUTES, *EG_ATTRIBUTES, *UNITE_ATTRIBUTES, *LIEU_ATTRIBUTES)
SQL_FILTER_STORAGES = (Storage.column, Storage.unite_code, Storage.etablissement_code)

__all__ = [
    "ATTRIBUTES", "PUBLIC", "Attribute", "Entity", "MultiCoded", "Owner", "Storage", "admin_labels", "attribute",
    "check", "coded_columns", "completeness_items", "documents", "exports", "facets", "filters", "graphql_fields",
    "of", "sql_filters", "system_labels", "unite_code_systems", "unite_multi_coded",
]


def check(attrs: Iterable[Attribute] = ATTRIBUTES) -> tuple[Attribute, ...]:
    """The attributes, after checking the rules every channel relies on (raises ``ValueError``)."""
    attrs = tuple(attrs)
    seen: set[tuple[Entity, str]] = set()
    for a in attrs:
        if (a.entity, a.key) in seen:
            raise ValueError(f"{a.entity.value}.{a.key} declared twice")
        seen.add((a.entity, a.key))
        if a.storage is not Storage.column and not (a.coded and a.column):
            raise ValueError(f"{a.key}: code rows and child tables need a system and a column")
        public_channel = a.facet or a.document or a.export
        if public_channel and a.confidentiality > PUBLIC:
            raise ValueError(f"{a.key}: level-{a.confidentiality} data must not reach search, filters or exports")
        if a.facet and not (a.filter_field and a.document and a.coded):
            raise ValueError(f"{a.key}: a facet needs a coded value, a filter field and a document field")
        if a.export and not a.document:
            raise ValueError(f"{a.key}: an export column reads the search document field")
        if a.document and a.storage is Storage.etablissement_code:
            raise ValueError(f"{a.key}: search documents do not carry établissement code rows yet")
        countable = (a.entity is Entity.unite and a.storage in (Storage.column, Storage.unite_code)) or (
            a.entity is Entity.eg and a.storage is Storage.column)
        if a.completeness and not countable:
            raise ValueError(f"{a.key}: completeness counts offer attributes and EG columns only")
        if a.graphql and not a.description.endswith("."):
            raise ValueError(f"{a.key}: GraphQL fields need a description ending with a dot")
    return attrs


def of(entity: Entity, attrs: Iterable[Attribute] = ATTRIBUTES) -> list[Attribute]:
    return [a for a in attrs if a.entity is entity]


def attribute(entity: Entity, key: str, attrs: Iterable[Attribute] = ATTRIBUTES) -> Attribute:
    """The entry ``key`` of ``entity``: a write path reads the nomenclature (and label) of its values here."""
    found = [a for a in of(entity, attrs) if a.key == key]
    if len(found) != 1:
        raise KeyError(f"{entity.value}.{key}")
    return found[0]


def system_labels(attrs: Iterable[Attribute] = ATTRIBUTES) -> dict[str, str]:
    """Nomenclature → the French label of the attribute it codes, when every attribute bound to it says the same.

    Error messages of a code check name the attribute with it (``Accessibilité : le code « 9 »…``); a
    system shared by attributes of different labels (TRE_R210: actes spécifiques / hors cabinet) is left
    out, and its callers name the attribute themselves.
    """
    labels: dict[str, set[str]] = {}
    for a in attrs:
        if a.system:
            labels.setdefault(a.system, set()).add(a.label)
    return {system: next(iter(names)) for system, names in labels.items() if len(names) == 1}


def graphql_fields(entity: Entity, attrs: Iterable[Attribute] = ATTRIBUTES) -> list[Attribute]:
    """Attributes whose GraphQL output field is derived (coded values and confidential scalars)."""
    return [a for a in of(entity, attrs) if a.graphql]


def facets(attrs: Iterable[Attribute] = ATTRIBUTES) -> dict[str, list[Attribute]]:
    """Facet (= search filter) name → the attributes it covers, in registry order."""
    result: dict[str, list[Attribute]] = {}
    for a in attrs:
        if a.facet:
            result.setdefault(a.facet, []).append(a)
    return result


def filters(attrs: Iterable[Attribute] = ATTRIBUTES) -> dict[str, list[Attribute]]:
    """GraphQL filter list name (``publics``) → the attributes it covers."""
    return {group[0].filter_field: group for group in facets(attrs).values()}  # type: ignore[misc]


def sql_filters(entity: Entity, attrs: Iterable[Attribute] = ATTRIBUTES) -> dict[str, list[Attribute]]:
    """The filters the directory can run in SQL on ``entity`` (own columns and code rows)."""
    return {name: group for name, group in filters(attrs).items()
            if group[0].entity is entity and group[0].storage in SQL_FILTER_STORAGES}


def documents(attrs: Iterable[Attribute] = ATTRIBUTES) -> dict[str, list[Attribute]]:
    """Search document key → the attributes whose codes it holds (public attributes only)."""
    result: dict[str, list[Attribute]] = {}
    for a in attrs:
        if a.document:
            result.setdefault(a.document, []).append(a)
    return result


def exports(attrs: Iterable[Attribute] = ATTRIBUTES) -> dict[str, list[Attribute]]:
    """Export column header → the attributes whose labels it lists."""
    result: dict[str, list[Attribute]] = {}
    for a in attrs:
        if a.export:
            result.setdefault(a.export, []).append(a)
    return result


def completeness_items(entity: Entity, attrs: Iterable[Attribute] = ATTRIBUTES) -> list[Attribute]:
    return [a for a in of(entity, attrs) if a.completeness > 0]


def coded_columns(attrs: Iterable[Attribute] = ATTRIBUTES) -> dict[tuple[str, str], str]:
    """(table, column) → system of every single-valued coded column."""
    return {(a.table, a.column): a.system for a in attrs
            if a.system is not None and a.storage is Storage.column and a.column}


def declared_coded_columns(entity: Entity, attrs: Iterable[Attribute] = ATTRIBUTES) -> list[Attribute]:
    """Single-valued coded columns the entity's référents write (not FINESS-owned, not set by closure)."""
    return [a for a in of(entity, attrs) if a.coded and a.storage is Storage.column and a.column
            and a.owner is Owner.declared and not a.column.startswith("type_fermeture")]


def unite_code_systems(attrs: Iterable[Attribute] = ATTRIBUTES) -> dict[str, str]:
    """``UniteCode.attribute`` → system."""
    return {a.column: a.system for a in attrs if a.storage is Storage.unite_code}  # type: ignore[misc]


def admin_labels(entity: Entity, attrs: Iterable[Attribute] = ATTRIBUTES) -> dict[str, str]:
    """Column → French label of the entity's columns (what support teams read in the back office)."""
    return {a.column or a.key: a.label for a in of(entity, attrs) if a.storage is Storage.column}


@dataclass(frozen=True)
class MultiCoded:
    """What the offer write side needs of a multi-valued coded attribute."""

    input_name: str  # mutation input / write-service key, e.g. ``publics``
    attribute: str  # ``UniteCode.attribute``
    system: str
    required: bool
    description: str


def unite_multi_coded(attrs: Iterable[Attribute] = ATTRIBUTES) -> list[MultiCoded]:
    """The offer's multi-valued coded attributes (stored as ``UniteCode`` rows), in registry order."""
    return [MultiCoded(a.key, a.column, a.system, a.required, a.description)  # type: ignore[arg-type]
            for a in attrs if a.storage is Storage.unite_code]


check()
