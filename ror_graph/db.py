"""Engine and session factories, and the Alembic entry points.

Nothing is created at import time: the app lifespan, the CLI and the tests each build their own
engine from a URL. Sessions are SQLModel ``AsyncSession`` objects (aiosqlite / asyncpg), since
DataLoaders are async-only.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import aiosqlite
import asyncpg
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph import models  # noqa: F401  (registers every table on SQLModel.metadata)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
DRIVER_POOL_SIZE = 10
"""Connections of a worker's planned-read pool (``DriverReads``), beside the engine's 10 + 10 overflow."""
SQLITE_READERS = 4
"""Read-only connections (each a thread) of a worker's planned reads on a SQLite file (``SqliteReads``)."""


def make_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine; SQLite gets foreign keys on and WAL so the API and workers can share the file."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    # No pre-ping: it cost a round trip (and a BEGIN/ROLLBACK) per request; connections are recycled
    # after 30 minutes instead, and a connection found dead is invalidated with its pool on first use.
    return create_async_engine(url, echo=echo, pool_size=10, max_overflow=10, pool_recycle=1800)


def read_only_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for GraphQL queries: autocommit connections of the same pool, so no BEGIN nor ROLLBACK.

    Each statement sees the data committed when it starts (no snapshot shared by a request's
    statements): a read may see a write that lands between two of its batches, as two requests
    would. Writes never go through these sessions.
    """
    return session_factory(engine.execution_options(isolation_level="AUTOCOMMIT"))


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (resolvers read them afterwards)."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def request_session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A request's session, closed only if it was used.

    ``AsyncSession``'s own exit schedules a task and a greenlet to close even a session that never
    touched the database; many requests never do (introspection, ``{ __typename }``, the primary
    session of an anonymous request whose query runs on a read-only one). A used session is closed
    exactly as ``async with sessions()`` would (shielded from cancellation).
    """
    session = sessions()
    try:
        yield session
    except BaseException as exc:
        await session.__aexit__(type(exc), exc, exc.__traceback__)
        raise
    if session.in_transaction() or session.sync_session.identity_map:
        await session.__aexit__(None, None, None)


@asynccontextmanager
async def session_scope(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """One session for a CLI command or a test; the caller commits."""
    async with session_factory(engine)() as session:
        yield session


class PlannedReads:
    """Where a planned request (``api/plans.py``, ``resolvers/compiled.py``) sends its SQL texts: the
    driver's own read-only connections, not a session. ``listeners`` get each statement's SQL, as
    SQLAlchemy's ``before_cursor_execute`` does (tests count statements with both)."""

    def __init__(self) -> None:
        self.listeners: list[Callable[[str], None]] = []

    def _announce(self, sql: str) -> None:
        for listener in self.listeners:
            listener(sql)

    async def fetch(self, sql: str, parameters: tuple) -> list:
        """The rows of ``sql`` (the dialect's positional parameters)."""
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class DriverReads(PlannedReads):
    """Planned reads on PostgreSQL sent through asyncpg itself.

    A planned request runs one SQL text that PostgreSQL turns into the response's JSON; through a
    SQLAlchemy session, the session, its connection checkout and close, the greenlet hops and the
    result wrapping cost more Python time than the rest of the request (query (b) of the peer bench).
    Here: asyncpg's own pool and statement cache, connections read-only at the server
    (``default_transaction_read_only``) and never reset between requests (nothing these reads run
    changes a session's state, so the reset round trip asyncpg sends by default is skipped).
    """

    def __init__(self, url: str, *, max_size: int = DRIVER_POOL_SIZE) -> None:
        super().__init__()
        self.dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.max_size = max_size
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    async def fetch(self, sql: str, parameters: tuple) -> list:
        """The rows of ``sql`` (``$n`` parameters) on a pooled connection."""
        self._announce(sql)
        pool = self._pool or await self._open()
        async with pool.acquire() as connection:
            return await connection.fetch(sql, *parameters)

    async def _open(self) -> asyncpg.Pool:
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self.dsn, min_size=0, max_size=self.max_size, reset=_kept,
                    server_settings={"default_transaction_read_only": "on", "application_name": "ror_graph reads"})
            return self._pool

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


async def _kept(connection: asyncpg.Connection) -> None:
    """No reset: a planned read leaves nothing behind on its connection."""


class SqliteReads(PlannedReads):
    """Planned reads on a SQLite file: one hop to a read-only connection's thread per statement.

    Through a session, aiosqlite hops to its thread and back for the cursor, the execution, the
    fetch and the close (four hops, each a wake-up of another thread): most of a planned lookup's
    time. Here ``execute_fetchall`` does it in one, on connections opened ``mode=ro``.
    """

    def __init__(self, path: str, *, max_size: int = SQLITE_READERS) -> None:
        super().__init__()
        self.uri = f"file:{quote(path)}?mode=ro"
        self._idle: list[aiosqlite.Connection] = []
        self._slots = asyncio.Semaphore(max_size)

    async def fetch(self, sql: str, parameters: tuple) -> list:
        """The rows of ``sql`` (``?`` parameters) on a pooled read-only connection."""
        self._announce(sql)
        async with self._slots:
            connection = self._idle.pop() if self._idle else await aiosqlite.connect(self.uri, uri=True, timeout=30)
            try:
                rows = list(await connection.execute_fetchall(sql, parameters))
            except BaseException:  # failed or cancelled mid-statement: that connection is not reused
                await connection.close()
                raise
            self._idle.append(connection)
            return rows

    async def close(self) -> None:
        while self._idle:
            await self._idle.pop().close()


def driver_reads(url: str) -> PlannedReads | None:
    """The driver-level reader of the database at ``url`` (``None`` for an in-memory SQLite database)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return DriverReads(url)
    database = parsed.database or ""
    return SqliteReads(database) if database and database != ":memory:" and "mode=memory" not in url else None


def alembic_config(url: str):
    """Alembic configuration pointing at the packaged migrations, for ``url``."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (idempotent)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


async def migrate_async(url: str, revision: str = "head") -> None:
    """``migrate`` from inside a running event loop (tests, app start-up)."""
    from alembic import command

    engine = make_engine(url)
    try:
        async with engine.begin() as connection:
            cfg = alembic_config(url)

            def upgrade(sync_connection) -> None:
                cfg.attributes["connection"] = sync_connection
                command.upgrade(cfg, revision)

            await connection.run_sync(upgrade)
    finally:
        await engine.dispose()


def downgrade(url: str, revision: str = "base") -> None:
    """Undo migrations down to ``revision`` (used by the migration tests)."""
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def head_revision() -> str | None:
    """The head revision of the packaged migrations (what a migrated database's ``alembic_version`` holds)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
