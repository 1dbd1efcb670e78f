"""Back-office sessions are server-side: the cookie is only a session id, and ending the session works.

A cookie replayed after logout, deactivation, a password change, the idle timeout (30 min by
default) or the absolute lifetime is sent back to the login page. Time passing is simulated by
moving the session's stored dates back, never by sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import update
from sqlmodel import select

from ror_graph.models import SessionKind, SessionToken
from ror_graph.services.accounts.accounts import set_account_active
from ror_graph.services.accounts.auth import hash_token, resolve_bearer
from ror_graph.services.core.changes import Actor
from ror_graph.services.core.errors import UnauthenticatedError
from tests.security.accounts.conftest import account_id, api_login, cookie_payload, login

LIST = "/admin/etablissement/list"


def replay(http_from, cookie: str) -> httpx.AsyncClient:
    """Another browser (an attacker) presenting a copied cookie."""
    thief = http_from("198.51.100.4")
    thief.headers["cookie"] = f"ror_admin_session={cookie}"
    return thief


async def opens(http: httpx.AsyncClient) -> bool:
    response = await http.get(LIST)
    if response.status_code == 302:
        assert response.headers["location"].endswith("/admin/login")
        return False
    assert response.status_code == 200
    return True


async def logged_in(http_from, email: str) -> tuple[httpx.AsyncClient, str]:
    browser = http_from("10.0.0.3")
    assert (await login(browser, email)).status_code == 302
    return browser, browser.cookies["ror_admin_session"]


async def admin_sessions(session) -> list[SessionToken]:
    return list(await session.exec(select(SessionToken).where(SessionToken.kind == SessionKind.admin.value)
                                   .order_by(SessionToken.id)))


async def test_cookie_carries_only_a_session_id(http_from, accounts, session):
    browser, _ = await logged_in(http_from, accounts["support"])
    # the signed cookie holds a random id (and the CSRF token), not the account, e-mail or role
    payload = cookie_payload(browser)
    assert set(payload) <= {"sid", "csrf_token"}
    assert accounts["support"] not in str(payload)
    # and only the id's digest is stored
    [row] = await admin_sessions(session)
    assert row.token_hash == hash_token(payload["sid"]) != payload["sid"]


async def test_cookie_replayed_after_logout_gets_the_login_page(http_from, accounts, session):
    browser, cookie = await logged_in(http_from, accounts["support"])
    assert await opens(replay(http_from, cookie))
    # when the user logs out
    await browser.get("/admin/logout")
    # then the copied cookie no longer opens anything, and the session is revoked in the database
    assert not await opens(replay(http_from, cookie))
    [row] = await admin_sessions(session)
    assert row.revoked_at is not None


async def test_cookie_replayed_after_deactivation_gets_the_login_page(http_from, accounts, session):
    _, cookie = await logged_in(http_from, accounts["support"])
    assert await opens(replay(http_from, cookie))
    admin_id = await account_id(session, accounts["admin"])
    # when an admin deactivates the account
    actor = Actor(name=accounts["admin"], role="admin", source="admin", account_id=admin_id)
    await set_account_active(session, actor=actor, account_id=await account_id(session, accounts["support"]),
                             active=False, motif="Départ")
    # then its session is revoked, even if the account were reactivated later
    [row] = await admin_sessions(session)
    assert row.revoked_at is not None
    await set_account_active(session, actor=actor, account_id=row.account_id, active=True)
    assert not await opens(replay(http_from, cookie))


async def test_idle_session_ends_after_the_idle_timeout(http_from, accounts, session):
    _, cookie = await logged_in(http_from, accounts["support"])
    [row] = await admin_sessions(session)
    # given the session was last used 29 minutes ago: it still works (and its last use is refreshed)
    await move_last_use(session, row.id, timedelta(minutes=29))
    assert await opens(replay(http_from, cookie))
    refreshed = (await admin_sessions(session))[0]
    assert refreshed.last_used_at > datetime.now(UTC) - timedelta(minutes=1)
    # when it was last used 31 minutes ago
    await move_last_use(session, row.id, timedelta(minutes=31))
    # then it has ended
    assert not await opens(replay(http_from, cookie))


async def test_session_ends_at_its_absolute_lifetime_even_when_active(http_from, accounts, session):
    browser, _ = await logged_in(http_from, accounts["support"])
    [row] = await admin_sessions(session)
    assert row.expires_at - row.created_at == timedelta(hours=10)
    conn = await session.connection()
    await conn.execute(update(SessionToken).where(SessionToken.id == row.id)
                       .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    await session.commit()
    assert not await opens(browser)


async def test_each_login_gets_a_new_session_id_and_ends_the_previous_one(http_from, accounts, session):
    browser, first = await logged_in(http_from, accounts["support"])
    first_sid = cookie_payload(browser)["sid"]
    # when the same browser logs in again
    assert (await login(browser, accounts["support"])).status_code == 302
    # then it holds a new id and the old one is revoked
    assert cookie_payload(browser)["sid"] != first_sid
    old, new = await admin_sessions(session)
    assert old.revoked_at is not None and new.revoked_at is None
    assert not await opens(replay(http_from, first))
    assert await opens(replay(http_from, browser.cookies["ror_admin_session"]))


async def test_admin_session_id_is_not_a_bearer_token(http_from, api, accounts, session):
    browser, _ = await logged_in(http_from, accounts["support"])
    try:
        await resolve_bearer(session, cookie_payload(browser)["sid"])
        raise AssertionError("an admin session id was accepted as a bearer token")
    except UnauthenticatedError:
        pass
    # and an API bearer token is not a back-office session
    token = (await api_login(api, accounts["support"]))["token"]
    assert await opens(replay(http_from, signed_cookie({"sid": cookie_payload(browser)["sid"]})))
    assert not await opens(replay(http_from, signed_cookie({"sid": token})))


def signed_cookie(payload: dict) -> str:
    """A cookie signed with the test app's secret, as only the server could make it."""
    import base64
    import json

    from itsdangerous import TimestampSigner

    return TimestampSigner("test-secret").sign(base64.b64encode(json.dumps(payload).encode())).decode()


async def move_last_use(session, session_id: int, ago: timedelta) -> None:
    conn = await session.connection()
    await conn.execute(update(SessionToken).where(SessionToken.id == session_id)
                       .values(last_used_at=datetime.now(UTC) - ago))
    await session.commit()
