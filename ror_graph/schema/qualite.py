"""The quality queue in GraphQL: ``anomalies`` (support: all; référents and directeurs: their structures),
``signalerErreur`` (anyone: the same intake as the public form, one queue), ``assignerAnomalie`` and
``fermerAnomalie`` (support).

Reads go through ``services.qualite.gestion``, which asks the visibility policy (an anomaly about an
offer the caller may not see is left out). Refusals are errors with a ``code`` extension.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, cast

import strawberry
from strawberry.scalars import JSON

from ror_graph.models import Anomalie
from ror_graph.models.signalement import SIGNALEMENT_MAX_LENGTH, SIGNALEMENT_MIN_LENGTH
from ror_graph.resolvers.context import Info
from ror_graph.services.core.changes import Actor
from ror_graph.services.qualite import gestion
from ror_graph.services.qualite.regles import LIBELLES
from ror_graph.services.signalement.queue import SignalementInput, submit_signalement


@strawberry.type(name="Anomalie", description="A quality anomaly of an EG or one of its offers, or a public report.")
class AnomalieType:
    id: strawberry.ID = strawberry.field(description="Identifier of the anomaly.")
    regle: str = strawberry.field(description="Rule code (e.g. `tranche_age`), or `signalement` for a public report.")
    libelle: str = strawberry.field(description="French label of the rule.")
    finess: str = strawberry.field(description="FINESS ET of the établissement concerned.")
    unite_id: int | None = strawberry.field(description="Internal id of the offer concerned, if any.")
    message: str = strawberry.field(description="What was found.")
    statut: str = strawberry.field(description="`ouverte`, `fermee` (by support, with a comment) or `resolue`.")
    active: bool = strawberry.field(description="The rule fired at its last evaluation.")
    assignee: str | None = strawberry.field(description="Who handles it (e-mail).")
    commentaire: str | None = strawberry.field(description="Closing comment.")
    reouvertures: int = strawberry.field(description="Times it was reopened because the rule fired again.")
    detectee_at: datetime = strawberry.field(description="First detection.")
    derniere_detection_at: datetime = strawberry.field(description="Last time the rule fired.")


def anomalie_type(row: Anomalie, finess: str) -> AnomalieType:
    return AnomalieType(id=strawberry.ID(str(row.id)), regle=row.regle, libelle=LIBELLES.get(row.regle, row.regle),
                        finess=finess, unite_id=row.unite_id, message=row.message, statut=row.statut,
                        active=row.active, assignee=row.assignee, commentaire=row.commentaire,
                        reouvertures=row.reouvertures, detectee_at=row.detectee_at,
                        derniere_detection_at=row.derniere_detection_at)


@strawberry.type(name="AnomaliePage", description="A page of anomalies, newest detection first.")
class AnomaliePage:
    total: int = strawberry.field(description="Anomalies matching the filters that the caller may read.")
    items: list[AnomalieType] = strawberry.field(description="This page.")


@strawberry.type(description="The quality queue.")
class QualiteQuery:
    @strawberry.field(description="Anomalies (support: all; référents and directeurs: their structures).")
    async def anomalies(
        self, info: Info,
        finess: Annotated[str | None, strawberry.argument(description="Only this EG.")] = None,
        statut: Annotated[str | None, strawberry.argument(description="ouverte, fermee or resolue.")] = None,
        regle: Annotated[str | None, strawberry.argument(description="Only this rule.")] = None,
        assignee: Annotated[str | None, strawberry.argument(description="Only those assigned to.")] = None,
        first: Annotated[int, strawberry.argument(description="Page size, at most 100.")] = 50,
        offset: Annotated[int, strawberry.argument(description="Anomalies to skip.")] = 0,
    ) -> AnomaliePage:
        filtre = gestion.Filtre(finess=finess, statut=statut, regle=regle, assignee=assignee)
        rows, total = await info.context.loaders.run(gestion.anomalies, info.context.caller, filtre, first=first,
                                                     offset=offset)
        return AnomaliePage(total=total, items=[anomalie_type(a, f) for a, f in rows])


async def _finess_of(info: Info, row: Anomalie) -> str:
    eg = await info.context.loaders.etablissement_by_id.load(row.etablissement_id)
    return eg.finess


@strawberry.type(description="Quality queue actions.")
class QualiteMutation:
    @strawberry.mutation(description="Report an error on an établissement (anyone, throttled per address); it "
                                     "opens an anomaly of source `signalement` in the support queue.")
    async def signaler_erreur(
        self, info: Info,
        finess: Annotated[str, strawberry.argument(description="FINESS ET of the établissement.")],
        message: Annotated[str, strawberry.argument(
            description=f"What is wrong ({SIGNALEMENT_MIN_LENGTH} to {SIGNALEMENT_MAX_LENGTH:,} characters).")],
        contact: Annotated[str | None, strawberry.argument(
            description="Your e-mail, so support can answer you (optional).")] = None,
    ) -> AnomalieType:
        row = await submit_signalement(info.context.session, SignalementInput(finess, message, email=contact),
                                       address=_client_address(info), salt=info.context.state.settings.secret_key,
                                       actor=_reporter(info))
        assert row is not None  # no honeypot in the API
        return anomalie_type(row, finess)

    @strawberry.mutation(description="Assign an anomaly to someone (support; empty to unassign).")
    async def assigner_anomalie(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The anomaly.")],
        assignee: Annotated[str | None, strawberry.argument(description="E-mail of who handles it.")] = None,
    ) -> AnomalieType:
        actor, role = _who(info)
        row = await gestion.assigner(info.context.session, _id(id), assignee, actor=actor, role=role, source="api")
        return anomalie_type(row, await _finess_of(info, row))

    @strawberry.mutation(description="Close an anomaly with a comment (support).")
    async def fermer_anomalie(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The anomaly.")],
        commentaire: Annotated[str, strawberry.argument(description="Why it is closed.")],
    ) -> AnomalieType:
        actor, role = _who(info)
        row = await gestion.fermer(info.context.session, _id(id), commentaire, actor=actor, role=role, source="api")
        return anomalie_type(row, await _finess_of(info, row))


def _who(info: Info) -> tuple[str, str | None]:
    """E-mail and role of a logged-in account (API clients and anonymous callers have no role here)."""
    caller = info.context.caller
    if getattr(caller, "account_id", None) is None:
        return "", None
    return getattr(caller, "email", "") or "", getattr(caller, "role", None)


def _client_address(info: Info) -> str:
    request = info.context.request
    client = getattr(request, "client", None)
    return client.host if client else "inconnue"


def _reporter(info: Info) -> Actor:
    actor, role = _who(info)
    return Actor(name=actor or "public", role=role or "public", source="api")


def _id(value: strawberry.ID) -> int:
    from ror_graph.services.core.errors import BadInputError

    if not str(value).isdigit():
        raise BadInputError("Unknown anomaly id.", field="id")
    return int(value)


@strawberry.type(name="ModeleSaisie", description="A modèle de saisie: values a new offer of this type starts with.")
class ModeleSaisieType:
    code: str = strawberry.field(description="Code to pass as `creerUnite(modele:)`.")
    libelle: str = strawberry.field(description="Type of unit, e.g. « SSIAD — soins infirmiers à domicile ».")
    valeurs: JSON = strawberry.field(
        description="Preselected fields of `CreerUniteInput` (snake_case keys) and their codes.")
    zone_departement: bool = strawberry.field(
        description="Home-care / mobile: the zone d'intervention defaults to the EG's département.")


@strawberry.type(description="Modèles de saisie.")
class ModeleQuery:
    @strawberry.field(description="Modèles de saisie (templates per type of unit), by code.")
    async def modeles_saisie(self, info: Info) -> list[ModeleSaisieType]:
        from ror_graph.services.qualite.modeles import modeles

        rows = await info.context.loaders.run(modeles)
        return [ModeleSaisieType(code=r.code, libelle=r.libelle, valeurs=cast(JSON, r.valeurs),
                                 zone_departement=r.zone_departement)
                for r in rows]
