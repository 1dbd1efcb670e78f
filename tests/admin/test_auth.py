"""Back-office login: who gets in, how the session cookie is set, logout, CSRF on every form."""

from __future__ import annotations

import httpx
from sqlmodel import select

from ror_graph.admin.auth import BAD_CREDENTIALS, REFUSED_ROLE
from ror_graph.models import AuditLog, Etablissement
from tests.admin.conftest import PASSWORD, Seeded, csrf_from, login, page_token


async def test_support_logs_in_and_reaches_the_lists(client: httpx.AsyncClient, accounts):
    # given a support account
    # when it logs in through the form
    response = await login(client, accounts["support"])
    # then it is sent to the back office and the lists open
    assert response.status_code == 302
    assert response.headers["location"].endswith("/admin/")
    listing = await client.get("/admin/etablissement/list")
    assert listing.status_code == 200
    assert "Établissements" in listing.text


async def test_session_cookie_is_signed_http_only_strict_and_scoped_to_admin(client: httpx.AsyncClient, accounts):
    response = await login(client, accounts["admin"])
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("ror_admin_session=")
    assert "httponly" in cookie.lower()
    assert "samesite=strict" in cookie.lower()
    assert "path=/admin" in cookie.lower()
    assert "Max-Age=36000" in cookie  # a working day
    assert "secure" not in cookie.lower()  # debug app served over http; production sets Secure


async def test_wrong_password_is_refused_with_a_clear_message(client: httpx.AsyncClient, accounts):
    response = await login(client, accounts["support"], password="not the password")
    assert response.status_code == 400
    assert BAD_CREDENTIALS in response.text
    assert (await client.get("/admin/etablissement/list")).status_code == 302


async def test_referent_and_directeur_are_refused_with_a_clear_page(client: httpx.AsyncClient, accounts):
    for role in ("referent", "directeur"):
        # given valid credentials of a role without back-office access
        response = await login(client, accounts[role])
        # then the login page explains the refusal and no session is opened
        assert response.status_code == 403
        assert REFUSED_ROLE.replace("'", "&#39;") in response.text
        listing = await client.get("/admin/etablissement/list")
        assert listing.status_code == 302 and listing.headers["location"].endswith("/admin/login")


async def test_logout_ends_the_session(client: httpx.AsyncClient, accounts):
    await login(client, accounts["support"])
    assert (await client.get("/admin/etablissement/list")).status_code == 200
    # when
    response = await client.get("/admin/logout")
    # then
    assert response.status_code == 302 and response.headers["location"].endswith("/admin/login")
    listing = await client.get("/admin/etablissement/list")
    assert listing.status_code == 302 and listing.headers["location"].endswith("/admin/login")


async def test_deactivated_account_loses_access_at_the_next_request(client: httpx.AsyncClient, accounts, session):
    from ror_graph.models import Account

    await login(client, accounts["support"])
    account = (await session.exec(select(Account).where(Account.email == accounts["support"]))).one()
    account.active = False
    await session.commit()
    assert (await client.get("/admin/etablissement/list")).status_code == 302


async def test_login_without_csrf_token_is_refused(client: httpx.AsyncClient, accounts):
    await client.get("/admin/login")
    response = await client.post("/admin/login", data={"username": accounts["support"], "password": PASSWORD})
    assert response.status_code == 403
    assert "CSRF" in response.text
    assert (await client.get("/admin/etablissement/list")).status_code == 302


async def test_form_post_without_or_with_a_wrong_csrf_token_changes_nothing(
        support: httpx.AsyncClient, structures: Seeded, session):
    # given a logged-in support user and an EG
    eg_id = structures.eg_ids[0]
    url = f"/admin/etablissement/corriger-finess/{eg_id}"
    data = {"champ": "raison_sociale", "valeur": "NOUVEAU NOM", "motif": "Courrier de l'ARS"}
    # when the correction form is posted without the token, or with another session's token
    missing = await support.post(url, data=data)
    wrong = await support.post(url, data={**data, "csrf_token": "forged-token"})
    # then both are refused and nothing is written
    assert missing.status_code == 403 and wrong.status_code == 403
    eg = await session.get(Etablissement, eg_id)
    assert eg.raison_sociale == "EHPAD NUMERO 00"
    assert (await session.exec(select(AuditLog))).all() == []


async def test_csrf_token_is_accepted_from_the_header_too(support: httpx.AsyncClient, structures: Seeded):
    token = await page_token(support)
    response = await support.post(f"/admin/etablissement/corriger-finess/{structures.eg_ids[0]}",
                                  data={"champ": "raison_sociale", "valeur": "X", "motif": ""},
                                  headers={"X-CSRF-Token": token})
    # past the CSRF check, the view itself refuses the missing motif
    assert response.status_code == 400


async def test_login_renews_the_csrf_token(client: httpx.AsyncClient, accounts):
    before = csrf_from((await client.get("/admin/login")).text)
    await login(client, accounts["support"])
    after = await page_token(client)
    assert before != after


async def test_production_cookie_is_secure(database_url: str, accounts):
    # given a non-debug app with a real secret
    from ror_graph.app import create_app
    from ror_graph.settings import Settings

    app = create_app(Settings(database_url=database_url, meili_managed=False, secret_key="a-real-secret", debug=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as http:
        response = await login(http, accounts["support"])
    await app.state.ror.engine.dispose()
    # then the session cookie is only ever sent over HTTPS
    assert response.status_code == 302
    assert "secure" in response.headers["set-cookie"].lower()


def test_default_secret_is_never_used_outside_debug(caplog, tmp_path):
    import logging
    import stat

    from ror_graph.admin import session_secret
    from ror_graph.settings import DEV_SECRET, Settings

    caplog.set_level(logging.INFO)
    # in debug the development secret is accepted, with a warning
    assert session_secret(Settings(debug=True, data_dir=tmp_path)) == DEV_SECRET
    # outside debug a key drawn once and kept in the data directory (owner-only) replaces it, for every
    # worker and restart on that directory
    first = session_secret(Settings(debug=False, data_dir=tmp_path))
    second = session_secret(Settings(debug=False, data_dir=tmp_path))
    assert DEV_SECRET != first == second and len(first) >= 40
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert session_secret(Settings(debug=False, data_dir=tmp_path / "other")) != first
    assert any("ROR_GRAPH_SECRET_KEY is not set" in r.message for r in caplog.records)
    assert session_secret(Settings(debug=False, secret_key="configured")) == "configured"
