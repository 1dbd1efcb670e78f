"""Event-log retention: old events go once every consumer has passed them; nothing unprocessed is purged."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert
from sqlmodel import select

from ror_graph.models import Consumer, Event, utcnow
from ror_graph.services.events.log import append_events, purge_events
from ror_graph.settings import Settings

DEFAULT_DAYS = Settings.model_fields["event_retention_days"].default
RETENTION = timedelta(days=DEFAULT_DAYS)


async def seqs(session) -> list[int]:
    return list((await session.exec(select(Event.seq).order_by(Event.seq))).all())


async def given_events(session, ages_in_days: list[int]) -> list[int]:
    now = utcnow()
    await append_events(session, [dict(at=now - timedelta(days=age), entity="unite", entity_id=i, op="update")
                                  for i, age in enumerate(ages_in_days)])
    await session.commit()
    return await seqs(session)


def test_retention_defaults_to_400_days():
    assert DEFAULT_DAYS == 400


async def test_only_old_events_every_consumer_has_passed_are_purged(session):
    # given four events older than the retention and one recent, and two consumers: the slow one has only
    # processed the first two events, the fast one everything
    old = RETENTION.days + 10
    ids = await given_events(session, [old, old, old, old, 1])
    conn = await session.connection()
    await conn.execute(insert(Consumer), [dict(name="search", cursor=ids[1], attempts=0, updated_at=utcnow()),
                                          dict(name="feed", cursor=ids[-1], attempts=0, updated_at=utcnow())])
    await session.commit()
    # when the purge runs
    purged = await purge_events(session, before=utcnow() - RETENTION)
    await session.commit()
    # then only the old events the slow consumer has passed are gone; old unprocessed ones stay, recent ones stay
    assert purged == 2
    assert await seqs(session) == ids[2:]


async def test_a_consumer_at_zero_keeps_everything(session):
    ids = await given_events(session, [RETENTION.days * 3, RETENTION.days * 2])
    session.add(Consumer(name="webhooks", cursor=0))
    await session.commit()
    assert await purge_events(session, before=utcnow() - RETENTION) == 0
    assert await seqs(session) == ids


async def test_without_consumers_age_alone_decides_and_seqs_never_come_back(session):
    # given an old and a recent event, no consumer registered
    ids = await given_events(session, [RETENTION.days + 1, RETENTION.days + 1])
    # when both are purged, then a new event still gets a larger seq (a consumer cursor is never behind it)
    assert await purge_events(session, before=utcnow()) == 2
    await session.commit()
    later = await given_events(session, [0])
    assert later[0] > ids[-1]
