"""Read side of the write path: description follow-up of an EG, audit history, steering indicators.

``suiviEtablissement`` and ``historique`` name people and old values: they are reserved to support
and to the EG's own accounts, and what they show goes through the visibility policy (hidden offers
are "not found", confidential contacts are cut out of history values). The reads live in services
(``services.suivi.reads``, ``services.directory.history``). ``indicateurs`` are aggregates, readable by anyone.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from ror_graph.models import AuditLog
from ror_graph.resolvers.context import Info
from ror_graph.services.directory import history
from ror_graph.services.suivi import reads, validation_flow
from ror_graph.services.suivi.completeness import Completeness


@strawberry.enum(name="StatutDescription", description="Lifecycle of an EG description (décret 2023-1057).")
class StatutDescriptionEnum(Enum):
    A_COMPLETER = "a_completer"
    MODIFIE = "modifie"
    VALIDE = "valide"


@strawberry.enum(name="HistoriqueEntite", description="What the history is about.")
class HistoriqueEntiteEnum(Enum):
    ETABLISSEMENT = "etablissement"
    UNITE = "unite"


@strawberry.type(name="Completude", description="Share of mandatory items present, and the missing ones.")
class CompletudeType:
    score: float = strawberry.field(description="0..1.")
    manquants: list[str] = strawberry.field(description="Missing items (e.g. `alerte`, `horaires`).")


def _completude(value: Completeness) -> CompletudeType:
    return CompletudeType(score=value.score, manquants=list(value.missing))


@strawberry.type(name="Modification", description="One changed field (audit row).")
class ModificationType:
    at: datetime = strawberry.field(description="When.")
    champ: str = strawberry.field(description="Changed field (column or list name).")
    ancienne_valeur: str | None = strawberry.field(description="Value before (lists as JSON).")
    nouvelle_valeur: str | None = strawberry.field(description="Value after (lists as JSON).")
    auteur: str = strawberry.field(description="Who (e-mail, `finess-import`...).")
    role: str = strawberry.field(description="Role of the author.")
    motif: str | None = strawberry.field(description="Reason given, if any.")
    source: str = strawberry.field(description="Entry point: api, admin, import or cli.")
    change_id: str = strawberry.field(description="Groups the rows written together.")


def _modification(row: AuditLog) -> ModificationType:
    return ModificationType(
        at=row.at,
        champ=row.field,
        ancienne_valeur=row.old_value,
        nouvelle_valeur=row.new_value,
        auteur=row.actor,
        role=row.role,
        motif=row.motif,
        source=row.source,
        change_id=row.change_id,
    )


@strawberry.type(name="HistoriquePage", description="A page of history, newest first.")
class HistoriquePageType:
    modifications: list[ModificationType] = strawberry.field(description="The rows of this page.")
    has_next_page: bool = strawberry.field(description="More rows follow.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")


async def _historique(info: Info, entite: str, cle: str, first: int, after: str | None) -> HistoriquePageType:
    # Through the loaders' lock: sibling fields' DataLoaders share this request's session.
    page = await info.context.loaders.run(
        history.historique, caller=info.context.caller, entity=entite, key=cle, first=first, after=after
    )
    return HistoriquePageType(
        modifications=[_modification(r) for r in page.items], has_next_page=page.has_next, end_cursor=page.end_cursor
    )


@strawberry.type(name="SuiviUnite", description="Completeness of one open offer visible to the caller.")
class SuiviUniteType:
    identifiant: str = strawberry.field(description="National offer identifier.")
    nom: str = strawberry.field(description="Name of the offer.")
    completude: CompletudeType = strawberry.field(description="Mandatory items of the offer.")


@strawberry.type(name="SuiviEtablissement", description="Where an EG's description stands: status, freshness, gaps.")
class SuiviEtablissementType:
    finess: str = strawberry.field(description="FINESS ET number.")
    statut_description: StatutDescriptionEnum = strawberry.field(
        description="À compléter, modifié (à valider), validé."
    )
    derniere_modification_at: datetime | None = strawberry.field(description="Last declared change.")
    derniere_modification_par: str | None = strawberry.field(description="Author of the last declared change.")
    derniere_validation_at: datetime | None = strawberry.field(description="Last validation.")
    derniere_validation_par: str | None = strawberry.field(description="Who validated last.")
    a_mettre_a_jour: bool = strawberry.field(description="Not validated within the last 12 months.")
    completude: CompletudeType = strawberry.field(description="Mandatory items of the EG itself.")
    unites: list[SuiviUniteType] = strawberry.field(
        description="Open offers visible to the caller and their completeness."
    )

    @strawberry.field(description="Audit history of the EG, newest first.")
    async def historique(self, info: Info, first: int = 50, after: str | None = None) -> HistoriquePageType:
        return await _historique(info, "etablissement", self.finess, first, after)


@strawberry.type(name="Indicateurs", description="Steering figures over the open EGs of a territory.")
class IndicateursType:
    total: int = strawberry.field(description="Open établissements.")
    complets: int = strawberry.field(description="With every mandatory item of the EG and its offers.")
    valides_12_mois: int = strawberry.field(description="Validated within the last 12 months.")
    a_mettre_a_jour: int = strawberry.field(description="Not validated within the last 12 months.")
    part_complets: float = strawberry.field(description="complets / total (0 when empty).")
    part_valides: float = strawberry.field(description="valides12Mois / total (0 when empty).")


@strawberry.type(description="Follow-up of descriptions.")
class SuiviQuery:
    @strawberry.field(description="Status, freshness and completeness of an EG (its own accounts and support).")
    async def suivi_etablissement(
        self, info: Info, finess: Annotated[str, strawberry.argument(description="FINESS ET number.")]
    ) -> SuiviEtablissementType:
        suivi = await info.context.loaders.run(reads.suivi_etablissement, caller=info.context.caller, finess=finess)
        eg = suivi.etablissement
        return SuiviEtablissementType(
            finess=eg.finess,
            statut_description=StatutDescriptionEnum(eg.statut_description),
            derniere_modification_at=eg.derniere_modification_at,
            derniere_modification_par=eg.derniere_modification_par,
            derniere_validation_at=eg.derniere_validation_at,
            derniere_validation_par=eg.derniere_validation_par,
            a_mettre_a_jour=validation_flow.a_mettre_a_jour(eg),
            completude=_completude(suivi.completeness),
            unites=[SuiviUniteType(identifiant=u.identifiant, nom=u.nom, completude=_completude(u.completeness))
                    for u in suivi.unites],
        )

    @strawberry.field(description="Audit history of an EG (by FINESS) or an offer (by identifier), newest first.")
    async def historique(
        self,
        info: Info,
        entite: Annotated[HistoriqueEntiteEnum, strawberry.argument(description="EG or offer.")],
        cle: Annotated[str, strawberry.argument(description="FINESS of the EG or identifier of the offer.")],
        first: Annotated[int, strawberry.argument(description="Page size, at most 100.")] = 50,
        after: Annotated[str | None, strawberry.argument(description="Cursor from `endCursor`.")] = None,
    ) -> HistoriquePageType:
        return await _historique(info, entite.value, cle, first, after)

    @strawberry.field(description="Share of complete and recently validated EGs of a département and/or région.")
    async def indicateurs(
        self,
        info: Info,
        departement: Annotated[str | None, strawberry.argument(description="INSEE département code.")] = None,
        region: Annotated[str | None, strawberry.argument(description="INSEE région code.")] = None,
    ) -> IndicateursType:
        value = await info.context.loaders.run(validation_flow.indicateurs, departement=departement, region=region)
        return IndicateursType(
            total=value.total,
            complets=value.complets,
            valides_12_mois=value.valides_12_mois,
            a_mettre_a_jour=value.a_mettre_a_jour,
            part_complets=value.part_complets,
            part_valides=value.part_valides,
        )
