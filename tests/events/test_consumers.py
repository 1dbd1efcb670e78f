"""Consumers: each event exactly once per consumer across processes, leases, crash recovery, retry."""

from __future__ import annotations

import asyncio
import os
import sys
from asyncio.subprocess import PIPE
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from ror_graph.models import Consumer, utcnow
from ror_graph.services.core.changes import Actor, ChangeSet
from ror_graph.services.events.consumers import LEASE, advance, claim, lag, retry_now, run_batch
from ror_graph.services.events.log import last_seq

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = Actor(name="support@ars.test", role="support", source="admin")


async def append(session, count: int, per_write: int = 50) -> list[int]:
    """``count`` events written by real ChangeSets, ``per_write`` per transaction; their seqs."""
    for start in range(0, count, per_write):
        cs = ChangeSet(session, SUPPORT)
        for i in range(start, min(count, start + per_write)):
            cs.enqueue("lieu", i + 1)
        await cs.flush()
        await session.commit()
    return list(range(await last_seq(session) - count + 1, await last_seq(session) + 1))


async def cursor_of(session, name: str) -> int:
    value = (await session.exec(select(Consumer.cursor).where(Consumer.name == name))).one()
    await session.commit()
    return value


async def test_two_processes_deliver_each_of_500_events_exactly_once(session, database_url, tmp_path):
    # given 500 events (10 writes of 50)
    seqs = await append(session, 500)
    assert len(seqs) == 500
    # when two OS processes drain the same consumer at the same time, in batches of 7
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    workers = [await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.events.drain_worker", database_url, "feed", str(seqs[-1]),
        str(tmp_path / f"out{n}"), cwd=ROOT, env=env, stdin=PIPE, stdout=PIPE, stderr=PIPE) for n in (1, 2)]
    for worker in workers:  # both started and imported: release them together
        assert await worker.stdout.readline() == b"ready\n", (await worker.stderr.read()).decode()
    for worker in workers:
        worker.stdin.write(b"go\n")
        await worker.stdin.drain()
    outputs = [await worker.communicate() for worker in workers]
    assert [w.returncode for w in workers] == [0, 0], [err.decode() for _out, err in outputs]
    # then every event was delivered once, by one process or the other, and the cursor is at the end
    delivered = [int(line) for n in (1, 2) if (tmp_path / f"out{n}").exists()
                 for line in (tmp_path / f"out{n}").read_text().split()]
    assert Counter(delivered) == Counter(seqs), f"duplicates: {[s for s, c in Counter(delivered).items() if c > 1]}"
    assert await cursor_of(session, "feed") == seqs[-1]
    assert await lag(session, "feed") == 0


async def test_a_held_lease_keeps_other_owners_out_until_it_expires(session, sessions):
    # given 20 events and owner A that claimed the consumer then crashed (never advanced)
    seqs = await append(session, 20)
    now = utcnow()
    await run_batch(sessions, "feed", "A", _fail_never, batch_size=1, now=now)  # registers, processes seq 1
    assert await claim(session, "feed", "A", now=now) == seqs[0]
    delivered: list[int] = []

    async def deliver(_session, events):
        delivered.extend(e.seq for e in events)

    # when owner B tries before the lease expires, then it gets nothing
    early = await run_batch(sessions, "feed", "B", deliver, batch_size=100, now=now + LEASE - timedelta(seconds=1))
    assert not early.claimed and delivered == []
    # when it tries after expiry, then it resumes right after the cursor
    late = await run_batch(sessions, "feed", "B", deliver, batch_size=100, now=now + LEASE + timedelta(seconds=1))
    assert late.claimed and delivered == seqs[1:]
    # and the crashed owner's late advance changes nothing
    assert not await advance(session, "feed", "A", start=seqs[0], to=seqs[5], now=now + LEASE * 2)
    assert await cursor_of(session, "feed") == seqs[-1]


async def _fail_never(_session, events):
    return len(events)


async def test_a_failing_handler_keeps_the_cursor_and_backs_off_until_retried(session, sessions):
    seqs = await append(session, 3)
    now = utcnow()

    async def broken(_session, _events):
        raise RuntimeError("webhook endpoint down")

    # when the handler fails, then the cursor stays, the error and the next attempt are recorded
    failed = await run_batch(sessions, "hook", "A", broken, batch_size=10, now=now,
                             backoff=lambda attempts: timedelta(seconds=30 * attempts))
    assert failed.error == "RuntimeError: webhook endpoint down" and len(failed.events) == 3
    consumer = (await session.exec(select(Consumer).where(Consumer.name == "hook"))).one()
    assert (consumer.cursor, consumer.attempts, consumer.lease_owner) == (0, 1, None)
    assert consumer.retry_at == now + timedelta(seconds=30) and consumer.last_error.startswith("RuntimeError")
    await session.commit()
    # and nobody retries before the backoff
    assert not (await run_batch(sessions, "hook", "B", _fail_never, batch_size=10, now=now)).claimed
    # when support retries now, then the next batch goes through and clears the failure
    assert await retry_now(session, ["hook"]) == 1
    done = await run_batch(sessions, "hook", "B", _fail_never, batch_size=10, now=now)
    assert done.outcome == 3 and await cursor_of(session, "hook") == seqs[-1]
    session.expire_all()
    consumer = (await session.exec(select(Consumer).where(Consumer.name == "hook"))).one()
    assert (consumer.attempts, consumer.last_error, consumer.retry_at) == (0, None, None)
