"""Checks a command runs before touching anything, so that an operator's mistake reads as one line.

Each failure raises ``CliProblem`` with what is wrong and the command or setting that fixes it; the
command group prints it and exits with code 2 (``--debug`` shows the traceback instead). The checks
talk to the database and Meilisearch directly (sqlite3, asyncpg, httpx): their errors are then the
drivers' own, not wrapped, and nothing is created on the way (an SQLite file is opened read-write
only if it exists; an empty one is never made outside ``ror-graph migrate``).
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from ror_graph.db import head_revision
from ror_graph.settings import Settings, UnsupportedDatabaseError

CONNECT_TIMEOUT_SECONDS = 5.0


class CliProblem(Exception):
    """A problem of configuration or environment, explained in one line (exit code 2)."""


def where(url: str) -> str:
    """The database of ``url`` without its password, for messages."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite file {parsed.database}"
    return f"PostgreSQL database {parsed.database!r} on {parsed.host or 'localhost'}:{parsed.port or 5432}"


def check_database(settings: Settings, *, need_schema: bool) -> None:
    """The database is reachable (and, with ``need_schema``, migrated to head); else ``CliProblem``."""
    try:
        settings.check_database_scheme()
    except UnsupportedDatabaseError as exc:
        raise CliProblem(str(exc)) from exc
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        revision = _sqlite_revision(Path(url.database or ""), need_schema=need_schema)
    else:
        revision = asyncio.run(_postgres_revision(settings.database_url))
    if not need_schema:
        return
    head = head_revision()
    if revision is None:
        raise CliProblem(f"the {where(settings.database_url)} has no ror_graph schema: run `ror-graph migrate`")
    if revision != head:
        raise CliProblem(f"the {where(settings.database_url)} is at revision {revision}, this version needs "
                         f"{head}: run `ror-graph migrate` (or install the ror_graph version that made it)")


def _sqlite_revision(path: Path, *, need_schema: bool) -> str | None:
    if not path.exists():
        if not need_schema:
            return None  # `migrate` / `demo` create it
        raise CliProblem(f"no database at {path}: run `ror-graph migrate` (or set ROR_GRAPH_DATA_DIR / "
                         "ROR_GRAPH_DATABASE_URL to the existing one)")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=CONNECT_TIMEOUT_SECONDS)
    except sqlite3.Error as exc:
        raise CliProblem(f"cannot open the SQLite file {path} ({exc}): check its permissions") from exc
    try:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    except (sqlite3.Error, TypeError):
        return None
    finally:
        conn.close()


async def _postgres_revision(database_url: str) -> str | None:
    import asyncpg  # its errors are what we classify

    url = make_url(database_url)
    place = where(database_url)
    try:
        conn = await asyncpg.connect(host=url.host or "localhost", port=url.port or 5432, user=url.username,
                                     password=url.password, database=url.database,
                                     timeout=CONNECT_TIMEOUT_SECONDS)
    except asyncpg.InvalidCatalogNameError as exc:
        raise CliProblem(f"the {place} does not exist: create it (`createdb -O {url.username or 'ror'} "
                         f"{url.database}`), then run `ror-graph migrate`") from exc
    except (asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError) as exc:
        raise CliProblem(f"the {place} refused the login ({exc}): fix the user or password in "
                         "ROR_GRAPH_DATABASE_URL") from exc
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        raise CliProblem(f"cannot reach the {place} ({type(exc).__name__}: {exc}): start PostgreSQL or fix "
                         "ROR_GRAPH_DATABASE_URL") from exc
    try:
        return await conn.fetchval("SELECT version_num FROM alembic_version")
    except asyncpg.UndefinedTableError:
        return None
    finally:
        await conn.close()


def check_meilisearch(url: str, key: str | None) -> None:
    """An external Meilisearch answers and accepts ``key``; else ``CliProblem``."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=CONNECT_TIMEOUT_SECONDS) as client:
            client.get("/health").raise_for_status()
            answer = client.get("/indexes", params={"limit": 1})
    except httpx.HTTPError as exc:
        raise CliProblem(f"cannot reach Meilisearch at {url} ({type(exc).__name__}): start it or fix "
                         "ROR_GRAPH_MEILI_URL") from exc
    if answer.status_code == 401:
        raise CliProblem(f"Meilisearch at {url} needs a key: set ROR_GRAPH_MEILI_KEY (its master key or an "
                         "admin API key)")
    if answer.status_code == 403:
        raise CliProblem(f"Meilisearch at {url} refused ROR_GRAPH_MEILI_KEY (invalid or without the "
                         "indexes/documents/settings/tasks actions): use the master key or an admin API key")
    if answer.status_code != 200:
        raise CliProblem(f"Meilisearch at {url} answered HTTP {answer.status_code}: check ROR_GRAPH_MEILI_URL")
