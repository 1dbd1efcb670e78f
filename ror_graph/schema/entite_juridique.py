"""``EntiteJuridique`` (EJ, FINESS PM): the legal entity above établissements; identity owned by FINESS."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from ror_graph.models import EntiteJuridique, coded
from ror_graph.resolvers.context import Info
from ror_graph.schema.concept import ConceptType, concept_field
from ror_graph.schema.etablissement import VERSION_DESCRIPTION, EtablissementType
from ror_graph.schema.finess import champs_finess
from ror_graph.schema.geo import AdresseType, adresse_field

CHAMPS_FINESS_EJ = champs_finess(EntiteJuridique)


@strawberry.type(name="EntiteJuridique", description="A legal entity (entité juridique, FINESS PM number).")
class EntiteJuridiqueType:
    id: strawberry.ID = strawberry.field(description="Internal identifier of the entité juridique.")
    finess: str = strawberry.field(description="FINESS PM number (9 characters).")
    raison_sociale: str = strawberry.field(
        description="FINESS name; empty while `enAttenteFiness` (FINESS has not sent this entité juridique yet)."
    )
    raison_sociale_longue: str | None = strawberry.field(description="FINESS long name.")
    statut_juridique_code: str | None = strawberry.field(description="FINESS legal status code.")
    siren: str | None = strawberry.field(description="SIREN number.")
    telephone: str | None = strawberry.field(description="Phone number (FINESS).")
    adresse: AdresseType = adresse_field("FINESS postal address.")
    date_creation: date | None = strawberry.field(description="Creation date.")
    date_fermeture: date | None = strawberry.field(description="Closing date, if closed.")
    type_fermeture: ConceptType | None = concept_field(
        coded.TYPE_FERMETURE, "type_fermeture_code", "Kind of closure (TRE_R286)."
    )
    placeholder: bool = strawberry.field(
        description="Created for an établissement whose entité juridique FINESS has not sent yet.",
        deprecation_reason="Use `enAttenteFiness`.",
    )
    finess_updated_at: datetime | None = strawberry.field(description="Last update received from FINESS.")
    version: int = strawberry.field(description=VERSION_DESCRIPTION)
    created_at: datetime = strawberry.field(description="When the entité juridique was created here.")
    updated_at: datetime = strawberry.field(description="When the entité juridique was last changed.")

    @strawberry.field(
        description=(
            "True while FINESS has not sent this entité juridique: it was created because one of its "
            "établissements arrived first; its identity (name, SIREN, address) is then unknown and is "
            "completed in place when FINESS sends it."
        )
    )
    def en_attente_finess(self) -> bool:
        return bool(self.placeholder)

    @strawberry.field(
        description=(
            "Fields owned by FINESS, read-only for referents (GraphQL paths, e.g. `raisonSociale`, "
            "`adresse.communeCode`)."
        )
    )
    def champs_finess(self) -> list[str]:
        return CHAMPS_FINESS_EJ

    @strawberry.field(description="Établissements of the entité juridique (open and closed), by FINESS number.")
    async def etablissements(self, info: Info) -> list[EtablissementType]:
        return await info.context.loaders.etablissements_by_entite.load(int(self.id))
