"""Event consumers (retry now, reindex) and event log, admin-only views (accounts, API clients), dashboard."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import insert
from sqlmodel import select

from ror_graph.admin.reindex import NOT_CONFIGURED
from ror_graph.models import Account, AccountScope, ApiClient, Consumer, Event, ImportRun, utcnow
from ror_graph.services.accounts.auth import hash_token
from ror_graph.services.core.errors import BadInputError
from ror_graph.services.events.consumers import events_summary, retry_now
from tests.admin.conftest import PASSWORD, Seeded, login, page_token


@pytest.fixture
async def consumers(session) -> dict[str, int]:
    """Five events; "search" has processed 2 and is failing, "feed" has processed all of them."""
    now = utcnow()
    conn = await session.connection()
    seqs = (await conn.execute(insert(Event).returning(Event.seq), [
        dict(at=now - timedelta(hours=5 - i), entity="unite", entity_id=i, entity_key=f"11/{i}", op="update",
             version=2, fields=["nom"]) for i in range(1, 6)
    ])).scalars().all()
    await conn.execute(insert(Consumer), [
        dict(name="search", cursor=seqs[1], attempts=4, last_error="Meilisearch unreachable",
             retry_at=now + timedelta(seconds=4), lease_owner=None, updated_at=now),
        dict(name="feed", cursor=seqs[-1], attempts=0, last_error=None, retry_at=None, lease_owner=None,
             updated_at=now),
    ])
    await session.commit()
    return {"last": seqs[-1], "search_cursor": seqs[1]}


async def test_retry_now_resets_backoff_and_lease_and_keeps_the_error(session, consumers):
    # when support retries the failing consumer
    count = await retry_now(session, ["search"])
    # then it may run at once (attempts reset, no retry date, lease free), its cursor and last error kept
    assert count == 1
    session.expire_all()
    search = await session.get(Consumer, "search")
    assert (search.attempts, search.retry_at, search.lease_owner) == (0, None, None)
    assert search.cursor == consumers["search_cursor"] and search.last_error == "Meilisearch unreachable"


async def test_retry_needs_a_selection(session):
    with pytest.raises(BadInputError):
        await retry_now(session, [])


async def test_events_summary_counts_what_the_slowest_consumer_has_left(session, consumers):
    summary = await events_summary(session)
    assert (summary.pending, summary.failed) == (3, 1)
    assert summary.oldest_pending_at is not None and summary.oldest_pending_at < utcnow() - timedelta(hours=2)


async def test_consumers_view_shows_lag_and_errors_and_retries(support: httpx.AsyncClient, consumers, session):
    page = await support.get("/admin/consumer/list")
    assert page.status_code == 200
    assert "Meilisearch unreachable" in page.text and "Retard (événements)" in page.text
    # the lag is the last seq minus the cursor: 3 for search, 0 for feed
    row = page.text[page.text.index(">search<"):]
    assert f">{consumers['search_cursor']}<" in row[:2000] and ">3<" in row[:2000]
    failing = await support.get("/admin/consumer/list", params={"etat": "en_echec"})
    assert "Lignes 1 à 1 sur 1" in failing.text
    # the "retry now" action asks for confirmation, then goes through the service
    action = await support.get("/admin/consumer/action/relancer", params={"pks": "search"})
    confirm = await support.get(action.headers["location"])
    assert "1 consommateur(s)" in confirm.text
    done = await support.post("/admin/consumer/relancer", data={"pks": "search",
                                                               "csrf_token": await page_token(support)})
    assert done.status_code == 303
    session.expire_all()
    assert (await session.get(Consumer, "search")).attempts == 0


async def test_events_view_filters_by_entity_and_operation(support: httpx.AsyncClient, consumers, session):
    session.add(Event(entity="etablissement", entity_id=9, entity_key="750000019", op="close", version=4,
                      fields=["ferme"]))
    await session.commit()
    closing = await support.get("/admin/event/list", params={"operation": "close"})
    assert closing.status_code == 200 and "750000019" in closing.text and "Lignes 1 à 1 sur 1" in closing.text
    offers = await support.get("/admin/event/list", params={"entite": "unite"})
    assert "Lignes 1 à 5 sur 5" in offers.text and "750000019" not in offers.text
    found = await support.get("/admin/event/list", params={"search": "11/3"})
    assert "Lignes 1 à 1 sur 1" in found.text


async def test_reindex_says_clearly_when_search_is_not_configured(support: httpx.AsyncClient):
    page = await support.get("/admin/consumer/reindexer")
    assert page.status_code == 200 and "Réindexer la recherche" in page.text
    response = await support.post("/admin/consumer/reindexer", data={"csrf_token": await page_token(support)})
    assert response.status_code == 200
    assert NOT_CONFIGURED.replace("'", "&#39;") in response.text


async def test_accounts_and_api_clients_are_admin_only(support: httpx.AsyncClient, accounts):
    # support neither sees them in the menu nor opens them
    menu = await support.get("/admin/etablissement/list")
    assert "/admin/account/list" not in menu.text and "/admin/api-client/list" not in menu.text
    assert (await support.get("/admin/account/list")).status_code == 403
    assert (await support.get("/admin/api-client/list")).status_code == 403
    assert (await support.get("/admin/account/create")).status_code == 403


async def test_admin_creates_an_account_through_the_service(admin: httpx.AsyncClient, structures: Seeded, session):
    response = await admin.post("/admin/account/create", data={
        "email": "Nouvelle.Referente@EHPAD.test", "nom": "Nouvelle", "role": "referent", "password": PASSWORD,
        "scopes": f"eg {structures.eg_finess[4]}", "save": "Save", "csrf_token": await page_token(admin)})
    assert response.status_code == 302, response.text[:1000]
    account = (await session.exec(select(Account).where(Account.email == "nouvelle.referente@ehpad.test"))).one()
    assert account.role == "referent" and account.password_hash.startswith("$argon2")
    scopes = (await session.exec(select(AccountScope).where(AccountScope.account_id == account.id))).all()
    assert [(s.kind, s.finess) for s in scopes] == [("eg", structures.eg_finess[4])]
    # the new referent still cannot enter the back office
    async with httpx.AsyncClient(transport=admin._transport, base_url="http://testserver") as other:
        assert (await login(other, "nouvelle.referente@ehpad.test")).status_code == 403


async def test_account_creation_errors_are_shown_and_write_nothing(admin: httpx.AsyncClient, accounts, session):
    before = len((await session.exec(select(Account))).all())
    response = await admin.post("/admin/account/create", data={
        "email": "short@ars.test", "role": "support", "password": "short", "save": "Save",
        "csrf_token": await page_token(admin)})
    assert response.status_code == 400
    assert "12 characters" in response.text  # password policy: 12 characters at least
    assert len((await session.exec(select(Account))).all()) == before


async def test_password_and_token_hashes_are_never_shown(admin: httpx.AsyncClient, accounts, session):
    account = (await session.exec(select(Account).where(Account.email == accounts["support"]))).one()
    session.add(ApiClient(name="Portail", profile="public", token_hash=hash_token("secret-token")))
    await session.commit()
    client = (await session.exec(select(ApiClient))).one()
    pages = [await admin.get(url) for url in (
        "/admin/account/list", f"/admin/account/details/{account.id}", "/admin/account/export/csv",
        "/admin/api-client/list", f"/admin/api-client/details/{client.id}", "/admin/api-client/export/csv")]
    assert all(p.status_code == 200 for p in pages)
    for page in pages:
        assert account.password_hash not in page.text and "$argon2" not in page.text
        assert client.token_hash not in page.text


async def test_new_api_client_token_is_shown_once(admin: httpx.AsyncClient, session):
    response = await admin.post("/admin/api-client/create", data={
        "name": "Via Trajectoire", "profile": "professional", "expires_at": "", "save": "Save",
        "csrf_token": await page_token(admin)})
    assert response.status_code == 200  # SQLAdmin re-renders the page with the one-time secret modal
    assert response.headers["cache-control"].startswith("no-store")
    client = (await session.exec(select(ApiClient))).one()
    assert client.profile == "professional"
    # the page shows the clear token, whose digest is what the database keeps
    shown = [t for t in response.text.split('"') if len(t) >= 30 and hash_token(t) == client.token_hash]
    assert shown, "token not displayed"
    assert shown[0] not in (await admin.get("/admin/api-client/list")).text


async def test_dashboard_shows_indicators_by_departement_and_import_history(support: httpx.AsyncClient,
                                                                           structures: Seeded, session):
    session.add(ImportRun(source="finess_2026-01.csv", format="csv", status="done", finished_at=utcnow()))
    await session.commit()
    # the back-office home opens the dashboard
    home = await support.get("/admin/")
    assert home.status_code == 302 and home.headers["location"].endswith("/admin/tableau-de-bord")
    page = await support.get("/admin/tableau-de-bord")
    assert page.status_code == 200
    # 20 open EGs (every third is closed); the even ones (département 75) were validated last month
    assert 'id="kpi-total">20<' in page.text
    assert "75 Paris" in page.text and "69 Rhône" in page.text
    assert "finess_2026-01.csv" in page.text


async def test_audit_view_filters_by_entity_author_and_period(support: httpx.AsyncClient, structures: Seeded,
                                                              session):
    from ror_graph.models import AuditLog

    now = utcnow()
    for i, (entity, actor, age) in enumerate([("etablissement", "alice@ars.test", 1), ("unite", "bob@ars.test", 2),
                                              ("etablissement", "bob@ars.test", 400)]):
        session.add(AuditLog(at=now - timedelta(days=age), entity=entity, entity_id=f"ID{i}", field="nom",
                             actor=actor, role="support", source="admin", change_id=f"c{i}"))
    await session.commit()

    async def ids(**params) -> set[str]:
        page = await support.get("/admin/audit-log/list", params=params)
        assert page.status_code == 200
        return {f"ID{i}" for i in range(3) if f">ID{i}<" in page.text}

    assert await ids(entite="etablissement") == {"ID0", "ID2"}
    assert await ids(auteur="bob", auteur_op="starts_with") == {"ID1", "ID2"}
    assert await ids(periode="mois") == {"ID0", "ID1"}
    assert await ids(entite="etablissement", periode="an", auteur="alice@ars.test", auteur_op="equals") == {"ID0"}
    # the CSV export follows the same filters
    export = await support.get("/admin/audit-log/export/csv", params={"auteur": "bob", "auteur_op": "contains"})
    assert "ID1" in export.text and "ID2" in export.text and "ID0" not in export.text
