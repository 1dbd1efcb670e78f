"""Helpers shared by CLI commands: settings, an engine for one command, coroutine running."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from ror_graph.db import make_engine
from ror_graph.settings import Settings, get_settings

T = TypeVar("T")


def settings() -> Settings:
    return get_settings()


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@asynccontextmanager
async def engine_for(url: str | None = None) -> AsyncIterator[AsyncEngine]:
    """An engine for the duration of one command."""
    engine = make_engine(url or settings().database_url)
    try:
        yield engine
    finally:
        await engine.dispose()
