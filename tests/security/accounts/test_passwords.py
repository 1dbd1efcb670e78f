"""Passwords: people change their own (policy: 12 characters, not the e-mail), admins issue reset links.

Both end every session of the account; the reset link works once, for one hour, and is stored hashed.
"""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import select

from ror_graph.models import Account, AuditLog, PasswordReset
from ror_graph.services.accounts.auth import hash_token
from tests.admin.conftest import csrf_from
from tests.security.accounts.conftest import NEW_PASSWORD, PASSWORD, api_login, graphql, login

CHANGE = ("mutation($a: String!, $n: String!) { changerMotDePasse(ancien: $a, nouveau: $n) { __typename "
          "... on ChangerMotDePassePayload { sessionsRevoquees } ... on Error { code field } "
          "... on TooManyAttemptsError { retryAfter } } }")
ME = "{ nomenclatures { code } }"


async def change(api, token: str, ancien: str, nouveau: str) -> dict:
    body = await graphql(api, CHANGE, {"a": ancien, "n": nouveau}, token=token)
    return body["data"]["changerMotDePasse"]


async def stored_hash(session, email: str) -> str:
    session.expire_all()
    return (await session.exec(select(Account.password_hash).where(Account.email == email))).one()


async def test_changing_ones_password_ends_every_session(api, http_from, accounts, session):
    # given a référent with two open API sessions
    first = (await api_login(api, accounts["referent"]))["token"]
    second = (await api_login(api, accounts["referent"]))["token"]
    # when the référent changes the password with the first token
    answer = await change(api, first, PASSWORD, NEW_PASSWORD)
    # then both sessions are ended, the old password fails and the new one works
    assert answer == {"__typename": "ChangerMotDePassePayload", "sessionsRevoquees": 2}
    for token in (first, second):
        assert (await graphql(api, ME, token=token))["status"] == 401
    assert (await api_login(api, accounts["referent"]))["code"] == "UNAUTHENTICATED"
    assert (await api_login(api, accounts["referent"], NEW_PASSWORD))["__typename"] == "LoginPayload"
    # and the change is audited without any secret
    audit = (await session.exec(select(AuditLog).where(AuditLog.field == "password"))).one()
    assert audit.actor == accounts["referent"] and audit.new_value == "changed"


@pytest.mark.parametrize(("nouveau", "field"), [
    ("too short!", "nouveau"),
    ("referent@ehpad.test", "nouveau"),
    ("REFERENT@EHPAD.TEST", "nouveau"),
])
async def test_new_password_breaking_the_policy_changes_nothing(api, accounts, session, nouveau, field):
    token = (await api_login(api, accounts["referent"]))["token"]
    before = await stored_hash(session, accounts["referent"])
    answer = await change(api, token, PASSWORD, nouveau)
    assert (answer["code"], answer["field"]) == ("BAD_INPUT", field)
    assert await stored_hash(session, accounts["referent"]) == before
    assert (await graphql(api, ME, token=token))["status"] == 200


async def test_wrong_current_password_is_refused_and_counted(api, accounts, session):
    token = (await api_login(api, accounts["referent"]))["token"]
    before = await stored_hash(session, accounts["referent"])
    for _ in range(5):
        answer = await change(api, token, "not my password", NEW_PASSWORD)
        assert (answer["code"], answer["field"]) == ("BAD_INPUT", "ancien")
    # then a stolen session cannot go on guessing the current password
    answer = await change(api, token, PASSWORD, NEW_PASSWORD)
    assert answer["code"] == "TOO_MANY_ATTEMPTS" and answer["retryAfter"] > 0
    assert await stored_hash(session, accounts["referent"]) == before


async def test_anonymous_and_api_clients_cannot_change_a_password(api, session):
    from ror_graph.services.accounts.auth import create_api_client

    _, client_token = await create_api_client(session, name="Portail", profile="public")
    assert (await graphql(api, CHANGE, {"a": PASSWORD, "n": NEW_PASSWORD}))["data"]["changerMotDePasse"]["code"] \
        == "UNAUTHENTICATED"
    assert (await change(api, client_token, PASSWORD, NEW_PASSWORD))["code"] == "UNAUTHENTICATED"


async def test_my_account_page_changes_the_password_and_logs_out(http_from, accounts, session):
    browser = http_from("10.0.0.3")
    await login(browser, accounts["support"])
    page = await browser.get("/admin/mon-compte")
    assert page.status_code == 200 and 'type="password"' in page.text
    # a confirmation that does not match changes nothing
    mismatch = await browser.post("/admin/mon-compte", data={
        "ancien": PASSWORD, "nouveau": NEW_PASSWORD, "confirmation": "something else",
        "csrf_token": csrf_from(page.text)})
    assert mismatch.status_code == 400
    # when the form is filled in correctly
    done = await browser.post("/admin/mon-compte", data={
        "ancien": PASSWORD, "nouveau": NEW_PASSWORD, "confirmation": NEW_PASSWORD,
        "csrf_token": csrf_from(mismatch.text)})
    # then the session is over and only the new password opens a new one
    assert done.status_code == 200 and "reconnectez-vous" in done.text
    assert (await browser.get("/admin/etablissement/list")).status_code == 302
    assert (await login(http_from("10.0.0.4"), accounts["support"])).status_code == 400
    assert (await login(http_from("10.0.0.5"), accounts["support"], NEW_PASSWORD)).status_code == 302


async def reset_link(database_url: str, email: str) -> tuple[int, str, str]:
    """Run ``ror-graph reset-password EMAIL``: (exit code, stdout, stderr)."""
    cli = Path(sys.executable).parent / "ror-graph"
    env = {**os.environ, "ROR_GRAPH_DATABASE_URL": database_url, "ROR_GRAPH_PUBLIC_URL": "https://ror.example.fr"}
    process = await asyncio.create_subprocess_exec(str(cli), "reset-password", email, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await process.communicate()
    return process.returncode, stdout.decode(), stderr.decode()


async def test_reset_link_sets_a_new_password_once(database_url, http_from, api, accounts, session):
    # given a support agent with an open API session, and a link printed by the CLI
    old_token = (await api_login(api, accounts["support"]))["token"]
    code, out, err = await reset_link(database_url, accounts["support"])
    assert code == 0, err
    url = out.strip()
    assert url.startswith("https://ror.example.fr/admin/reset/")
    token = url.rsplit("/", 1)[1]
    # only the token's digest is stored, valid one hour
    row = (await session.exec(select(PasswordReset))).one()
    assert row.token_hash == hash_token(token) and row.expires_at - row.created_at == timedelta(hours=1)
    # when the person opens the link and chooses a password
    browser = http_from("10.0.0.6")
    path = f"/admin/reset/{token}"
    form = await browser.get(path)
    assert form.status_code == 200 and form.headers["referrer-policy"] == "no-referrer"
    done = await browser.post(path, data={"nouveau": NEW_PASSWORD, "confirmation": NEW_PASSWORD,
                                          "csrf_token": csrf_from(form.text)})
    assert done.status_code == 200 and "Mot de passe enregistré" in done.text
    # then the new password works, the old session is over, and the link is spent
    assert (await login(http_from("10.0.0.7"), accounts["support"], NEW_PASSWORD)).status_code == 302
    assert (await graphql(api, ME, token=old_token))["status"] == 401
    again = await browser.get(path)
    assert again.status_code == 400 and 'type="password"' not in again.text


async def test_expired_or_unknown_reset_link_is_refused(database_url, http_from, accounts, session):
    code, out, err = await reset_link(database_url, accounts["support"])
    assert code == 0, err
    token = out.strip().rsplit("/", 1)[1]
    conn = await session.connection()
    await conn.execute(update(PasswordReset).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    await session.commit()
    browser = http_from("10.0.0.6")
    for path in (f"/admin/reset/{token}", "/admin/reset/made-up-token"):
        page = await browser.get(path)
        assert page.status_code == 400 and "invalid, already used or expired" in page.text
    before = await stored_hash(session, accounts["support"])
    post = await browser.post(f"/admin/reset/{token}", data={
        "nouveau": NEW_PASSWORD, "confirmation": NEW_PASSWORD, "csrf_token": csrf_from(page.text)})
    assert post.status_code == 400
    assert await stored_hash(session, accounts["support"]) == before


async def test_reset_for_an_unknown_account_is_one_line_and_exit_2(database_url, accounts):
    code, out, err = await reset_link(database_url, "nobody@ars.test")
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0 and "NOT_FOUND" in err
