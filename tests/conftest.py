"""Shared fixtures: a real database (SQLite or PostgreSQL) with reference data loaded.

The schema comes from ``SQLModel.metadata`` (the models); ``tests/test_migrations.py`` checks that the
Alembic migrations produce exactly that schema on both databases.

* SQLite (default): the schema is created and the reference data loaded once into a template
  file; every test gets its own copy, so tests never see each other's rows.
* PostgreSQL: set ``ROR_GRAPH_TEST_DATABASE_URL`` (e.g. ``postgresql://postgres@127.0.0.1:5432/test``).
  The session creates a private database next to it (so concurrent runs never collide), creates the tables,
  loads reference data, and every test starts from truncated data tables. The database is dropped
  at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.db import alembic_config, make_engine, session_factory
from ror_graph.services.reference.loader import load_reference
from ror_graph.settings import normalise_database_url
from search_index.server import ManagedMeili
from tests.live import REFERENCE_TABLES, fresh_database_url, start_meili
from tests.live import chromium_path as find_chromium

__all__ = ["REFERENCE_TABLES"]
PG_URL = os.environ.get("ROR_GRAPH_TEST_DATABASE_URL", "")
SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def pytest_report_header(config) -> str:
    return f"database: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite (per-test copy)'}"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only ``shared/`` folder beside the repo (real FINESS samples); skips if absent."""
    if not SHARED.exists():
        pytest.skip(f"shared reference folder not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def meili(tmp_path_factory) -> Iterator[ManagedMeili]:
    """The session's real Meilisearch; tests keep apart by index uid (see ``tests/search/conftest``)."""
    server = start_meili(tmp_path_factory.mktemp("meili"))
    yield server
    server.stop()


@pytest.fixture
def chromium_path() -> str:
    """Debian's chromium for Playwright (skips where it is not installed)."""
    return find_chromium()


def _stamp_head(sync_connection, url: str) -> None:
    """Mark the schema as migrated to head, as ``ror-graph migrate`` would (the CLI checks it)."""
    from alembic import command

    cfg = alembic_config(url)
    cfg.attributes["connection"] = sync_connection
    command.stamp(cfg, "head")


async def _seed(url: str) -> None:
    """Create every table from the models, stamp it at the migrations' head, load the reference data."""
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
        await conn.run_sync(_stamp_head, url)
    async with session_factory(engine)() as session:
        await load_reference(session)
    await engine.dispose()


@pytest.fixture(scope="session")
async def database_template(tmp_path_factory) -> AsyncIterator[str]:
    """URL of a database with the schema and reference data (SQLite template file or private PG db)."""
    if PG_URL:
        admin_url = make_url(normalise_database_url(PG_URL))
        name = f"rg_test_{uuid.uuid4().hex[:10]}"
        admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = admin_url.set(database=name).render_as_string(hide_password=False)
        await _seed(url)
        yield url
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
    else:
        path = tmp_path_factory.mktemp("db") / "template.sqlite3"
        url = f"sqlite+aiosqlite:///{path}"
        await _seed(url)
        yield url


@pytest.fixture(scope="session")
async def _pg_engine(database_template: str) -> AsyncIterator[AsyncEngine | None]:
    if not PG_URL:
        yield None
        return
    engine = make_engine(database_template)
    yield engine
    await engine.dispose()


@pytest.fixture
async def database_url(database_template: str, _pg_engine, tmp_path: Path) -> str:
    """A clean database for one test: reference data present, no other rows."""
    return await fresh_database_url(database_template, _pg_engine, tmp_path)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with session_factory(engine)() as session:
        yield session
