"""Root ``Mutation``: EG description, offers, validation and FINESS corrections.

Every mutation returns a union of its success payload and the expected error types of
``schema.errors`` (``code``, ``field``, ``message``; ``ConflictError`` carries ``currentVersion``).
The services enforce every rule (scope, FINESS lock, codes, versions), so the admin shares them.
Login, logout and password changes are in ``schema.account``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from ror_graph.models import EntiteJuridique, Etablissement, Unite
from ror_graph.resolvers import mutations as resolve
from ror_graph.resolvers.context import Info
from ror_graph.schema.entite_juridique import EntiteJuridiqueType
from ror_graph.schema.errors import (
    ConflictErrorType,
    FinessLockedErrorType,
    ForbiddenErrorType,
    NotFoundErrorType,
    ValidationErrorType,
)
from ror_graph.schema.etablissement import EtablissementType
from ror_graph.schema.mutation_inputs import (
    CreerUniteInputType,
    EtablissementInputType,
    ModifierUniteInputType,
    etablissement_update,
)
from ror_graph.schema.unite import UniteType
from ror_graph.services.etablissement.inputs import EtablissementUpdate
from ror_graph.services.unite.inputs import UniteClosure, UniteCreate, UniteUpdate

Finess = Annotated[str, strawberry.argument(description="FINESS number (9 characters).")]
Version = Annotated[int, strawberry.argument(description="The version you read; a stale one gets a ConflictError.")]
Identifiant = Annotated[str, strawberry.argument(description="National offer identifier `<region>/<id>`.")]


@strawberry.type(description="The établissement after the change.")
class EtablissementPayload:
    etablissement: Etablissement = strawberry.field(
        graphql_type=EtablissementType, description="The établissement, with its new version."
    )


@strawberry.type(description="The offer after the change.")
class UnitePayload:
    unite: Unite = strawberry.field(graphql_type=UniteType, description="The offer, with its new version.")


@strawberry.type(description="Outcome of a FINESS field correction.")
class CorrectionFinessPayload:
    modifie: bool = strawberry.field(description="False when the field already had this value (nothing written).")
    etablissement: Etablissement | None = strawberry.field(
        graphql_type=EtablissementType | None, description="The corrected établissement, if any."
    )
    entite_juridique: EntiteJuridique | None = strawberry.field(
        graphql_type=EntiteJuridiqueType | None, description="The corrected entité juridique, if any."
    )


_ERRORS = ValidationErrorType | ForbiddenErrorType | NotFoundErrorType | FinessLockedErrorType
EtablissementResult = Annotated[
    EtablissementPayload | ConflictErrorType | _ERRORS, strawberry.union("EtablissementResult")
]
UniteResult = Annotated[UnitePayload | ConflictErrorType | _ERRORS, strawberry.union("UniteResult")]
CorrectionResult = Annotated[CorrectionFinessPayload | _ERRORS, strawberry.union("CorrectionFinessResult")]


@strawberry.type(description="Writes: every one authorised, validated, versioned and audited.")
class Mutation:
    @strawberry.mutation(description="Change the declared fields of an établissement (FINESS fields are locked).")
    async def modifier_etablissement(
        self,
        info: Info,
        finess: Finess,
        version: Version,
        input: Annotated[
            EtablissementUpdate,
            strawberry.argument(graphql_type=EtablissementInputType, description="The fields to change."),
        ],
    ) -> EtablissementResult:
        changed = await resolve.modifier_etablissement(info, finess, version, etablissement_update(input))
        return EtablissementPayload(etablissement=changed)

    @strawberry.mutation(description="Create an offer of an établissement; its identifier is assigned.")
    async def creer_unite(
        self,
        info: Info,
        finess: Finess,
        input: Annotated[UniteCreate, strawberry.argument(graphql_type=CreerUniteInputType, description="The offer.")],
        modele: Annotated[str | None, strawberry.argument(
            description="Code of a modèle de saisie (`modelesSaisie`): fills the fields not sent.")] = None,
    ) -> UniteResult:
        return UnitePayload(unite=await resolve.creer_unite(info, finess, input, modele))

    @strawberry.mutation(description="Change an offer's declared attributes.")
    async def modifier_unite(
        self,
        info: Info,
        identifiant: Identifiant,
        version: Version,
        input: Annotated[
            UniteUpdate,
            strawberry.argument(graphql_type=ModifierUniteInputType, description="The fields to change."),
        ],
    ) -> UniteResult:
        return UnitePayload(unite=await resolve.modifier_unite(info, identifiant, version, input))

    @strawberry.mutation(description="Close an offer (TRE_R286 type; PRO = provisional, with a reopening date).")
    async def fermer_unite(
        self,
        info: Info,
        identifiant: Identifiant,
        version: Version,
        date: Annotated[date, strawberry.argument(description="Closing date.")],
        type: Annotated[str, strawberry.argument(description="Closing type (TRE_R286): DEF, PRO...")],
        date_reouverture_prevue: Annotated[
            date | None, strawberry.argument(description="Planned reopening date (PRO only).")
        ] = None,
        motif: Annotated[
            str | None, strawberry.argument(description="Why the offer closes (kept in the history).")
        ] = None,
    ) -> UniteResult:
        closure = UniteClosure(date_fermeture=date, type_fermeture_code=type,
                               date_reouverture_prevue=date_reouverture_prevue, motif=motif)
        unite = await resolve.fermer_unite(info, identifiant, version, closure)
        return UnitePayload(unite=unite)

    @strawberry.mutation(description="Validate an établissement's description (directeur; support with a motif).")
    async def valider_etablissement(
        self,
        info: Info,
        finess: Finess,
        version: Annotated[int | None, strawberry.argument(description="The version you reviewed, if any.")] = None,
        motif: Annotated[str | None, strawberry.argument(description="Required when support validates.")] = None,
    ) -> EtablissementResult:
        return EtablissementPayload(etablissement=await resolve.valider_etablissement(info, finess, version, motif))

    @strawberry.mutation(description="Support: correct a FINESS-owned field of an EG or EJ, with a motif (audited).")
    async def corriger_champ_finess(
        self,
        info: Info,
        *,
        finess: Finess,
        champ: Annotated[str, strawberry.argument(description="Field, e.g. `raisonSociale` or `adresse.communeCode`.")],
        valeur: Annotated[str | None, strawberry.argument(description="New value as text; null clears it.")] = None,
        motif: Annotated[str, strawberry.argument(description="Why FINESS is wrong (required).")],
    ) -> CorrectionResult:
        changed, eg, ej = await resolve.corriger_champ_finess(info, finess, champ, valeur, motif)
        return CorrectionFinessPayload(modifie=changed, etablissement=eg, entite_juridique=ej)
