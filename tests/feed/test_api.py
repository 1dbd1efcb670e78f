"""The feed over HTTP (``GET /api/changes`` NDJSON) and GraphQL (``changes``), through the real app."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from ror_graph.app import create_app
from ror_graph.services.accounts.auth import create_api_client
from ror_graph.services.feed.cursor import issue
from ror_graph.settings import Settings
from tests.feed.test_feed import patch
from tests.write.conftest import EG_B, EJ_B


@pytest.fixture
async def http(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(database_url=database_url, meili_managed=False))
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client):
        yield client


def lines(response: httpx.Response) -> tuple[list[dict], dict]:
    rows = [json.loads(line) for line in response.text.splitlines()]
    return rows[:-1], rows[-1]


async def test_ndjson_feed_per_profile_with_tombstone_and_resume(session, world, http):
    # given a public and a regulation API client, and offer A made sensitive after an edit
    _, public = await create_api_client(session, name="portail", profile="public")
    _, regulation = await create_api_client(session, name="samu", profile="regulation")
    await patch(session, world, {"commentaire": "avant"})
    await patch(session, world, {"unite_sensible": True})
    # when each reads the feed from the start
    as_public = await http.get("/api/changes", headers={"Authorization": f"Bearer {public}"})
    as_regulation = await http.get("/api/changes?entites=unite", headers={"Authorization": f"Bearer {regulation}"})
    # then NDJSON lines end with the cursor line, and the public client gets a tombstone for offer A
    assert as_public.status_code == 200 and as_public.headers["content-type"].startswith("application/x-ndjson")
    items, end = lines(as_public)
    mine = [(i["op"], i["data"] is None) for i in items if i["key"] == world.unite_a]
    assert mine == [("deleted", True)] and end["hasMore"] is False
    regulation_items, _ = lines(as_regulation)
    assert [i["op"] for i in regulation_items if i["key"] == world.unite_a] == ["updated", "updated"]
    assert {i["entity"] for i in regulation_items} == {"unite"}
    # and resuming from the end cursor gives nothing new until the next change
    again, _ = lines(await http.get(f"/api/changes?after={end['cursor']}"))
    assert again == []
    await patch(session, world, {"commentaire": "B"}, identifiant=world.unite_b)
    after, _ = lines(await http.get(f"/api/changes?after={end['cursor']}&limit=1"))
    assert [(i["op"], i["key"]) for i in after] == [("updated", world.unite_b)]


async def test_http_errors_come_before_the_stream(http, world):
    # given an expired cursor, a bad limit, a bad token
    expired = issue(1, datetime.now(UTC) - timedelta(days=401))
    # when they are sent, then 410 / 400 / 401 with a JSON error body
    gone = await http.get(f"/api/changes?after={expired}")
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "CURSOR_EXPIRED"
    bad = await http.get("/api/changes?limit=0")
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "limit"
    assert (await http.get("/api/changes?entites=lieu,x")).status_code == 400
    assert (await http.get("/api/changes", headers={"Authorization": "Bearer nope"})).status_code == 401


async def test_graphql_changes(http, session, world):
    # given an edit of offer B
    await patch(session, world, {"commentaire": "graphql"}, identifiant=world.unite_b)
    query = ("query($a: String) { changes(after: $a, first: 10, filter: {entites: [UNITE], regions: [\"84\"]}) "
             "{ cursor hasMore changes { op entity key fields data } } }")
    # when an anonymous caller asks for the changes of region 84's offers
    body = (await http.post("/graphql", json={"query": query})).json()
    page = body["data"]["changes"]
    # then it gets the edit, with the public form
    assert [(c["op"], c["key"], c["fields"]) for c in page["changes"]] == [("updated", world.unite_b, ["commentaire"])]
    assert page["changes"][0]["data"]["commentaire"] == "graphql"
    # and an expired cursor is a CURSOR_EXPIRED error
    expired = issue(1, datetime.now(UTC) - timedelta(days=401))
    error = (await http.post("/graphql", json={"query": query, "variables": {"a": expired}})).json()
    assert error["errors"][0]["extensions"]["code"] == "CURSOR_EXPIRED"


async def test_a_client_limited_to_a_region_and_its_position(session, world, http):
    from ror_graph.services.clients.settings import configure_feed, position
    from ror_graph.services.core.changes import Actor

    # given an API client limited by the admin to region 84 (Lyon)
    client, token = await create_api_client(session, name="carte-ara", profile="public")
    admin = world.callers["admin"]
    await configure_feed(session, actor=Actor(name=admin.email, role="admin", source="admin",
                                              account_id=admin.account_id),
                         client_id=client.id, regions=["84"], webhook_url=None)
    await patch(session, world, {"commentaire": "Paris"})
    await patch(session, world, {"commentaire": "Lyon"}, identifiant=world.unite_b)
    # when it reads the whole feed, even asking for region 11 too
    items, end = lines(await http.get("/api/changes?regions=11,84", headers={"Authorization": f"Bearer {token}"}))
    # then it only gets region 84, and its position is recorded with no lag
    assert world.unite_b in {i["key"] for i in items} <= {world.unite_b, EG_B, EJ_B}
    where = await position(session, client.id)
    assert where.last_seq == int(end["cursor"].split(".")[0]) and where.lag == 0
    # and one more change makes it lag by one
    await patch(session, world, {"commentaire": "encore"})
    assert (await position(session, client.id)).lag >= 1


async def test_export_job_over_http(session, world, database_url, tmp_path):
    import asyncio
    import gzip

    # given the app with its data folder, a public API client and another client
    app = create_app(Settings(database_url=database_url, meili_managed=False, data_dir=tmp_path))
    _, token = await create_api_client(session, name="portail", profile="public")
    _, other = await create_api_client(session, name="autre", profile="public")
    await patch(session, world, {"unite_sensible": True}, identifiant=world.unite_b)
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http):
        auth = {"Authorization": f"Bearer {token}"}
        # when it asks for an export, then 202 with a status URL, then done with the files
        created = await http.post("/api/exports", json={"format": "ndjson"}, headers=auth)
        assert created.status_code == 202 and created.headers["location"] == created.json()["statusUrl"]
        for _ in range(200):
            status = (await http.get(created.json()["statusUrl"], headers=auth)).json()
            if status["status"] not in ("queued", "running"):
                break
            await asyncio.sleep(0.05)
        assert status["status"] == "done" and status["counts"]["unite"] == 1 and "." in status["cursor"]
        unites = next(url for url in status["files"] if url.endswith("unite.ndjson.gz"))
        body = (await http.get(unites, headers=auth)).content
        assert [json.loads(line)["identifiant"] for line in gzip.decompress(body).splitlines()] == [world.unite_a]
        # and nobody else reads the job; anonymous callers and bad formats are refused
        assert (await http.get(created.json()["statusUrl"], headers={"Authorization": f"Bearer {other}"})
                ).status_code == 404
        assert (await http.post("/api/exports", json={})).status_code == 401
        assert (await http.post("/api/exports", json={"format": "pdf"}, headers=auth)).status_code == 400
        assert (await http.get(created.json()["statusUrl"] + "/../../etc", headers=auth)).status_code == 404
