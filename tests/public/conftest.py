"""Public-site fixtures: the demo directory (real FINESS subset of Maine-et-Loire + demo offers) in a real
database and a real Meilisearch index, served by the real app (uvicorn on a loopback port).

Built once per test module (loading the demo and indexing it takes a few seconds); tests of a module
share it and only add signalements. Chromium is Debian's, driven by Playwright; map tiles are off
(``map_tile_url=""``): the page must work without them, and tests never reach outside.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import text
from sqlmodel import SQLModel

from ror_graph.app import create_app
from ror_graph.db import make_engine, session_factory
from ror_graph.models import Account
from ror_graph.services.accounts.accounts import hash_password
from ror_graph.services.demo.generator import load_demo
from ror_graph.settings import Settings
from search_index.indexer import reindex
from search_index.server import ManagedMeili
from tests.conftest import REFERENCE_TABLES
from tests.search.conftest import _drop_indexes, meili  # noqa: F401  (the session's real Meilisearch)

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
SUPPORT_EMAIL, PASSWORD = "support@ars.test", "correct horse battery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(app, port: int | None = None) -> tuple[str, uvicorn.Server, threading.Thread]:
    """Serve ``app`` with uvicorn in a thread; returns its base URL, server and thread."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port or free_port(), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    return f"http://127.0.0.1:{config.port}", server, thread


@dataclass
class DemoSite:
    url: str  # base URL of the running app
    database_url: str
    index_uid: str
    settings: Settings


@pytest.fixture(scope="module")
async def demo_site(database_template, _pg_engine, tmp_path_factory, meili: ManagedMeili  # noqa: F811
                    ) -> AsyncIterator[DemoSite]:
    """The demo directory indexed and served; a support account (``SUPPORT_EMAIL`` / ``PASSWORD``)."""
    if _pg_engine is not None:
        tables = [t for t in SQLModel.metadata.tables if t not in REFERENCE_TABLES]
        async with _pg_engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        url = database_template
    else:
        target = tmp_path_factory.mktemp("public") / "demo.sqlite3"
        shutil.copyfile(database_template.split(":///", 1)[1], target)
        url = f"sqlite+aiosqlite:///{target}"
    engine = make_engine(url)
    sessions = session_factory(engine)
    await load_demo(sessions)
    async with sessions() as session:
        session.add(Account(email=SUPPORT_EMAIL, role="support", password_hash=hash_password(PASSWORD)))
        await session.commit()
    uid = f"p_{uuid.uuid4().hex[:12]}"
    await reindex(sessions, meili_url=meili.url, meili_key=meili.master_key, index_uid=uid)
    await engine.dispose()
    settings = Settings(database_url=url, meili_url=meili.url, meili_key=meili.master_key, meili_index=uid,
                        meili_managed=False, secret_key="test-secret", secure_cookies=False, map_tile_url="",
                        cors_origins=["*"])
    app = create_app(settings)
    base, server, thread = serve(app)
    yield DemoSite(base, url, uid, settings)
    server.should_exit = True
    thread.join(timeout=10)
    await app.state.ror.engine.dispose()
    await _drop_indexes(meili, uid)


@pytest.fixture
def chromium_path() -> str:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed (make test installs it with apt-get when run as root)")
    return str(CHROMIUM)


@pytest.fixture
def artifacts(tmp_path_factory) -> Path:
    """Where screenshots go: ``test-artifacts/`` of the checkout (ignored by git)."""
    folder = Path(__file__).resolve().parents[2] / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture
async def browser(chromium_path: str) -> AsyncIterator:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=chromium_path, headless=True,
                                            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page(browser) -> AsyncIterator:
    context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR",
                                        accept_downloads=True)
    page = await context.new_page()
    yield page
    await context.close()


