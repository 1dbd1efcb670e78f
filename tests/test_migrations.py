"""Alembic migrations: they build exactly the schema the models describe, and can be undone."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from ror_graph.db import downgrade, make_engine, migrate
from ror_graph.models.name_index import is_search_object
from ror_graph.settings import normalise_database_url
from tests.conftest import PG_URL


def _models_only(name, type_, parent_names) -> bool:
    """The name search indexes are DDL beside the models (``models.name_index``), not model objects."""
    return not is_search_object(name)


def _diff(sync_conn):
    context = MigrationContext.configure(sync_conn, opts={"compare_type": True, "include_name": _models_only})
    return compare_metadata(context, SQLModel.metadata)


def _tables(sync_conn):
    return set(inspect(sync_conn).get_table_names())


@pytest.fixture
async def empty_database_url(tmp_path):
    """An empty database: a new SQLite file, or a new private PostgreSQL database."""
    if not PG_URL:
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    admin_url = make_url(normalise_database_url(PG_URL))
    name = f"rg_mig_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield admin_url.set(database=name).render_as_string(hide_password=False)
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


def test_upgrade_matches_models_and_downgrade_removes_everything(empty_database_url):
    import asyncio

    async def inspect_db(fn):
        engine = make_engine(empty_database_url)
        async with engine.connect() as conn:
            result = await conn.run_sync(fn)
        await engine.dispose()
        return result

    # given an empty database, when we migrate to head
    migrate(empty_database_url)
    # then the schema is exactly the models' (no missing table, column, index or type drift)
    assert asyncio.run(inspect_db(_diff)) == []
    assert set(SQLModel.metadata.tables) <= asyncio.run(inspect_db(_tables))
    # and migrating again is a no-op
    migrate(empty_database_url)
    # when we downgrade to base, then only Alembic's bookkeeping table is left
    downgrade(empty_database_url)
    assert asyncio.run(inspect_db(_tables)) <= {"alembic_version"}
