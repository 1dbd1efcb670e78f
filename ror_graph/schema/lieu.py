"""``Lieu`` (place where offers are delivered) and what is measured on it: capacities, equipment, housing."""

from __future__ import annotations

from datetime import datetime

import strawberry

from ror_graph.models import coded
from ror_graph.resolvers.context import Info
from ror_graph.schema.concept import ConceptType, concept_field
from ror_graph.schema.geo import AdresseType, adresse_field


@strawberry.type(name="Capacite", description="One time-stamped capacity measure of a lieu.")
class CapaciteType:
    id: strawberry.ID = strawberry.field(description="Internal identifier of the measure.")
    nature: ConceptType = concept_field(
        coded.NATURE_CAPACITE, "nature_code", "What is counted (TRE_R329: places, lits...)."
    )
    statut: ConceptType = concept_field(
        coded.STATUT_CAPACITE, "statut_code", "Status of the count (TRE_R330: installée, disponible...)."
    )
    temporalite: ConceptType = concept_field(
        coded.TEMPORALITE_CAPACITE, "temporalite_code", "Temporality (TRE_R331: permanent, temporaire...)."
    )
    genre: ConceptType | None = concept_field(
        coded.GENRE_CAPACITE, "genre_code", "Gender the places are reserved to (TRE_R332), if any."
    )
    affectation: ConceptType = concept_field(coded.AFFECTATION, "affectation_code", "Temporary assignment (TRE_R337).")
    type_fermeture: ConceptType | None = concept_field(
        coded.FERMETURE_CAPACITE, "type_fermeture_code", "Kind of closure of the places (TRE_R333), if closed."
    )
    type_lit: ConceptType | None = concept_field(
        coded.LIT_SUPPLEMENTAIRE, "type_lit_code", "Kind of extra bed (TRE_R334), if any."
    )
    source: ConceptType = concept_field(coded.SOURCE_CAPACITE, "source_code", "Where the figure comes from (TRE_R335).")
    nombre: int = strawberry.field(description="The count.")
    updated_at: datetime = strawberry.field(description="When the count was last updated.")


@strawberry.type(name="EquipementLimite", description="A limit the most tolerant device of an equipment type can bear.")
class EquipementLimiteType:
    caracteristique_code: str = strawberry.field(description="Characteristic (TRE_R340 code, e.g. maximum weight).")
    valeur: float = strawberry.field(description="Value of the limit.")
    unite: str = strawberry.field(description="UCUM unit of the value (kg, cm...).")


@strawberry.type(name="Equipement", description="A specific (discriminating) equipment available on a lieu.")
class EquipementType:
    id: int = strawberry.field(graphql_type=strawberry.ID, description="Internal identifier of the equipment.")
    type: ConceptType = concept_field(coded.EQUIPEMENT, "type_code", "Type of equipment (TRE_R212).")
    nombre_en_service: int | None = strawberry.field(description="Number of devices in service.")

    @strawberry.field(description="Limits of the most tolerant device of this type.")
    async def limites(self, info: Info) -> list[EquipementLimiteType]:
        return await info.context.loaders.limites_by_equipement.load(self.id)


@strawberry.type(name="Habitation", description="Residential capacity of a lieu by type of housing.")
class HabitationType:
    id: strawberry.ID = strawberry.field(description="Internal identifier.")
    type: ConceptType = concept_field(
        coded.HABITATION, "type_code", "Type of housing (TRE_R242: chambre simple, F1...)."
    )
    nombre: int | None = strawberry.field(description="Number of such housings.")


@strawberry.type(
    name="Lieu", description="A place where offers are delivered (FHIR Location), belonging to an établissement."
)
class LieuType:
    id: int = strawberry.field(graphql_type=strawberry.ID, description="Internal identifier of the lieu.")
    nom: str | None = strawberry.field(description="Name of the place.")
    description: str | None = strawberry.field(description="Free description (access, building...).")
    fonction: ConceptType | None = concept_field(
        coded.FONCTION_LIEU, "fonction_code", "Function of the place (TRE_R343)."
    )
    statut: ConceptType = concept_field(
        coded.STATUT_LIEU, "statut_code", "Operational status (TRE_R203; 3 = opérationnel)."
    )
    adresse: AdresseType = adresse_field("Postal address of the place.")
    latitude: float | None = strawberry.field(description="Latitude (WGS84).")
    longitude: float | None = strawberry.field(description="Longitude (WGS84).")
    version: int = strawberry.field(
        description="Row version, incremented by every accepted change (optimistic locking)."
    )
    updated_at: datetime = strawberry.field(description="When the place was last changed.")

    @strawberry.field(description="Capacity measures of the place.")
    async def capacites(self, info: Info) -> list[CapaciteType]:
        return await info.context.loaders.capacites_by_lieu.load(self.id)

    @strawberry.field(description="Specific equipment available on the place.")
    async def equipements(self, info: Info) -> list[EquipementType]:
        return await info.context.loaders.equipements_by_lieu.load(self.id)

    @strawberry.field(description="Housing capacity of the place by type.")
    async def habitations(self, info: Info) -> list[HabitationType]:
        return await info.context.loaders.habitations_by_lieu.load(self.id)
