"""``/ready`` follows the database and search: false while one is away, true again once it is back.

The app is the real one (lifespan, search worker applying the index settings); the database
(PostgreSQL when the suite runs on it) and Meilisearch are reached through a TCP proxy that the test
cuts and restores. On SQLite the database "goes away" as a file does: moved out and back.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from ror_graph.app import create_app
from ror_graph.settings import Settings
from search_index.server import ManagedMeili, MeiliUnavailable
from tests.production.proxy import Proxy


async def ready(http: httpx.AsyncClient) -> tuple[int, dict]:
    answer = await http.get("/ready")
    return answer.status_code, answer.json()


async def until_ready(http: httpx.AsyncClient, want: bool, patience: float = 30) -> dict:
    for _ in range(int(patience * 10)):
        status, body = await ready(http)
        if (status == 200) is want:
            return body
        await asyncio.sleep(0.1)
    pytest.fail(f"/ready did not turn {'true' if want else 'false'}: {body}")


@pytest.fixture
async def meili(tmp_path):
    try:
        server = await asyncio.to_thread(ManagedMeili(tmp_path / "meili").start)
    except MeiliUnavailable as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"no Meilisearch: {exc}")
    yield server
    server.stop()


async def test_ready_turns_false_when_database_or_search_go_away_and_true_when_they_return(
        database_url, meili, tmp_path):
    # given the app reaching its database and an external Meilisearch through cuttable links
    search_link = await Proxy("127.0.0.1", meili.port).restore()
    url, db_link, sqlite_file = make_url(database_url), None, None
    if url.get_backend_name() == "postgresql":
        db_link = await Proxy(url.host or "127.0.0.1", url.port or 5432).restore()
        url = url.set(host="127.0.0.1", port=db_link.port)
    else:
        sqlite_file = Path(url.database or "")
    settings = Settings(database_url=url.render_as_string(hide_password=False), data_dir=tmp_path,
                        meili_url=f"http://127.0.0.1:{search_link.port}", meili_key=meili.master_key,
                        secret_key="a-real-secret")
    app = create_app(settings)
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http):
        # then it is ready once the worker has applied the index settings; liveness never reads anything
        body = await until_ready(http, True)
        assert body["database"]["revision"] == body["database"]["head"] and body["search"]["ok"]
        assert (await http.get("/health")).json()["status"] == "ok"

        # when search goes away, then /ready is false (503, saying why) while /health stays true
        await search_link.cut()
        body = await until_ready(http, False)
        assert body["status"] == "not ready" and not body["search"]["ok"] and body["database"]["ok"]
        assert (await http.get("/health")).status_code == 200
        # when it returns, then /ready is true again
        await search_link.restore()
        await until_ready(http, True)

        # when the database goes away, then /ready is false; when it returns, true again
        if db_link:
            await db_link.cut()
        else:
            sqlite_file.rename(sqlite_file.with_suffix(".away"))
        body = await until_ready(http, False)
        assert not body["database"]["ok"] and "error" in body["database"]
        if db_link:
            await db_link.restore()
        else:
            sqlite_file.with_suffix(".away").rename(sqlite_file)
        await until_ready(http, True)
    await search_link.cut()
    if db_link:
        await db_link.cut()


async def test_ready_is_false_on_a_database_behind_the_code_and_on_stale_index_settings(database_url, meili,
                                                                                         tmp_path):
    # given a database at an older revision, and an offers index created with Meilisearch's defaults
    from sqlalchemy import text

    from ror_graph.db import head_revision, make_engine

    async def set_revision(revision: str | None) -> None:  # the PostgreSQL test database is shared: put it back
        engine = make_engine(database_url)
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
        await engine.dispose()

    await set_revision("0001")
    async with httpx.AsyncClient(base_url=meili.url, headers={"Authorization": f"Bearer {meili.master_key}"}) as m:
        await m.post("/indexes", json={"uid": "stale", "primaryKey": "id"})
        await asyncio.sleep(0.5)
    settings = Settings(database_url=database_url, data_dir=tmp_path, meili_url=meili.url,
                        meili_key=meili.master_key, meili_index="stale", secret_key="a-real-secret")
    app = create_app(settings)
    # when /ready is asked before the worker has applied the settings (no lifespan: no worker)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
            status, body = await ready(http)
    finally:
        await app.state.ror.engine.dispose()
        await set_revision(head_revision())
    # then it is not ready, and says why with the fixing command
    assert status == 503
    assert body["database"]["revision"] == "0001" and "ror-graph migrate" in body["database"]["error"]
    assert "index settings not current" in body["search"]["error"]
