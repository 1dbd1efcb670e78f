"""seq is commit order on PostgreSQL: an appender waits for the previous one to commit, so a consumer
reading ``seq > cursor`` never skips an event committed later with a smaller seq (the outbox gap)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from ror_graph.services.core.changes import Actor, ChangeSet
from ror_graph.services.events.consumers import run_batch
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="SQLite serializes write transactions by itself")
SUPPORT = Actor(name="support@ars.test", role="support", source="admin")


async def write(session, entity_id: int, *, commit: bool = True) -> None:
    cs = ChangeSet(session, SUPPORT)
    cs.enqueue("lieu", entity_id)
    await cs.flush()
    if commit:
        await session.commit()


async def waiting_on_the_append_lock(session) -> int:
    conn = await session.connection()
    count = (await conn.execute(text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"))).scalar_one()
    await session.commit()
    return count


async def test_a_later_appender_waits_for_the_earlier_commit(sessions):
    delivered: list[tuple[int, int]] = []

    async def deliver(_session, events):
        delivered.extend((e.seq, e.entity_id) for e in events)

    async with sessions() as first, sessions() as second, sessions() as observer:
        # given a write that appended its event and has not committed yet
        await write(first, 1, commit=False)
        # when a second write appends and commits meanwhile
        later = asyncio.create_task(write(second, 2))
        for _ in range(2000):
            if await waiting_on_the_append_lock(observer):
                break
            await asyncio.sleep(0.005)
        # then it waits for the lock, and a consumer running now sees neither event
        assert await waiting_on_the_append_lock(observer) == 1 and not later.done()
        await run_batch(sessions, "feed", "me", deliver, batch_size=10)
        assert delivered == []
        # when the first write commits, then the second goes through, with a larger seq
        await first.commit()
        await later
    await run_batch(sessions, "feed", "me", deliver, batch_size=10)
    assert [entity_id for _seq, entity_id in delivered] == [1, 2]
    assert delivered[0][0] < delivered[1][0]
