"""Processed search-outbox events are purged after a week; pending and failed ones are kept."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from ror_graph.models import OutboxEvent, utcnow
from search_index.sync import PROCESSED_RETENTION, purge_processed


async def test_only_old_processed_events_are_purged(session):
    # given events processed long ago and recently, one pending and one failed long ago
    now = utcnow()
    old = now - PROCESSED_RETENTION - timedelta(hours=1)
    session.add_all([
        OutboxEvent(entity="unite", entity_id=1, created_at=old, processed_at=old),
        OutboxEvent(entity="unite", entity_id=2, created_at=old, processed_at=now - timedelta(days=1)),
        OutboxEvent(entity="unite", entity_id=3, created_at=old),
        OutboxEvent(entity="unite", entity_id=4, created_at=old, attempts=5, last_error="down",
                    next_attempt_at=now + timedelta(minutes=5)),
    ])
    await session.commit()
    # when the purge runs
    purged = await purge_processed(session, before=now - PROCESSED_RETENTION)
    await session.commit()
    # then only the event processed before the retention window is gone
    left = sorted((await session.exec(select(OutboxEvent.entity_id))).all())
    assert purged == 1
    assert left == [2, 3, 4]
