"""Annual update campaigns in GraphQL: ``campagnes`` (with progress and a filterable list of EGs) and
``Etablissement.campagne`` (status and deadline of the EG in its current campaign).

Statuses derive from the EG's edit and validation dates, which ``Etablissement`` already shows to
everyone (``derniereValidationAt``): campaigns add no confidential data, so any caller may read them.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from ror_graph.models import Campagne, Etablissement
from ror_graph.resolvers.context import Info
from ror_graph.schema.etablissement import EtablissementType
from ror_graph.services.campagne import statuts


@strawberry.enum(name="StatutCampagne", description="Where an EG stands in a campaign.")
class StatutCampagneEnum(Enum):
    A_FAIRE = "a_faire"
    EN_COURS = "en_cours"
    VALIDEE = "validee"
    EN_RETARD = "en_retard"


@strawberry.type(name="ProgressionCampagne", description="Counts of one département × FINESS category, by status.")
class ProgressionType:
    departement: str = strawberry.field(description="INSEE département code.")
    categorie: str = strawberry.field(description="FINESS category of the EGs (JDV_J55).")
    a_faire: int = strawberry.field(description="Nothing edited nor validated since the opening.")
    en_cours: int = strawberry.field(description="Edited since the opening, not validated yet.")
    validees: int = strawberry.field(description="Validated by the directeur since the opening.")
    en_retard: int = strawberry.field(description="Not validated, deadline passed.")
    total: int = strawberry.field(description="EGs of this line.")
    part_validees: float = strawberry.field(description="validees / total.")


@strawberry.type(name="EtablissementCampagne", description="An EG of a campaign and its status.")
class EtablissementCampagneType:
    etablissement: EtablissementType = strawberry.field(description="The établissement.")
    statut: StatutCampagneEnum = strawberry.field(description="Its status in the campaign.")


@strawberry.type(name="EtablissementsCampagnePage", description="A page of a campaign's EGs, by FINESS.")
class EtablissementsCampagnePage:
    total: int = strawberry.field(description="EGs matching the filters.")
    items: list[EtablissementCampagneType] = strawberry.field(description="This page.")


@strawberry.type(name="RelancesCampagne", description="What became of a campaign's reminder e-mails (counts only).")
class RelancesCampagneType:
    envoyees: int = strawberry.field(description="Handed over to the mail server (those bounced later included).")
    echecs: int = strawberry.field(description="Could not be handed over (connection, relay refusal).")
    rebonds: int = strawberry.field(description="Refused later by the receiving server (DSN 5.x.x): address en échec.")
    retardees: int = strawberry.field(description="Delayed by the receiving server (DSN 4.x.x), not refused (yet).")


@strawberry.type(name="Campagne", description="An annual update campaign of a territory (décret 2023-1057).")
class CampagneType:
    id: strawberry.ID = strawberry.field(description="Identifier of the campaign.")
    nom: str = strawberry.field(description="Name, e.g. « Campagne 2026 Pays de la Loire ».")
    region_code: str | None = strawberry.field(description="INSEE région covered (empty: the départements).")
    departements: list[str] = strawberry.field(description="INSEE départements covered (empty: the whole région).")
    categories: list[str] = strawberry.field(description="FINESS categories covered (empty: all).")
    ouverture: datetime = strawberry.field(description="Opening: edits and validations count from then.")
    echeance: datetime = strawberry.field(description="Deadline for the directeur's validation.")
    active: bool = strawberry.field(description="Reminders are sent while active.")

    @strawberry.field(description="Counts by département and category, by status.")
    async def progression(self, info: Info) -> list[ProgressionType]:
        row = await info.context.session.get(Campagne, int(self.id))
        assert row is not None
        lines = await info.context.loaders.run(statuts.progression, row)
        return [ProgressionType(departement=line.departement, categorie=line.categorie,
                                a_faire=line.comptes[statuts.A_FAIRE], en_cours=line.comptes[statuts.EN_COURS],
                                validees=line.comptes[statuts.VALIDEE], en_retard=line.comptes[statuts.EN_RETARD],
                                total=line.total, part_validees=line.comptes[statuts.VALIDEE] / line.total)
                for line in lines]

    @strawberry.field(description="Reminders of the campaign by outcome, bounces included.")
    async def relances(self, info: Info) -> RelancesCampagneType:
        from ror_graph.services.campagne.envois import bilan_envois

        bilan = await bilan_envois(info.context.session, int(self.id))
        return RelancesCampagneType(envoyees=bilan.envoyees, echecs=bilan.echecs, rebonds=bilan.rebonds,
                                    retardees=bilan.retardees)

    @strawberry.field(description="EGs of the campaign with their status, filterable, by FINESS.")
    async def etablissements(
        self, info: Info,
        statut: Annotated[StatutCampagneEnum | None, strawberry.argument(description="Only this status.")] = None,
        departement: Annotated[str | None, strawberry.argument(description="Only this département.")] = None,
        categorie: Annotated[str | None, strawberry.argument(description="Only this FINESS category.")] = None,
        first: Annotated[int, strawberry.argument(description="Page size, at most 100.")] = 50,
        offset: Annotated[int, strawberry.argument(description="EGs to skip.")] = 0,
    ) -> EtablissementsCampagnePage:
        row = await info.context.session.get(Campagne, int(self.id))
        assert row is not None
        filtre = statuts.Filtre(statut=statut.value if statut else None, departement=departement, categorie=categorie)
        rows, total = await info.context.loaders.run(statuts.etablissements, row, filtre=filtre, first=first,
                                                     offset=offset)
        return EtablissementsCampagnePage(total=total, items=[
            EtablissementCampagneType(etablissement=eg, statut=StatutCampagneEnum(s))  # type: ignore[arg-type]
            for eg, s in rows])


def campagne_type(row: Campagne) -> CampagneType:
    return CampagneType(id=strawberry.ID(str(row.id)), nom=row.nom, region_code=row.region_code,
                        departements=list(row.departements), categories=list(row.categories),
                        ouverture=row.ouverture, echeance=row.echeance, active=row.active)


@strawberry.type(name="CampagneEtablissement", description="The current campaign of an EG and its status there.")
class CampagneEtablissementType:
    campagne: CampagneType = strawberry.field(description="The campaign.")
    statut: StatutCampagneEnum = strawberry.field(description="À faire, en cours, validée or en retard.")
    echeance: datetime = strawberry.field(description="Deadline of the campaign.")


async def campagne_of(info: Info, eg: Etablissement) -> CampagneEtablissementType | None:
    """The latest opened active campaign covering ``eg`` (``Etablissement.campagne``)."""
    found = await info.context.loaders.run(statuts.campagne_de, eg)
    if found is None:
        return None
    row, statut = found
    return CampagneEtablissementType(campagne=campagne_type(row), statut=StatutCampagneEnum(statut),
                                     echeance=row.echeance)


@strawberry.type(description="Annual update campaigns.")
class CampagneQuery:
    @strawberry.field(description="Campaigns, newest opening first.")
    async def campagnes(
        self, info: Info,
        actives: Annotated[bool, strawberry.argument(description="Only active campaigns.")] = False,
    ) -> list[CampagneType]:
        rows = await info.context.loaders.run(statuts.campagnes, actives_seulement=actives)
        return [campagne_type(r) for r in rows]
