"""Real components for tests, written once: a loopback port, the app served by uvicorn in a thread,
a private database holding only the reference data, a Meilisearch process, Debian's chromium.

Fixtures live in the conftest files; the functions they share live here so that a module-scoped
fixture (the public site, the policy matrix, the search world) and a test-scoped one build their
real components the same way.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import text
from sqlmodel import SQLModel

from search_index.server import ManagedMeili, MeiliUnavailable

REFERENCE_TABLES = {"nomenclature", "region", "departement", "commune"}
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    """A TCP port free on loopback right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(app: Any, port: int | None = None) -> tuple[str, uvicorn.Server, threading.Thread]:
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


def stop(server: uvicorn.Server, thread: threading.Thread) -> None:
    """Ask uvicorn to finish its requests and wait for its thread."""
    server.should_exit = True
    thread.join(timeout=10)


async def fresh_database_url(database_template: str, pg_engine: Any, directory: Path) -> str:
    """A database holding only the reference data: on PostgreSQL the session's private database with
    its data tables truncated, on SQLite a copy of the template file in ``directory``."""
    if pg_engine is not None:
        tables = [t for t in SQLModel.metadata.tables if t not in REFERENCE_TABLES]
        async with pg_engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        return database_template
    target = directory / "test.sqlite3"
    shutil.copyfile(database_template.split(":///", 1)[1], target)
    return f"sqlite+aiosqlite:///{target}"


def start_meili(directory: Path) -> ManagedMeili:
    """A real Meilisearch process in ``directory``; skips the test where the binary is missing."""
    try:
        return ManagedMeili(directory).start()
    except MeiliUnavailable as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"no Meilisearch binary: {exc}")


def chromium_path() -> str:
    """Debian's chromium, or a skip saying how to get it."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed (make test installs it with apt-get when run as root)")
    return str(CHROMIUM)


@asynccontextmanager
async def admin_page(chromium: str, server: str, email: str, password: str, height: int = 1000) -> AsyncIterator[Any]:
    """A chromium page logged into the back office at ``server`` as ``email`` (French locale), closed after."""
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1400, "height": height}, locale="fr-FR")
            await page.goto(f"{server}/admin/login")
            await page.fill("#username", email)
            await page.fill("#password", password)
            await page.click("button[type=submit]")
            await expect(page).to_have_url(f"{server}/admin/tableau-de-bord")
            yield page
        finally:
            await browser.close()
