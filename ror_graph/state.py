"""What the running app shares with its endpoints (``request.app.state.ror``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.settings import Settings


@dataclass
class AppState:
    """Engine, session factory and search connection of one app instance."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    meili_url: str | None = None
    meili_key: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)
