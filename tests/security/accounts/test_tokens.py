"""API tokens expire by default and record their last use, at most once a minute."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from ror_graph.admin.base import fr_datetime
from ror_graph.models import ApiClient, SessionToken
from ror_graph.services.accounts.accounts import login
from ror_graph.services.accounts.auth import create_api_client, resolve_bearer
from tests.admin.conftest import page_token
from tests.security.accounts.conftest import PASSWORD
from tests.security.accounts.conftest import login as admin_login

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def test_api_client_token_expires_after_90_days_by_default(session):
    client, token = await create_api_client(session, name="Portail", profile="public", now=T0)
    assert client.expires_at == T0 + timedelta(days=90)
    assert (await resolve_bearer(session, token, now=T0 + timedelta(days=89))).api_client_id == client.id


async def test_create_token_command_applies_the_configured_lifetime(database_url, session):
    cli = Path(sys.executable).parent / "ror-graph"
    env = {**os.environ, "ROR_GRAPH_DATABASE_URL": database_url, "ROR_GRAPH_API_TOKEN_DAYS": "30"}
    process = await asyncio.create_subprocess_exec(str(cli), "create-token", "--name", "Portail", env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    client = (await session.exec(select(ApiClient))).one()
    assert timedelta(days=29) < client.expires_at - datetime.now(UTC) <= timedelta(days=30)


async def test_admin_created_api_client_expires_by_default(admin, session):
    response = await admin.post("/admin/api-client/create", data={
        "name": "Via Trajectoire", "profile": "professional", "expires_at": "", "save": "Save",
        "csrf_token": await page_token(admin)})
    assert response.status_code == 200
    client = (await session.exec(select(ApiClient))).one()
    assert timedelta(days=89) < client.expires_at - datetime.now(UTC) <= timedelta(days=90)


async def test_api_client_last_use_is_recorded_at_most_once_a_minute(session):
    client, token = await create_api_client(session, name="Portail", profile="public", now=T0)
    assert client.last_used_at is None
    for seconds, expected in ((0, T0), (30, T0), (59, T0), (61, T0 + timedelta(seconds=61))):
        await resolve_bearer(session, token, now=T0 + timedelta(seconds=seconds))
        await session.refresh(client)
        assert client.last_used_at == expected


async def test_login_token_last_use_is_recorded_at_most_once_a_minute(session, accounts):
    token, _ = await login(session, accounts["referent"], PASSWORD, now=T0)
    row = (await session.exec(select(SessionToken))).one()
    assert row.kind == "api" and row.last_used_at == T0
    await resolve_bearer(session, token, now=T0 + timedelta(seconds=30))
    await session.refresh(row)
    assert row.last_used_at == T0
    await resolve_bearer(session, token, now=T0 + timedelta(minutes=2))
    await session.refresh(row)
    assert row.last_used_at == T0 + timedelta(minutes=2)


async def test_admins_see_when_an_api_client_was_last_used(http_from, accounts, session):
    client, token = await create_api_client(session, name="Portail", profile="public")
    await resolve_bearer(session, token)
    admin = http_from("10.0.0.2")
    await admin_login(admin, accounts["admin"])
    page = await admin.get(f"/admin/api-client/details/{client.id}")
    assert "Dernière utilisation" in page.text
    await session.refresh(client)
    assert fr_datetime(client.last_used_at) in page.text


async def test_admin_sees_login_sessions_and_closes_one(http_from, api, accounts, session):
    from tests.admin.conftest import csrf_from
    from tests.security.accounts.conftest import api_login, graphql

    # given a référent's API session, used once
    token = (await api_login(api, accounts["referent"]))["token"]
    assert (await graphql(api, "{ nomenclatures { code } }", token=token))["status"] == 200
    row = (await session.exec(select(SessionToken).where(SessionToken.kind == "api"))).one()
    # when an admin opens the sessions list and closes it with a motif
    admin = http_from("10.0.0.2")
    await admin_login(admin, accounts["admin"])
    listing = await admin.get("/admin/session-token/list")
    assert listing.status_code == 200 and "Dernière utilisation" in listing.text
    form = await admin.get(f"/admin/session-token/revoquer?pks={row.id}")
    done = await admin.post("/admin/session-token/revoquer", data={
        "pks": str(row.id), "motif": "Poste perdu", "csrf_token": csrf_from(form.text)})
    # then the token is refused at once
    assert done.status_code == 303
    assert (await graphql(api, "{ nomenclatures { code } }", token=token))["status"] == 401
