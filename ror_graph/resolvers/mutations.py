"""Thin resolvers of the write mutations: typed inputs in, one service call, the changed row out.

The GraphQL inputs are the services' typed inputs (``schema.mutation_inputs``); the caller becomes a
``Principal``. Services own the transaction and raise ``DomainError``s, which the schema's exception
handlers turn into the error members of each mutation's result union: no SQL, no rollback here.
"""

from __future__ import annotations

from datetime import datetime

from ror_graph.models import EntiteJuridique, Etablissement, Unite, finess_owned_fields
from ror_graph.resolvers.context import Info
from ror_graph.schema.finess import camel, graphql_path
from ror_graph.services.accounts import accounts
from ror_graph.services.accounts.principal import Principal
from ror_graph.services.core.errors import BadInputError, UnauthenticatedError
from ror_graph.services.etablissement import write as etablissement_write
from ror_graph.services.etablissement.inputs import EtablissementUpdate, EtablissementValidation, FinessCorrection
from ror_graph.services.finess.correction import correct_by_finess
from ror_graph.services.suivi import validation_flow
from ror_graph.services.unite import write as unite_write
from ror_graph.services.unite.inputs import UniteClosure, UniteCreate, UniteUpdate


def principal(info: Info) -> Principal:
    """Who writes: the request's caller."""
    return Principal.from_caller(info.context.caller)


async def modifier_etablissement(info: Info, finess: str, version: int, data: EtablissementUpdate) -> Etablissement:
    return await etablissement_write.update_etablissement(
        info.context.session, principal(info), finess=finess, version=version, data=data)


async def creer_unite(info: Info, finess: str, data: UniteCreate, modele: str | None = None) -> Unite:
    """Through the modèle de saisie (if any) and the default zone of a mobile offer, then the write service."""
    from ror_graph.services.qualite.modeles import preparer_creation

    data = await preparer_creation(info.context.session, finess, data, modele)
    return await unite_write.create_unite(info.context.session, principal(info), finess=finess, data=data)


async def modifier_unite(info: Info, identifiant: str, version: int, data: UniteUpdate) -> Unite:
    return await unite_write.update_unite(info.context.session, principal(info), identifiant=identifiant,
                                          version=version, data=data)


async def fermer_unite(info: Info, identifiant: str, version: int, data: UniteClosure) -> Unite:
    return await unite_write.fermer_unite(info.context.session, principal(info), identifiant=identifiant,
                                          version=version, data=data)


async def valider_etablissement(info: Info, finess: str, version: int | None, motif: str | None) -> Etablissement:
    return await validation_flow.valider_etablissement(
        info.context.session, principal(info), finess=finess, version=version,
        data=EtablissementValidation(motif=motif))


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
    return await correct_by_finess(info.context.session, principal(info), finess=finess,
                                   data=FinessCorrection(field=champ, value=valeur, motif=motif),
                                   column_of=_finess_column)


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
