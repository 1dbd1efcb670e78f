"""Jobs run once across processes: a lease row per job, taken with one atomic ``UPDATE``.

``run_due`` goes through the jobs: for each one whose ``next_run_at`` has passed and whose lease is
free (or expired: its holder crashed), it takes the lease — ``UPDATE … WHERE name = ? AND next_run_at
<= now AND (lease free or expired)``, the same SQL on SQLite and PostgreSQL — runs it, then sets the
next run and frees the lease in one ``UPDATE … WHERE lease_owner = me``. A second worker finds the
lease taken or the next run in the future and does nothing. A failing job keeps its error on the row
(shown in the back office) and is tried again after ``retry``.

Time comes from a ``Clock``: ``SystemClock`` in production, ``ManualClock`` in tests, which move it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import ScheduledJob, utcnow

log = logging.getLogger("ror_graph.scheduler")
LEASE = timedelta(minutes=30)
RETRY = timedelta(minutes=10)
Sessions = async_sessionmaker[AsyncSession]


class Clock(Protocol):
    """Where the scheduler and its jobs read the time."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real time (UTC)."""

    def now(self) -> datetime:
        return utcnow()


class ManualClock:
    """A clock that only moves when told to (tests, simulations)."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def set(self, value: datetime) -> None:
        self.current = value

    def advance(self, delta: timedelta) -> None:
        self.current += delta


@dataclass(frozen=True)
class Job:
    """A named piece of due work, run every ``every`` (first run as soon as the worker starts)."""

    name: str
    every: timedelta
    run: Callable[[Sessions, datetime], Awaitable[Any]]


def new_owner() -> str:
    """A lease owner id unique to this worker: host, process, random suffix."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def _ensure(session: AsyncSession, name: str, now: datetime) -> None:
    conn = await session.connection()
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    await conn.execute(dialect_insert(ScheduledJob).values(name=name, next_run_at=now, runs=0)
                       .on_conflict_do_nothing(index_elements=["name"]))
    await session.commit()


async def _claim(session: AsyncSession, name: str, owner: str, now: datetime, lease: timedelta) -> bool:
    conn = await session.connection()
    result = await conn.execute(
        update(ScheduledJob)
        .where(col(ScheduledJob.name) == name, col(ScheduledJob.next_run_at) <= now,
               or_(col(ScheduledJob.lease_owner).is_(None), col(ScheduledJob.lease_expires_at) <= now))
        .values(lease_owner=owner, lease_expires_at=now + lease)
    )
    await session.commit()
    return result.rowcount == 1


async def _release(session: AsyncSession, name: str, owner: str, **values: Any) -> None:
    conn = await session.connection()
    await conn.execute(update(ScheduledJob)
                       .where(col(ScheduledJob.name) == name, col(ScheduledJob.lease_owner) == owner)
                       .values(lease_owner=None, lease_expires_at=None, **values))
    await session.commit()


async def run_job(sessions: Sessions, job: Job, owner: str, now: datetime, *, lease: timedelta = LEASE,
                  retry: timedelta = RETRY) -> tuple[bool, Any]:
    """Run ``job`` if due and free; ``(ran, result)``. The job's exception is recorded, never raised."""
    async with sessions() as session:
        await _ensure(session, job.name, now)
        if not await _claim(session, job.name, owner, now, lease):
            return False, None
    try:
        result = await job.run(sessions, now)
    except Exception as exc:
        log.exception("job %s failed", job.name)
        async with sessions() as session:
            await _release(session, job.name, owner, last_error=f"{type(exc).__name__}: {exc}"[:2000],
                           next_run_at=now + retry, last_run_at=now, runs=ScheduledJob.runs + 1)
        return True, exc
    async with sessions() as session:
        await _release(session, job.name, owner, last_error=None, last_result=str(result)[:2000],
                       next_run_at=now + job.every, last_run_at=now, runs=ScheduledJob.runs + 1)
    return True, result


async def run_due(sessions: Sessions, jobs: Sequence[Job], owner: str, clock: Clock) -> dict[str, Any]:
    """Run every due job once (those another worker holds are skipped); name → result of those run."""
    done: dict[str, Any] = {}
    for job in jobs:
        ran, result = await run_job(sessions, job, owner, clock.now())
        if ran:
            done[job.name] = result
    return done


async def run_forever(sessions: Sessions, jobs: Sequence[Job], clock: Clock, *, poll: float,
                      stop: asyncio.Event | None = None, owner: str | None = None) -> None:
    """The worker loop: run due jobs, sleep ``poll`` seconds, until ``stop`` is set."""
    owner = owner or new_owner()
    stop = stop or asyncio.Event()
    while not stop.is_set():
        await run_due(sessions, jobs, owner, clock)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=poll)
