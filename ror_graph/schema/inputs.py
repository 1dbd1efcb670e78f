"""Leaf GraphQL inputs and enums of the read API: list filters and orderings (import nothing from resolvers)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from ror_graph.models import registry
from ror_graph.models.registry import Attribute, Entity
from ror_graph.schema.derive import place

# Filters the directory runs in SQL: the registry's filters on the EG's and the offer's own values.
DIRECTORY_FILTERS = {**registry.sql_filters(Entity.eg), **registry.sql_filters(Entity.unite)}


def code_filter_field(attribute: Attribute) -> tuple[object, object]:
    """(annotation, field) of the "any of these codes" list filter of a registry attribute."""
    return list[str] | None, strawberry.field(default=None, description=attribute.filter_description)


@strawberry.enum(name="EtablissementOrder", description="Orderings of the établissement list (ascending; ties by id).")
class EtablissementOrderEnum(Enum):
    FINESS = strawberry.enum_value("finess", description="By FINESS ET number.")
    RAISON_SOCIALE = strawberry.enum_value("raison_sociale", description="By FINESS name.")
    UPDATED_AT = strawberry.enum_value("updated_at", description="Least recently changed first (for incremental sync).")


@strawberry.enum(name="UniteOrder", description="Orderings of the offer list (ascending; ties by id).")
class UniteOrderEnum(Enum):
    ID = strawberry.enum_value("id", description="By internal identifier (creation order).")
    NOM = strawberry.enum_value("nom", description="By offer name.")
    UPDATED_AT = strawberry.enum_value("updated_at", description="Least recently changed first (for incremental sync).")


@strawberry.input(
    name="DirectoryFilter",
    description=(
        "Criteria of the établissement and offer lists; all given criteria must hold, a list means 'any of'. "
        "Offer criteria on the établissement list select établissements with at least one visible offer "
        "matching all of them; location and catégorie criteria on the offer list apply to the offer's établissement."
    ),
)
@lambda cls: place(cls, [(name, None, code_filter_field(group[0])) for name, group in DIRECTORY_FILTERS.items()],
                   first_after="communes")  # catégories, types d'offre, activités, publics… from the registry
class DirectoryFilterInput:
    departements: list[str] | None = strawberry.field(
        default=None, description="INSEE département codes of the établissement."
    )
    regions: list[str] | None = strawberry.field(default=None, description="INSEE région codes of the établissement.")
    communes: list[str] | None = strawberry.field(
        default=None, description="INSEE COG commune codes of the établissement's address."
    )
    age: int | None = strawberry.field(
        default=None, description="An age in years that the offer's age range contains (0..120)."
    )
    ferme: bool | None = strawberry.field(
        default=None, description="true: only closed items, false: only open items (the listed établissement or offer)."
    )
    updated_since: datetime | None = strawberry.field(
        default=None, description="Only items (the listed établissement or offer) changed at or after this instant."
    )
