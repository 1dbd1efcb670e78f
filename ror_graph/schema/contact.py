"""``Contact`` and ``Telecom``: only those at or below the caller's confidentiality level are ever returned."""

from __future__ import annotations

import strawberry

from ror_graph.models import coded
from ror_graph.resolvers.context import Info
from ror_graph.schema.concept import ConceptType, concept_field, level_concept_field


@strawberry.type(name="Telecom", description="A phone number, e-mail or URL of a contact.")
class TelecomType:
    id: strawberry.ID = strawberry.field(description="Internal identifier of the telecom.")
    canal: ConceptType = concept_field(coded.CANAL, "canal_code", "Channel (JDV_J225: téléphone, mail, fax...).")
    valeur: str = strawberry.field(description="The number, address or URL.")
    utilisation: str | None = strawberry.field(description="What it is for (e.g. 'accueil', 'urgences').")
    confidentialite: ConceptType = level_concept_field(
        coded.CONFIDENTIALITE,
        "confidentialite",
        "Confidentiality level (TRE_R283: 1 public, 2 professionals, 3 regulation).",
    )
    niveau_confidentialite: int = strawberry.field(
        description="Confidentiality level as a number (1..3).",
        resolver=lambda root: root.confidentialite,
    )


@strawberry.type(
    name="Contact", description="A contact point (standard, direction, alerte...) of an établissement or an offer."
)
class ContactType:
    id: strawberry.ID = strawberry.field(description="Internal identifier of the contact.")
    nom: str | None = strawberry.field(description="Name of the person or service.")
    fonction: str | None = strawberry.field(description="Function of the contact.")
    nature: ConceptType | None = concept_field(coded.NATURE_CONTACT, "nature_code", "Nature of the contact (JDV_J221).")
    description: str | None = strawberry.field(description="Free description.")
    confidentialite: ConceptType = level_concept_field(
        coded.CONFIDENTIALITE,
        "confidentialite",
        "Confidentiality level (TRE_R283: 1 public, 2 professionals, 3 regulation).",
    )
    niveau_confidentialite: int = strawberry.field(
        description="Confidentiality level as a number (1..3).",
        resolver=lambda root: root.confidentialite,
    )
    version: int = strawberry.field(
        description="Row version, incremented by every accepted change (optimistic locking)."
    )

    @strawberry.field(
        description="Telecoms of the contact visible to the caller (its level and the contact's both apply)."
    )
    async def telecoms(self, info: Info) -> list[TelecomType]:
        return await info.context.loaders.telecoms_by_contact.load(int(self.id))
