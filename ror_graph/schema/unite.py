"""``Unite``: an operational offer (FHIR HealthcareService) with its coded attributes, places and contacts.

Sensitive offers, and everything under them, reach only the callers the visibility policy allows
(regulation profile, support/admin, référents and directeurs of the structure): the loaders filter
them in SQL through ``services.policy.visibility``.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING, Annotated

import strawberry

from ror_graph.models import UniteAttribute, coded
from ror_graph.resolvers.context import Info
from ror_graph.schema.concept import ConceptType, concept_field, concepts_of
from ror_graph.schema.contact import ContactType
from ror_graph.schema.geo import CommuneType
from ror_graph.schema.lieu import LieuType

if TYPE_CHECKING:
    from ror_graph.schema.etablissement import EtablissementType

COMMUNE_DIVISION = "3"  # TRE_R201: the zone is a commune (COG code)


def _codes(attribute: UniteAttribute, description: str):
    """A list of ``Concept`` for one multi-valued attribute, from the offer's batched code rows."""

    async def resolve(root, info: Info) -> list[ConceptType]:
        return concepts_of(info, await info.context.loaders.codes_by_unite.load(root.id), attribute=attribute.value)

    return strawberry.field(resolver=resolve, description=description)


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

    @strawberry.field(description="The commune, when the division is a commune.")
    async def commune(self, info: Info) -> CommuneType | None:
        if self.type_code != COMMUNE_DIVISION:
            return None
        return await info.context.loaders.commune_by_code.load(self.code)


@strawberry.type(name="Unite", description="An operational offer (unité opérationnelle) of an établissement.")
class UniteType:
    id: strawberry.ID = strawberry.field(description="Internal identifier of the offer.")
    identifiant: str | None = strawberry.field(description="National offer identifier `<INSEE region code>/<id>`.")
    nom: str = strawberry.field(description="Name of the offer.")
    type_offre: ConceptType | None = concept_field(coded.TYPE_OFFRE, "type_offre_code", "Type of offer (JDV_J238).")
    champ_activite: ConceptType = concept_field(coded.CHAMP, "champ_activite_code", "Champ d'activité (TRE_R227).")
    mode_prise_en_charge: ConceptType = concept_field(
        coded.MODE_PEC, "mode_prise_en_charge_code", "Mode de prise en charge (TRE_R213)."
    )
    temporalite: ConceptType | None = concept_field(
        coded.TEMPORALITE, "temporalite_code", "Temporalité d'accueil (TRE_R240)."
    )
    activites: list[ConceptType] = _codes(UniteAttribute.activite, "Activités opérationnelles (TRE_R211).")
    actes_specifiques: list[ConceptType] = _codes(UniteAttribute.acte_specifique, "Actes spécifiques (TRE_R210).")
    actes_hors_cabinet: list[ConceptType] = _codes(
        UniteAttribute.acte_hors_cabinet, "Actes spécifiques performed outside the practice (TRE_R210)."
    )
    specialisations: list[ConceptType] = _codes(
        UniteAttribute.specialisation, "Spécialisations de prise en charge (TRE_R245)."
    )
    competences: list[ConceptType] = _codes(UniteAttribute.competence, "Compétences spécifiques (TRE_R243).")
    professions: list[ConceptType] = _codes(UniteAttribute.profession, "Professions ressources (TRE_R356).")
    expertises: list[ConceptType] = _codes(UniteAttribute.expertise, "Niveaux d'expertise (TRE_R344).")
    publics: list[ConceptType] = _codes(UniteAttribute.public, "Publics pris en charge (TRE_R239).")
    modalites_accueil: list[ConceptType] = _codes(UniteAttribute.modalite_accueil, "Modalités d'accueil (TRE_R338).")
    modes_gestion: list[ConceptType] = _codes(UniteAttribute.mode_gestion, "Modes de gestion (TRE_R236).")
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
    type_fermeture: ConceptType | None = concept_field(
        coded.TYPE_FERMETURE, "type_fermeture_code", "Kind of closure (TRE_R286)."
    )
    date_reouverture_prevue: date | None = strawberry.field(
        description="Planned reopening date of a temporary closure."
    )
    version: int = strawberry.field(
        description="Row version, incremented by every accepted change (optimistic locking)."
    )
    created_at: datetime = strawberry.field(description="When the offer was created.")
    updated_at: datetime = strawberry.field(description="When the offer was last changed.")

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
