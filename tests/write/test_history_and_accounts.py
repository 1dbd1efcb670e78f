"""Audit trail readers (historique) and accounts: argon2 passwords, login tokens, logout, scopes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select

from ror_graph.models import Account, AccountScope, SessionToken
from ror_graph.services.accounts.accounts import create_account, login, logout, verify_password
from ror_graph.services.accounts.auth import hash_token, resolve_bearer
from ror_graph.services.accounts.principal import Principal
from ror_graph.services.core.errors import BadInputError, ForbiddenError, UnauthenticatedError
from ror_graph.services.core.write import parse
from ror_graph.services.directory.history import historique
from ror_graph.services.etablissement.inputs import EtablissementUpdate
from ror_graph.services.etablissement.write import update_etablissement
from ror_graph.services.unite.inputs import UniteUpdate
from ror_graph.services.unite.write import update_unite
from tests.write.conftest import EG_A, EJ_A, T0, count


async def test_history_is_paginated_newest_first(session, world):
    # given three edits of EG A
    for version, name in enumerate(["Un", "Deux", "Trois"], start=1):
        await update_etablissement(session, world.principal("referent_a"), finess=EG_A, version=version,
                                   data=parse(EtablissementUpdate, {"nom_operationnel": name}),
                                   now=T0 + timedelta(minutes=version))
    # when the directeur reads it two rows at a time
    directeur = world.callers["directeur_a"]
    page = await historique(session, caller=directeur, entity="etablissement", key=EG_A, first=2)
    rest = await historique(session, caller=directeur, entity="etablissement", key=EG_A, first=2,
                            after=page.end_cursor)
    # then rows come newest first, and pages neither overlap nor lose rows (3 names + 1 status change)
    values = [(r.field, r.new_value) for r in page.items + rest.items]
    assert values[0] == ("nom_operationnel", "Trois")
    assert len(values) == 4 and page.has_next and not rest.has_next
    assert {r.id for r in page.items}.isdisjoint({r.id for r in rest.items})


@pytest.mark.parametrize(("role", "allowed"), [("referent_a", True), ("directeur_a", True), ("support", True),
                                               ("admin", True), ("referent_b", False), ("api_client", False)])
async def test_history_readers(session, world, role, allowed):
    await update_unite(session, world.principal("support"), identifiant=world.unite_a, version=1,
                       data=parse(UniteUpdate, {"nom": "Renommée"}))
    call = historique(session, caller=world.callers[role], entity="unite", key=world.unite_a)
    if allowed:
        assert [r.field for r in (await call).items] == ["nom"]
    else:
        with pytest.raises(ForbiddenError):
            await call


async def test_anonymous_cannot_read_history(session, world):
    with pytest.raises(UnauthenticatedError):
        await historique(session, caller=world.callers["anonymous"], entity="etablissement", key=EG_A)


async def test_account_login_write_logout(session, world):
    # given a référent account created with its EJ scope
    account = await create_account(session, email=" Claire.Dupont@Example.fr ", password="correct horse battery",
                                   role="referent", nom="Claire Dupont", scopes=[("ej", EJ_A)])
    stored = (await session.exec(select(Account).where(Account.id == account.id))).one()
    assert stored.email == "claire.dupont@example.fr" and stored.password_hash.startswith("$argon2id$")
    assert verify_password(stored.password_hash, "correct horse battery")
    assert (await session.exec(select(AccountScope.kind, AccountScope.finess))).all()[-1] == ("ej", EJ_A)
    # when she logs in, the token is stored hashed only
    token, expires_at = await login(session, "claire.dupont@example.fr", "correct horse battery", hours=12, now=T0)
    assert expires_at == T0 + timedelta(hours=12)
    assert await count(session, "session_token", token_hash=hash_token(token)) == 1
    assert await count(session, "session_token", token_hash=token) == 0
    # then the bearer resolves to a caller that may write on her EJ's EG
    caller = await resolve_bearer(session, token, now=T0 + timedelta(hours=1))
    eg = await update_etablissement(session, Principal.from_caller(caller), finess=EG_A, version=1,
                                    data=parse(EtablissementUpdate, {"commentaire": "Hello"}))
    assert eg.commentaire == "Hello"
    # and after logout the token no longer works
    await logout(session, token, now=T0 + timedelta(hours=2))
    with pytest.raises(UnauthenticatedError):
        await resolve_bearer(session, token, now=T0 + timedelta(hours=3))
    assert (await session.exec(select(SessionToken))).one().revoked_at is not None


async def test_bad_credentials_and_expiry(session, world):
    await create_account(session, email="dir@example.fr", password="long enough pw", role="support")
    with pytest.raises(UnauthenticatedError):
        await login(session, "dir@example.fr", "wrong password")
    with pytest.raises(UnauthenticatedError):
        await login(session, "nobody@example.fr", "long enough pw")
    token, _ = await login(session, "dir@example.fr", "long enough pw", hours=1, now=T0)
    with pytest.raises(UnauthenticatedError):
        await resolve_bearer(session, token, now=T0 + timedelta(hours=2))


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"email": "not-an-email"}, "email"), ({"role": "superuser"}, "role"), ({"password": "short"}, "password"),
    ({"scopes": [("xx", EG_A)]}, "scopes"), ({"scopes": [("eg", "123456789")]}, "scopes"),
    ({"scopes": []}, "scopes"), ({"email": "referent.a@example.fr"}, "email"),
])
async def test_create_account_refuses(session, world, kwargs, field):
    args = {"email": "new@example.fr", "password": "long enough pw", "role": "referent", "scopes": [("eg", EG_A)]}
    with pytest.raises(BadInputError) as error:
        await create_account(session, **{**args, **kwargs})
    assert error.value.field == field


async def test_cli_create_account(database_url, monkeypatch, session, world):
    from typer.testing import CliRunner

    from ror_graph.cli import app
    from ror_graph.settings import get_settings

    monkeypatch.setenv("ROR_GRAPH_DATABASE_URL", database_url)
    monkeypatch.setenv("ROR_GRAPH_PASSWORD", "from the environment")
    get_settings.cache_clear()
    try:
        # the CLI runs its own event loop: call it from a worker thread
        result = await asyncio.to_thread(CliRunner().invoke, app, [
            "create-account", "--email", "cli@example.fr", "--role", "directeur", "--ej", EJ_A, "--nom", "Jean"])
        refused = await asyncio.to_thread(CliRunner().invoke, app, [
            "create-account", "--email", "cli2@example.fr", "--role", "directeur"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "from the environment" not in result.output
    assert refused.exit_code == 1 and "scopes" in refused.output
    assert (await session.exec(select(Account.role).where(Account.email == "cli@example.fr"))).one() == "directeur"
