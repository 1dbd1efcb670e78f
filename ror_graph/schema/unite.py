"""``Unite``: an operational offer (FHIR HealthcareService) with its coded attributes, places and contacts.

Sensitive offers, and everything under them, reach only the callers the visibility policy allows
(regulation profile, support/admin, référents and directeurs of the structure): the loaders filter
them in SQL through ``services.policy.visibility``.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING, Annotated

import strawberry

from ror_graph.models import coded
from ror_graph.models.registry import Entity
from ror_graph.resolvers.context import Info
from ror_graph.schema.concept import ConceptType, concept_field
from ror_graph.schema.contact import ContactType
from ror_graph.schema.geo import CommuneType
from ror_graph.schema.lieu import LieuType
from ror_graph.schema.registry_fields import with_registry_fields

if TYPE_CHECKING:
    from ror_graph.schema.etablissement import EtablissementType

COMMUNE_DIVISION = "3"  # TRE_R201: the zone is a commune (COG code)


@strawberry.type(name="Horaire", description="An opening slot of an offer.")
class HoraireType:
    id: strawberry.ID = strawberry.field(description="Internal identifier of the slot.")
    jour: int = strawberry.field(description="ISO weekday: 1 = lundi … 7 = dimanche.")
    heure_debut: time = strawberry.field(description="Start time (local time).")
    heure_fin: time = strawberry.field(description="End time (local time).")
    type_code: str = strawberry.field(description="Kind of slot (TRE_R252 code; 02 = horaire de fonctionnement).")
    date_debut_effective: date | None = strawberry.field(description="First day the slot applies, if limited.")
    date_fin_effective: date | None = strawberry.field(description="Last day the slot applies, if limited.")


@strawberry.type(name="ZoneIntervention", description="A territorial division an offer serves at home.")
class ZoneInterventionType:
    type: ConceptType = concept_field(
        coded.DIVISION_TERRITORIALE, "type_code", "Kind of division (TRE_R201; 3 = commune)."
    )
    code: str = strawberry.field(description="Code of the division (COG code for a commune).")
    type_code: strawberry.Private[str]  # resolved from the model's column; exposed as `type`

    @strawberry.field(description="The commune, when the division is a commune.")
    async def commune(self, info: Info) -> CommuneType | None:
        if self.type_code != COMMUNE_DIVISION:
            return None
        return await info.context.loaders.commune_by_code.load(self.code)


@strawberry.type(name="Unite", description="An operational offer (unité opérationnelle) of an établissement.")
@with_registry_fields(Entity.unite)  # coded attributes (type d'offre, activités, publics…) from the registry
class UniteType:
    id: int = strawberry.field(graphql_type=strawberry.ID, description="Internal identifier of the offer.")
    identifiant: str | None = strawberry.field(description="National offer identifier `<INSEE region code>/<id>`.")
    nom: str = strawberry.field(description="Name of the offer.")
    age_min: int = strawberry.field(description="Youngest age accepted, in years, inclusive.")
    age_max: int = strawberry.field(description="Oldest age accepted, in years, inclusive.")
    unite_sensible: bool = strawberry.field(
        description="Sensitive offer: visible to the regulation profile, support and the structure's own accounts only."
    )
    soins_sans_consentement: bool | None = strawberry.field(description="Accepts care without consent (psychiatry).")
    secteur_psychiatrique: str | None = strawberry.field(description="Psychiatric sector served.")
    commentaire: str | None = strawberry.field(description="Free comment of the structure.")
    ferme: bool = strawberry.field(description="The offer is closed.")
    date_fermeture: date | None = strawberry.field(description="Closing date, if closed or closing.")
    date_reouverture_prevue: date | None = strawberry.field(
        description="Planned reopening date of a temporary closure."
    )
    version: int = strawberry.field(
        description="Row version, incremented by every accepted change (optimistic locking)."
    )
    created_at: datetime = strawberry.field(description="When the offer was created.")
    updated_at: datetime = strawberry.field(description="When the offer was last changed.")
    etablissement_id: strawberry.Private[int]

    @strawberry.field(description="The établissement offering it.")
    async def etablissement(
        self, info: Info
    ) -> Annotated[EtablissementType, strawberry.lazy("ror_graph.schema.etablissement")]:
        return await info.context.loaders.etablissement_by_id.load(self.etablissement_id)

    @strawberry.field(description="Opening slots, by weekday then start time.")
    async def horaires(self, info: Info) -> list[HoraireType]:
        return await info.context.loaders.horaires_by_unite.load(self.id)

    @strawberry.field(description="Territorial divisions served at home (mobile teams, home care).")
    async def zones_intervention(self, info: Info) -> list[ZoneInterventionType]:
        return await info.context.loaders.zones_by_unite.load(self.id)

    @strawberry.field(description="Places where the offer is delivered (visible with the offer).")
    async def lieux(self, info: Info) -> list[LieuType]:
        return await info.context.loaders.lieux_by_unite.load(self.id)

    @strawberry.field(description="Contacts of the offer visible to the caller.")
    async def contacts(self, info: Info) -> list[ContactType]:
        return await info.context.loaders.contacts_by_unite.load(self.id)
