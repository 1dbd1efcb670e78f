"""Admin-only actions: deactivate / reactivate accounts, revoke API clients — and what that does to access."""

from __future__ import annotations

import html

import httpx
from sqlmodel import select

from ror_graph.models import Account, ApiClient, AuditLog
from ror_graph.services.accounts.auth import create_api_client
from tests.admin.conftest import PASSWORD, login, page_token

LOGIN = ('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { __typename '
         '... on LoginPayload { token } ... on Error { code } } }')
PROBE = "{ indicateurs { total } }"


async def _graphql(http: httpx.AsyncClient, query: str, variables=None, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)


async def _account(session, email: str) -> Account:
    session.expire_all()
    account = (await session.exec(select(Account).where(Account.email == email))).one()
    session.expunge(account)
    return account


async def _audits(session, entity: str) -> list[AuditLog]:
    session.expire_all()
    return list(await session.exec(select(AuditLog).where(AuditLog.entity == entity).order_by(AuditLog.id)))


async def test_deactivated_account_is_locked_out_everywhere_until_reactivated(admin: httpx.AsyncClient, admin_app,
                                                                              accounts, session):
    # given the support agent holds a GraphQL bearer token
    support = await _account(session, accounts["support"])
    token = (await _graphql(admin, LOGIN, {"e": accounts["support"], "p": PASSWORD})).json()["data"]["login"]["token"]
    assert (await _graphql(admin, PROBE, token=token)).status_code == 200
    # when the admin deactivates the account from the list action, with a motif
    action = await admin.get("/admin/account/action/desactiver", params={"pks": str(support.id)})
    assert action.status_code == 302
    form = await admin.get(action.headers["location"])
    assert form.status_code == 200 and accounts["support"] in form.text
    done = await admin.post("/admin/account/desactiver", data={
        "pks": str(support.id), "motif": "Mutation dans une autre ARS", "csrf_token": await page_token(admin)})
    assert done.status_code == 303, html.unescape(done.text)[-2000:]
    # then the account is inactive, audited with the motif and the admin as author
    assert (await _account(session, accounts["support"])).active is False
    audits = await _audits(session, "account")
    assert [(a.field, a.new_value) for a in audits] == [("active", "false"), ("revoked_sessions", "1")]
    assert {(a.entity_id, a.actor, a.source, a.motif) for a in audits} == {
        (str(support.id), accounts["admin"], "admin", "Mutation dans une autre ARS")}
    # and its existing bearer token, the GraphQL login and the back-office login are all refused
    assert (await _graphql(admin, PROBE, token=token)).status_code == 401
    refused = (await _graphql(admin, LOGIN, {"e": accounts["support"], "p": PASSWORD})).json()["data"]["login"]
    assert refused == {"__typename": "ForbiddenError", "code": "UNAUTHENTICATED"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=admin_app), base_url="http://testserver") as other:
        assert (await login(other, accounts["support"])).status_code == 400
        # when the admin reactivates it, the person can log in again
        reactivated = await admin.post("/admin/account/reactiver", data={
            "pks": str(support.id), "motif": "", "csrf_token": await page_token(admin)})
        assert reactivated.status_code == 303
        assert (await login(other, accounts["support"])).status_code == 302
    assert [a.new_value for a in await _audits(session, "account")][-1] == "true"


async def test_deactivation_requires_a_motif_and_an_admin_cannot_lock_itself_out(admin: httpx.AsyncClient, accounts,
                                                                                 session):
    me, referent = await _account(session, accounts["admin"]), await _account(session, accounts["referent"])
    token = await page_token(admin)
    no_motif = await admin.post("/admin/account/desactiver", data={"pks": str(referent.id), "motif": "",
                                                                  "csrf_token": token})
    assert no_motif.status_code == 400 and "Le motif est obligatoire." in no_motif.text
    myself = await admin.post("/admin/account/desactiver", data={"pks": str(me.id), "motif": "essai",
                                                                "csrf_token": token})
    assert myself.status_code == 400 and "own account" in myself.text
    assert (await _account(session, accounts["admin"])).active
    assert (await _account(session, accounts["referent"])).active
    assert await _audits(session, "account") == []


async def test_revoked_api_client_gets_401(admin: httpx.AsyncClient, accounts, session):
    # given an API client whose token reads the API
    client, token = await create_api_client(session, name="Portail orientation", profile="professional")
    client_id = client.id
    assert (await _graphql(admin, PROBE, token=token)).status_code == 200
    # without a motif the revocation is refused
    csrf = await page_token(admin)
    refused = await admin.post("/admin/api-client/revoquer", data={"pks": str(client_id), "motif": "",
                                                                  "csrf_token": csrf})
    assert refused.status_code == 400 and (await _graphql(admin, PROBE, token=token)).status_code == 200
    # when the admin revokes it with a motif (list action → confirmation form → revoke)
    action = await admin.get("/admin/api-client/action/revoquer", params={"pks": str(client_id)})
    assert "Portail orientation" in (await admin.get(action.headers["location"])).text
    done = await admin.post("/admin/api-client/revoquer", data={"pks": str(client_id), "motif": "Convention échue",
                                                               "csrf_token": csrf})
    assert done.status_code == 303
    # then the token gets 401, the list shows the revocation date and the audit row names the admin
    assert (await _graphql(admin, PROBE, token=token)).status_code == 401
    session.expire_all()
    assert (await session.get(ApiClient, client_id)).revoked_at is not None
    [audit] = await _audits(session, "api_client")
    assert (audit.entity_id, audit.field, audit.actor, audit.motif) == (
        str(client_id), "revoked_at", accounts["admin"], "Convention échue")


async def test_support_cannot_reach_admin_only_actions(support: httpx.AsyncClient, accounts, session):
    referent = await _account(session, accounts["referent"])
    client, _ = await create_api_client(session, name="Portail", profile="public")
    client_id = client.id
    csrf = await page_token(support)
    for path in ("/admin/account/action/desactiver", "/admin/account/desactiver", "/admin/account/reactiver",
                 "/admin/api-client/action/revoquer", "/admin/api-client/revoquer"):
        assert (await support.get(path, params={"pks": "1"})).status_code == 403, path
    assert (await support.post("/admin/account/desactiver", data={
        "pks": str(referent.id), "motif": "x", "csrf_token": csrf})).status_code == 403
    assert (await support.post("/admin/api-client/revoquer", data={
        "pks": str(client_id), "motif": "x", "csrf_token": csrf})).status_code == 403
    # nothing changed
    assert (await _account(session, accounts["referent"])).active
    session.expire_all()
    assert (await session.get(ApiClient, client_id)).revoked_at is None
    assert await _audits(session, "account") == [] and await _audits(session, "api_client") == []
