"""The managed Meilisearch process (security item 11): its master key stays off the command line,
and a supervisor restarts it when it dies."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from pathlib import Path

import httpx
import pytest

from ror_graph.app import create_app
from ror_graph.settings import Settings
from search_index.server import ManagedMeili, MeiliUnavailable

pytestmark = pytest.mark.meili
PATIENCE_SECONDS = 60  # a bound on waiting, not a performance assertion


def start(data_dir: Path) -> ManagedMeili:
    try:
        return ManagedMeili(data_dir).start()
    except MeiliUnavailable as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"no Meilisearch binary: {exc}")


def test_the_master_key_is_not_on_the_command_line_but_protects_the_server(tmp_path):
    # given a managed Meilisearch
    server = start(tmp_path / "meili")
    try:
        # when its command line is read as `ps` would
        cmdline = Path(f"/proc/{server.process.pid}/cmdline").read_bytes()
        # then the master key is not there...
        assert server.master_key.encode() not in cmdline
        assert b"--http-addr" in cmdline
        # ...and yet the server requires it (it came through the environment)
        assert httpx.get(f"{server.url}/keys").status_code == 401
        with_key = httpx.get(f"{server.url}/keys", headers={"Authorization": f"Bearer {server.master_key}"})
        assert with_key.status_code == 200
    finally:
        server.stop()


async def until(check, what: str) -> None:
    """Poll ``check()`` (async, truthy when done) until it holds; fail after ``PATIENCE_SECONDS``."""
    for _ in range(PATIENCE_SECONDS * 10):
        if await check():
            return
        await asyncio.sleep(0.1)
    pytest.fail(f"gave up waiting for {what}")


async def test_a_managed_server_that_dies_is_restarted_and_search_answers_again(database_url, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    # given the app with its managed Meilisearch, search answering
    app = create_app(Settings(database_url=database_url, data_dir=tmp_path, meili_managed=True))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http,
    ):
        managed: ManagedMeili | None = app.state.ror.extras.get("managed_meili")
        if managed is None:  # pragma: no cover - depends on the machine
            pytest.skip("no managed Meilisearch could be started")

        async def answers() -> bool:
            return (await http.get("/api/search", params={"q": "ehpad"})).status_code == 200

        await until(answers, "search to answer")
        # when the Meilisearch process is killed
        killed = managed.process.pid
        os.kill(killed, signal.SIGKILL)
        await asyncio.to_thread(managed.process.wait)
        # then the supervisor starts a new one, and search answers again
        await until(answers, "search to answer after the restart")
        assert managed.process.pid != killed

        async def logged() -> bool:  # the supervisor logs once the restart it ran in a thread returns
            messages = [r.getMessage() for r in caplog.records if r.name == "search_index.server"]
            return any("exited" in m for m in messages) and any("restarted" in m for m in messages)

        await until(logged, "the restart to be logged")
