"""Places on the map: ``Commune`` (INSEE COG) and ``Adresse`` (FINESS-style postal address)."""

from __future__ import annotations

import strawberry

from ror_graph.resolvers.context import Info


@strawberry.type(name="Commune", description="A commune of the INSEE Code officiel géographique.")
class CommuneType:
    code: str = strawberry.field(description="INSEE COG code (5 characters, 2A/2B in Corsica); not a postal code.")
    nom: str = strawberry.field(description="Name of the commune.")
    departement_code: str = strawberry.field(description="INSEE code of its département.")
    region_code: str | None = strawberry.field(description="INSEE code of its région.")
    population: int | None = strawberry.field(description="Municipal population, when known.")
    latitude: float | None = strawberry.field(description="Latitude of its centre (WGS84), when known.")
    longitude: float | None = strawberry.field(description="Longitude of its centre (WGS84), when known.")

    @strawberry.field(description="Postal codes serving the commune.")
    def codes_postaux(self) -> list[str]:
        return self.codes_postaux.split()


@strawberry.type(name="Adresse", description="A postal address, split as in FINESS.")
class AdresseType:
    numero_voie: str | None = strawberry.field(description="Street number (with its suffix: bis, ter...).")
    type_voie: str | None = strawberry.field(description="Street type abbreviation (R, AV, BD...).")
    libelle_voie: str | None = strawberry.field(description="Street name.")
    complement_voie: str | None = strawberry.field(description="Address complement (building, floor...).")
    lieu_dit: str | None = strawberry.field(description="Lieu-dit or BP.")
    code_postal: str | None = strawberry.field(description="Postal code.")
    libelle_acheminement: str | None = strawberry.field(description="Delivery office name (ligne d'acheminement).")
    commune_code: str | None = strawberry.field(description="INSEE COG code of the commune.")

    @strawberry.field(description="The commune of the address.")
    async def commune(self, info: Info) -> CommuneType | None:
        code = self.commune_code
        return None if code is None else await info.context.loaders.commune_by_code.load(code)


def adresse_field(description: str = "Postal address."):
    """An ``Adresse`` field reading the address columns of the root row itself."""

    def resolve(root) -> AdresseType:
        return root

    return strawberry.field(resolver=resolve, description=description)
