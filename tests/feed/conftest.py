"""Feed tests reuse the write-path world (two EJ/EG pairs, one offer each, callers of every role)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ror_graph.db import session_factory
from ror_graph.services.accounts.auth import Caller
from ror_graph.services.feed.changes import FeedFilter, FeedItem, read_changes
from tests.write.conftest import database_url, world  # noqa: F401  (fixtures)

RETENTION = timedelta(days=400)


@pytest.fixture
def sessions(engine):
    return session_factory(engine)


async def follow(session, caller: Caller, after: str | None = None, *, first: int = 100,
                 filter: FeedFilter | None = None) -> tuple[list[FeedItem], str]:
    """Every item after ``after`` (following pages), and the last cursor."""
    items: list[FeedItem] = []
    while True:
        page = await read_changes(session, caller, after=after, first=first, filter=filter, retention=RETENTION)
        await session.commit()
        items.extend(page.items)
        after = page.cursor
        if not page.has_more:
            return items, after
