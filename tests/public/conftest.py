"""Public-site fixtures: the demo directory (real FINESS subset of Maine-et-Loire + demo offers) in a real
database and a real Meilisearch index, served by the real app (uvicorn on a loopback port).

Built once per test module (loading the demo and indexing it takes a few seconds); tests of a module
share it and only add signalements. Chromium is Debian's, driven by Playwright; map tiles are off
(``map_tile_url=""``): the page must work without them, and tests never reach outside.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ror_graph.app import create_app
from ror_graph.db import make_engine, session_factory
from ror_graph.models import Account
from ror_graph.services.accounts.accounts import hash_password
from ror_graph.services.demo.generator import load_demo
from ror_graph.settings import Settings
from search_index.indexer import reindex
from search_index.server import ManagedMeili
from tests.live import CHROMIUM_ARGS, fresh_database_url, serve
from tests.search.conftest import _drop_indexes

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
SUPPORT_EMAIL, PASSWORD = "support@ars.test", "correct horse battery"


@dataclass
class DemoSite:
    url: str  # base URL of the running app
    database_url: str
    index_uid: str
    settings: Settings


@pytest.fixture(scope="module")
async def demo_site(database_template, _pg_engine, tmp_path_factory, meili: ManagedMeili
                    ) -> AsyncIterator[DemoSite]:
    """The demo directory indexed and served; a support account (``SUPPORT_EMAIL`` / ``PASSWORD``)."""
    url = await fresh_database_url(database_template, _pg_engine, tmp_path_factory.mktemp("public"))
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
                                            args=CHROMIUM_ARGS)
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


