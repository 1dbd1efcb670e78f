"""Bearer tokens → ``Caller``: API clients by profile, login sessions by role, and refusals."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ror_graph.models import Account, AccountScope, Profile, SessionToken
from ror_graph.services.accounts.auth import ANONYMOUS, create_api_client, hash_token, new_token, resolve_bearer
from ror_graph.services.core.errors import BadInputError, UnauthenticatedError

NOW = datetime(2025, 6, 1, tzinfo=UTC)


async def test_no_token_is_anonymous(session):
    assert await resolve_bearer(session, None) is ANONYMOUS
    assert await resolve_bearer(session, "") is ANONYMOUS


@pytest.mark.parametrize(
    ("profile", "level", "sensitive"),
    [
        ("public", 1, False),
        ("professional", 2, False),
        ("regulation", 3, True),
    ],
)
async def test_api_client_token_carries_its_profile(session, profile, level, sensitive):
    # given an API client of a profile
    client, token = await create_api_client(session, name="Portail", profile=profile)
    # when its token is resolved
    caller = await resolve_bearer(session, token)
    # then the caller reads at the profile's level, identified as that client, and the token is not stored
    assert (caller.profile, caller.level, caller.sees_sensitive) == (Profile(profile), level, sensitive)
    assert caller.api_client_id == client.id and caller.account_id is None
    assert client.token_hash == hash_token(token) != token


@pytest.mark.parametrize(
    "change",
    [
        {"expires_at": NOW - timedelta(seconds=1)},
        {"revoked_at": NOW - timedelta(days=1)},
    ],
)
async def test_expired_or_revoked_api_token_is_refused(session, change):
    client, token = await create_api_client(
        session, name="Portail", profile="professional", expires_at=NOW + timedelta(days=1)
    )
    for name, value in change.items():
        setattr(client, name, value)
    session.add(client)
    await session.commit()
    with pytest.raises(UnauthenticatedError):
        await resolve_bearer(session, token, now=NOW)


async def test_unknown_token_is_refused(session):
    with pytest.raises(UnauthenticatedError):
        await resolve_bearer(session, new_token())


async def test_unknown_profile_is_bad_input(session):
    with pytest.raises(BadInputError) as error:
        await create_api_client(session, name="X", profile="superuser")
    assert error.value.field == "profile"


@pytest.mark.parametrize(
    ("role", "level", "sensitive"),
    [
        ("referent", 2, False),
        ("directeur", 2, False),
        ("support", 3, True),
        ("admin", 3, True),
    ],
)
async def test_login_token_reads_with_the_role_profile_and_scopes(session, role, level, sensitive):
    # given an account with scopes and a live login token
    account = Account(email=f"{role}@example.fr", role=role, password_hash="x")
    session.add(account)
    await session.flush()
    token = new_token()
    session.add_all(
        [
            AccountScope(account_id=account.id, kind="ej", finess="440000016"),
            AccountScope(account_id=account.id, kind="eg", finess="490000031"),
            SessionToken(account_id=account.id, token_hash=hash_token(token), expires_at=NOW + timedelta(hours=1)),
        ]
    )
    await session.commit()
    # when it is resolved
    caller = await resolve_bearer(session, token, now=NOW)
    # then the caller has the role's read rights and the account's identity and scopes
    assert (caller.level, caller.sees_sensitive, caller.role) == (level, sensitive, role)
    assert (caller.account_id, caller.email) == (account.id, f"{role}@example.fr")
    assert (caller.scopes_ej, caller.scopes_eg) == (frozenset({"440000016"}), frozenset({"490000031"}))
    # and once expired, the same token is refused
    with pytest.raises(UnauthenticatedError):
        await resolve_bearer(session, token, now=NOW + timedelta(hours=2))


async def test_create_token_command_prints_a_working_token(database_url, session):
    # when the CLI creates a professional token
    cli = Path(sys.executable).parent / "ror-graph"
    env = {**os.environ, "ROR_GRAPH_DATABASE_URL": database_url}
    process = await asyncio.create_subprocess_exec(
        str(cli), "create-token", "--name", "Portail", "--profile", "professional", "--expires-days", "30",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )
    stdout, stderr = await process.communicate()
    # then it prints the token once on stdout, and the token resolves to a professional caller
    assert process.returncode == 0, stderr.decode()
    token = stdout.decode().strip()
    caller = await resolve_bearer(session, token)
    assert (caller.profile, caller.level) == (Profile.professional, 2)
