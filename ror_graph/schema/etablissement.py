"""``Etablissement`` (EG): FINESS identity (locked), declared description, offers, places, contacts, tariffs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from ror_graph.models import Etablissement, coded
from ror_graph.models.registry import Entity
from ror_graph.resolvers.context import Info
from ror_graph.schema.concept import ConceptType, concept_field
from ror_graph.schema.contact import ContactType
from ror_graph.schema.finess import champs_finess
from ror_graph.schema.geo import AdresseType, adresse_field
from ror_graph.schema.lieu import LieuType
from ror_graph.schema.registry_fields import with_registry_fields
from ror_graph.schema.unite import UniteType

if TYPE_CHECKING:
    from ror_graph.schema.campagne import CampagneEtablissementType
    from ror_graph.schema.entite_juridique import EntiteJuridiqueType

CHAMPS_FINESS_EG = champs_finess(Etablissement)
VERSION_DESCRIPTION = "Row version, incremented by every accepted change (optimistic locking)."


@strawberry.type(name="Tarif", description="A declared tariff of an établissement (forfait socle, dépendance...).")
class TarifType:
    id: strawberry.ID = strawberry.field(description="Internal identifier of the tariff.")
    type: ConceptType = concept_field(coded.TYPE_TARIF, "type_code", "Type of tariff (TRE_R246).")
    montant: Decimal = strawberry.field(description="Amount in euros.")
    unite_prix: str | None = strawberry.field(description="Price unit (TRE_R228 code: per day, per hour...).")
    date_debut: date | None = strawberry.field(description="Date the tariff applies from.")
    moins_de_60_ans: bool = strawberry.field(description="Tariff for residents under 60.")
    type_habitation: ConceptType | None = concept_field(
        coded.HABITATION, "type_habitation_code", "Housing type it applies to (TRE_R242)."
    )
    temporalite: ConceptType | None = concept_field(
        coded.TEMPORALITE, "temporalite_code", "Temporality it applies to (TRE_R240)."
    )
    condition_code: str | None = strawberry.field(description="Condition code of the tariff.")
    niveau_dependance_code: str | None = strawberry.field(description="Dependency level (GIR) code of the tariff.")
    version: int = strawberry.field(description=VERSION_DESCRIPTION)


@strawberry.type(
    name="CapaciteFiness", description="A FINESS authorised (09) or installed (08) capacity of an établissement."
)
class CapaciteFinessType:
    discipline_code: str | None = strawberry.field(description="FINESS discipline d'équipement code.")
    activite_code: str | None = strawberry.field(description="FINESS activité code.")
    clientele_code: str | None = strawberry.field(description="FINESS clientèle code.")
    statut: ConceptType = concept_field(
        coded.STATUT_CAPACITE, "statut_code", "Authorised (09) or installed (08) (TRE_R330)."
    )
    nombre: int = strawberry.field(description="Number of places or beds.")
    age_min: int | None = strawberry.field(description="Youngest age of the authorisation, if any.")
    age_max: int | None = strawberry.field(description="Oldest age of the authorisation, if any.")
    date_autorisation: date | None = strawberry.field(description="Date of the authorisation.")


@strawberry.type(
    name="Etablissement", description="An établissement (entité géographique, FINESS ET), where offers are described."
)
@with_registry_fields(Entity.eg)  # coded attributes (catégorie, aides financières, ORSAN…) from the registry
class EtablissementType:
    id: int = strawberry.field(graphql_type=strawberry.ID, description="Internal identifier of the établissement.")
    finess: str = strawberry.field(description="FINESS ET number (9 characters).")
    raison_sociale: str = strawberry.field(description="FINESS name.")
    raison_sociale_longue: str | None = strawberry.field(description="FINESS long name.")
    complement_denomination: str | None = strawberry.field(description="FINESS name complement.")
    nom_operationnel: str | None = strawberry.field(description="Everyday name declared by the structure.")
    siret: str | None = strawberry.field(description="SIRET number.")
    telephone: str | None = strawberry.field(description="Switchboard phone number (FINESS).")
    telecopie: str | None = strawberry.field(description="Fax number (FINESS).")
    courriel: str | None = strawberry.field(description="E-mail address (FINESS).")
    adresse: AdresseType = adresse_field("FINESS postal address.")
    latitude: float | None = strawberry.field(description="Latitude (WGS84).")
    longitude: float | None = strawberry.field(description="Longitude (WGS84).")
    departement_code: str | None = strawberry.field(description="INSEE code of the département.")
    region_code: str | None = strawberry.field(description="INSEE code of the région.")
    date_ouverture: date | None = strawberry.field(description="Opening date.")
    date_fermeture: date | None = strawberry.field(description="Closing date, if closed.")
    ferme: bool = strawberry.field(description="The établissement is closed.")
    espic_code: str | None = strawberry.field(
        description="ESPIC status code (private non-profit of collective interest)."
    )
    hebergement_famille: bool | None = strawberry.field(description="Families can be hosted.")
    nb_place_aide_sociale_permanent: int | None = strawberry.field(description="Permanent places open to social aid.")
    nb_place_aide_sociale_temporaire: int | None = strawberry.field(description="Temporary places open to social aid.")
    accessibilite_code: str | None = strawberry.field(description="Accessibility code.")
    commentaire: str | None = strawberry.field(description="Free comment of the structure.")
    statut_description: str = strawberry.field(
        description="State of the description: a_completer, modifie (to validate) or valide (décret 2023-1057)."
    )
    derniere_modification_at: datetime | None = strawberry.field(description="Last change of the declared description.")
    derniere_validation_at: datetime | None = strawberry.field(description="Last validation of the description.")
    finess_updated_at: datetime | None = strawberry.field(description="Last update received from FINESS.")
    version: int = strawberry.field(description=VERSION_DESCRIPTION)
    created_at: datetime = strawberry.field(description="When the établissement was created here.")
    updated_at: datetime = strawberry.field(description="When the établissement was last changed.")
    entite_juridique_id: strawberry.Private[int]

    @strawberry.field(
        description=(
            "Fields owned by FINESS, read-only for referents (GraphQL paths, e.g. `raisonSociale`, "
            "`adresse.communeCode`)."
        )
    )
    def champs_finess(self) -> list[str]:
        return CHAMPS_FINESS_EG

    @strawberry.field(description="The entité juridique the établissement belongs to.")
    async def entite_juridique(
        self, info: Info
    ) -> Annotated[EntiteJuridiqueType, strawberry.lazy("ror_graph.schema.entite_juridique")]:
        return await info.context.loaders.entite_by_id.load(self.entite_juridique_id)

    @strawberry.field(description="Current annual update campaign of the établissement and its status (none if none).")
    async def campagne(
        self, info: Info
    ) -> Annotated[CampagneEtablissementType, strawberry.lazy("ror_graph.schema.campagne")] | None:
        from ror_graph.schema.campagne import campagne_of

        return await campagne_of(info, self)  # type: ignore[arg-type]  # resolved on the Etablissement row

    @strawberry.field(description="Offers of the établissement visible to the caller, by name.")
    async def unites(self, info: Info) -> list[UniteType]:
        return await info.context.loaders.unites_by_etablissement.load(self.id)

    @strawberry.field(
        description="Places of the établissement visible to the caller: used by a visible offer, or by no offer."
    )
    async def lieux(self, info: Info) -> list[LieuType]:
        return await info.context.loaders.lieux_by_etablissement.load(self.id)

    @strawberry.field(description="Contacts of the établissement itself visible to the caller (offers have their own).")
    async def contacts(self, info: Info) -> list[ContactType]:
        return await info.context.loaders.contacts_by_etablissement.load(self.id)

    @strawberry.field(description="Declared tariffs.")
    async def tarifs(self, info: Info) -> list[TarifType]:
        return await info.context.loaders.tarifs_by_etablissement.load(self.id)

    @strawberry.field(description="FINESS authorised and installed capacities.")
    async def capacites_finess(self, info: Info) -> list[CapaciteFinessType]:
        return await info.context.loaders.capacites_finess_by_etablissement.load(self.id)
