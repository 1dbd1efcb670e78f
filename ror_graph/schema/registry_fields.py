"""GraphQL fields derived from the attribute registry, placed where the hand-written type wants them.

``with_registry_fields(entity)`` decorates a class *before* ``strawberry.type``: it adds one field
per registry attribute with ``graphql=True`` (a ``Concept``, a list of them, or a scalar), right
after the field named by the entry's ``graphql_after`` (else after the previous derived field), so
the printed schema keeps its order. A value above the caller's confidentiality level reads null.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import strawberry

from ror_graph.models import registry
from ror_graph.models.registry import PUBLIC, Attribute, Entity, Storage
from ror_graph.resolvers.context import Info
from ror_graph.schema.concept import ConceptType, concepts_of
from ror_graph.schema.derive import place


def _visible(info: Info, attribute: Attribute) -> bool:
    return info.context.caller.level >= attribute.confidentiality


def _column_field(a: Attribute) -> tuple[Any, Any]:
    column = a.column or a.key

    def resolve(root, info: Info):
        if not _visible(info, a):
            return None
        value = getattr(root, column)
        return info.context.labels.concept(a.system, value) if a.system is not None else value

    kind = ConceptType if a.coded else a.value_type
    assert kind is not None, f"{a.key}: a scalar GraphQL field needs a value_type"
    return (kind if a.required and a.confidentiality == PUBLIC else kind | None), resolve


def _rows_field(a: Attribute) -> tuple[Any, Any]:
    async def resolve(root, info: Info):
        loaders = info.context.loaders
        loader = loaders.codes_by_unite if a.storage is Storage.unite_code else loaders.codes_by_etablissement
        concepts = concepts_of(info, await loader.load(root.id), attribute=a.column) if _visible(info, a) else []
        return concepts if a.multiple else next(iter(concepts), None)

    return (list[ConceptType] if a.multiple else ConceptType | None), resolve


def registry_field(a: Attribute) -> tuple[Any, Any]:
    """(annotation, strawberry field) of one attribute."""
    annotation, resolve = _column_field(a) if a.storage is Storage.column else _rows_field(a)
    resolve.__annotations__["return"] = annotation
    return annotation, strawberry.field(resolver=resolve, description=a.description)


def with_registry_fields(entity: Entity, attrs: Iterable[Attribute] = registry.ATTRIBUTES) -> Callable[[type], type]:
    """Class decorator adding the registry's GraphQL fields of ``entity``."""

    def decorate(cls: type) -> type:
        specs = registry.graphql_fields(entity, attrs)
        return place(cls, [(a.key, a.graphql_after, registry_field(a)) for a in specs])

    return decorate
