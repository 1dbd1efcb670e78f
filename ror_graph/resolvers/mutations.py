"""Thin resolvers of the write mutations: convert typed inputs to service arguments and call services.

Services raise ``DomainError``s; the schema's exception handlers turn them into the error members of
each mutation's result union, so nothing here builds errors by hand.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

import strawberry
from sqlmodel import select

from ror_graph.models import EntiteJuridique, Etablissement, Unite, finess_owned_fields
from ror_graph.resolvers.context import Info
from ror_graph.schema import mutation_inputs as gql
from ror_graph.schema.finess import camel, graphql_path
from ror_graph.services.accounts import accounts
from ror_graph.services.accounts.scope import require_global, writer_for
from ror_graph.services.core.errors import BadInputError, NotFoundError, UnauthenticatedError
from ror_graph.services.etablissement import write as etablissement_write
from ror_graph.services.etablissement.write import TarifInput
from ror_graph.services.suivi import validation_flow
from ror_graph.services.unite import write as unite_write
from ror_graph.services.unite.contacts import ContactInput, TelecomInput
from ror_graph.services.unite.horaires import HoraireInput
from ror_graph.services.unite.lieux import (
    CapaciteInput,
    EquipementInput,
    EquipementLimiteInput,
    HabitationInput,
    LieuInput,
)

try:  # the agreed home of the FINESS correction service
    from ror_graph.services.finess.importer import correct_finess_field
except ImportError:
    from ror_graph.services.finess.correction import correct_finess_field

# Strawberry input class → service dataclass with the same attribute names.
SERVICE_CLASSES: dict[type, type] = {
    gql.TelecomInputType: TelecomInput,
    gql.ContactInputType: ContactInput,
    gql.TarifInputType: TarifInput,
    gql.HoraireInputType: HoraireInput,
    gql.CapaciteInputType: CapaciteInput,
    gql.EquipementLimiteInputType: EquipementLimiteInput,
    gql.EquipementInputType: EquipementInput,
    gql.HabitationInputType: HabitationInput,
    gql.LieuInputType: LieuInput,
}


def to_service(value: Any) -> Any:
    """Recursively turn Strawberry inputs into the services' input dataclasses."""
    if isinstance(value, list):
        return [to_service(item) for item in value]
    target = SERVICE_CLASSES.get(type(value))
    if target is None:
        return value
    return target(**{f.name: to_service(getattr(value, f.name)) for f in dataclasses.fields(target)})


def changes_of(data: Any, *, locked: dict[str, str] | None = None) -> dict[str, Any]:
    """The fields a client actually sent (not ``UNSET``), keyed by service name."""
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(data):
        value = getattr(data, f.name)
        if value is strawberry.UNSET:
            continue
        changes[(locked or {}).get(f.name, f.name)] = to_service(value)
    return changes


async def modifier_etablissement(info: Info, finess: str, version: int, data: Any) -> Etablissement:
    ctx = info.context
    return await etablissement_write.update_etablissement(
        ctx.session,
        actor=ctx.caller,
        finess=finess,
        version=version,
        changes=changes_of(data, locked=gql.LOCKED_ATTRIBUTES),
    )


async def creer_unite(info: Info, finess: str, data: Any) -> Unite:
    ctx = info.context
    return await unite_write.create_unite(ctx.session, actor=ctx.caller, finess=finess, data=changes_of(data))


async def modifier_unite(info: Info, identifiant: str, version: int, data: Any) -> Unite:
    ctx = info.context
    return await unite_write.update_unite(
        ctx.session, actor=ctx.caller, identifiant=identifiant, version=version, changes=changes_of(data)
    )


async def fermer_unite(
    info: Info, identifiant: str, version: int, day: date, type_code: str, reopening: date | None,
    motif: str | None = None,
) -> Unite:
    ctx = info.context
    return await unite_write.fermer_unite(
        ctx.session,
        actor=ctx.caller,
        identifiant=identifiant,
        version=version,
        date_fermeture=day,
        type_fermeture_code=type_code,
        date_reouverture_prevue=reopening,
        motif=motif,
    )


async def valider_etablissement(info: Info, finess: str, version: int | None, motif: str | None) -> Etablissement:
    ctx = info.context
    return await validation_flow.valider_etablissement(
        ctx.session, actor=ctx.caller, finess=finess, version=version, motif=motif
    )


def _finess_column(model: type, champ: str) -> str:
    """Accept the column name, its camelCase or its GraphQL path (``champsFiness``) for a FINESS field."""
    table = model.__tablename__  # type: ignore[attr-defined]
    for column in finess_owned_fields(model):
        if champ in {column, camel(column), graphql_path(table, column)}:
            return column
    return champ  # the correction service refuses it with a precise message


async def corriger_champ_finess(
    info: Info, finess: str, champ: str, valeur: str | None, motif: str
) -> tuple[bool, Etablissement | None, EntiteJuridique | None]:
    """Support correction of one FINESS-owned field of the EG or EJ with this FINESS number."""
    ctx = info.context
    session = ctx.session
    writer = await writer_for(session, ctx.caller)
    require_global(writer, "correct FINESS data")
    eg = (await session.exec(select(Etablissement).where(Etablissement.finess == finess))).first()
    ej = None if eg else (await session.exec(select(EntiteJuridique).where(EntiteJuridique.finess == finess))).first()
    if eg is None and ej is None:
        raise NotFoundError(f"No établissement or entité juridique with FINESS {finess!r}.", field="finess")
    model, entity = (Etablissement, "etablissement") if eg else (EntiteJuridique, "entite_juridique")
    try:
        changed = await correct_finess_field(
            session,
            actor=writer.actor,
            entity=entity,
            finess=finess,
            field=_finess_column(model, champ),
            value=valeur,
            motif=motif,
        )
    except BaseException:
        await session.rollback()
        raise
    row = (await session.exec(select(model).where(model.finess == finess))).one()
    await session.refresh(row)
    return (changed, row, None) if eg else (changed, None, row)


async def login(info: Info, email: str, password: str) -> tuple[str, datetime]:
    """Throttled per e-mail and per client address (``Settings.login_*``); see ``resolvers.account``."""
    from ror_graph.resolvers.account import client_address, throttle_policy

    ctx = info.context
    return await accounts.login(ctx.session, email, password, hours=ctx.state.settings.session_token_hours,
                                address=client_address(info), policy=throttle_policy(info))


async def logout(info: Info) -> None:
    ctx = info.context
    header = ctx.request.headers.get("authorization", "") if ctx.request is not None else ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or ctx.caller.account_id is None:
        raise UnauthenticatedError("Log in first: logout revokes the session token sent with it.")
    if ctx.caller.api_client_id is not None:
        raise BadInputError("API client tokens are revoked by an administrator, not by logout.")
    await accounts.logout(ctx.session, token.strip())
