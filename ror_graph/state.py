"""What the running app shares with its endpoints (``request.app.state.ror``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.settings import Settings

if TYPE_CHECKING:
    from ror_graph.db import PlannedReads


@dataclass
class AppState:
    """Engine, session factory and search connection of one app instance."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    meili_url: str | None = None
    meili_key: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    read_engine: AsyncEngine | None = None
    read_sessions: async_sessionmaker[AsyncSession] | None = None
    """The read replica (``ROR_GRAPH_DATABASE_READ_URL``), if any: see ``reading()``."""
    driver: PlannedReads | None = None
    """Planned reads through the driver (``db.driver_reads``: asyncpg's pool, or SQLite's read-only
    connections), on the primary; ``None`` for an in-memory SQLite database."""
    read_driver: PlannedReads | None = None
    """The same on the read replica."""

    def reading(self) -> async_sessionmaker[AsyncSession]:
        """Sessions for reads that may lag the primary by the replica's delay (the primary without replica)."""
        return self.read_sessions or self.sessions
