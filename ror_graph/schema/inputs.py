"""Leaf GraphQL inputs and enums of the read API: list filters and orderings (import nothing from resolvers)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry


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
class DirectoryFilterInput:
    departements: list[str] | None = strawberry.field(
        default=None, description="INSEE département codes of the établissement."
    )
    regions: list[str] | None = strawberry.field(default=None, description="INSEE région codes of the établissement.")
    communes: list[str] | None = strawberry.field(
        default=None, description="INSEE COG commune codes of the établissement's address."
    )
    categories: list[str] | None = strawberry.field(
        default=None, description="Catégories d'établissement (JDV_J55 codes)."
    )
    champs_activite: list[str] | None = strawberry.field(
        default=None, description="Champs d'activité of the offer (TRE_R227 codes)."
    )
    types_offre: list[str] | None = strawberry.field(default=None, description="Types of offer (JDV_J238 codes).")
    activites: list[str] | None = strawberry.field(
        default=None, description="Activités opérationnelles of the offer (TRE_R211 codes)."
    )
    modes_prise_en_charge: list[str] | None = strawberry.field(
        default=None, description="Modes de prise en charge of the offer (TRE_R213 codes)."
    )
    publics: list[str] | None = strawberry.field(
        default=None, description="Publics pris en charge by the offer (TRE_R239 codes)."
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
