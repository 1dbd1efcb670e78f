"""Consumers of the event log: each has a cursor (last seq done) and a lease, so that across processes
every event is handled exactly once per consumer.

A batch goes: ``claim`` (an atomic ``UPDATE … WHERE lease free, expired or mine`` — the same SQL on
SQLite and PostgreSQL, no ``SKIP LOCKED``), read the events after the cursor, run the handler, then
``advance`` the cursor and release the lease in one ``UPDATE … WHERE lease_owner = me AND cursor =
start``. A second process finds the lease taken and does nothing; a crashed owner's lease expires and
the next claimer resumes from the cursor, redoing at most the batch that was in flight (handlers must
be idempotent per batch, as search upserts are). Each step is its own short transaction that starts
by writing, so SQLite never has to upgrade a read snapshot into a write (``SQLITE_BUSY``).

A failing handler leaves the cursor where it was and sets ``attempts``, ``last_error`` and
``retry_at`` (the caller's backoff); ``retry_now`` lets support skip the wait.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Consumer, Event, utcnow
from ror_graph.services.core.errors import BadInputError

LEASE = timedelta(minutes=2)
ERROR_MAX_LENGTH = 2000
Handler = Callable[[AsyncSession, list[Event]], Awaitable[Any]]


def new_owner() -> str:
    """A lease owner id unique to this worker: host, process, random suffix."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def register(session: AsyncSession, name: str, *, now: datetime | None = None) -> None:
    """Create consumer ``name`` with cursor 0 if it does not exist yet; commits."""
    conn = await session.connection()
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    await conn.execute(dialect_insert(Consumer).values(name=name, cursor=0, attempts=0, updated_at=now or utcnow())
                       .on_conflict_do_nothing(index_elements=["name"]))
    await session.commit()


async def claim(session: AsyncSession, name: str, owner: str, *, now: datetime, lease: timedelta = LEASE) -> int | None:
    """Take (or renew) the lease of ``name``; its cursor if taken, ``None`` if another owner holds it
    or the consumer is backing off. Commits."""
    conn = await session.connection()
    result = await conn.execute(
        update(Consumer)
        .where(col(Consumer.name) == name,
               or_(col(Consumer.lease_owner).is_(None), col(Consumer.lease_expires_at) <= now,
                   col(Consumer.lease_owner) == owner),
               or_(col(Consumer.retry_at).is_(None), col(Consumer.retry_at) <= now))
        .values(lease_owner=owner, lease_expires_at=now + lease, updated_at=now)
    )
    cursor = None
    if result.rowcount == 1:
        cursor = (await conn.execute(select(Consumer.cursor).where(Consumer.name == name))).scalar_one()
    await session.commit()
    return cursor


async def read_after(session: AsyncSession, cursor: int, limit: int) -> list[Event]:
    """The next ``limit`` events after ``cursor``, in seq (commit) order."""
    query = select(Event).where(col(Event.seq) > cursor).order_by(col(Event.seq)).limit(limit)
    return list((await session.exec(query)).all())


async def _finish(session: AsyncSession, name: str, owner: str, start: int, now: datetime, **values: Any) -> bool:
    """Release the lease with ``values`` if ``owner`` still holds it at ``start``; commits."""
    conn = await session.connection()
    result = await conn.execute(
        update(Consumer)
        .where(col(Consumer.name) == name, col(Consumer.lease_owner) == owner, col(Consumer.cursor) == start)
        .values(lease_owner=None, lease_expires_at=None, updated_at=now, **values)
    )
    await session.commit()
    return result.rowcount == 1


async def advance(session: AsyncSession, name: str, owner: str, *, start: int, to: int, now: datetime) -> bool:
    """Move the cursor from ``start`` to ``to``, clear the failure state, release; ``False`` if the
    lease was lost meanwhile (nothing changed: the new owner redoes the batch)."""
    return await _finish(session, name, owner, start, now, cursor=to, attempts=0, last_error=None, retry_at=None)


async def record_failure(session: AsyncSession, name: str, owner: str, *, start: int, error: str, now: datetime,
                         backoff: Callable[[int], timedelta]) -> int:
    """Keep the cursor, count the attempt, schedule the next one after ``backoff(attempts)``; commits."""
    conn = await session.connection()
    attempts = (await conn.execute(select(Consumer.attempts).where(Consumer.name == name))).scalar_one() + 1
    await _finish(session, name, owner, start, now, attempts=attempts, last_error=error[:ERROR_MAX_LENGTH],
                  retry_at=now + backoff(attempts))
    return attempts


async def release(session: AsyncSession, names: Iterable[str], owner: str, *, now: datetime | None = None) -> int:
    """Give back the leases ``owner`` holds on ``names`` (graceful shutdown); commits.

    The cursor stays: a batch interrupted by the shutdown is redone by the next claimer at once,
    instead of after the lease expiry.
    """
    conn = await session.connection()
    result = await conn.execute(
        update(Consumer).where(col(Consumer.name).in_(list(names)), col(Consumer.lease_owner) == owner)
        .values(lease_owner=None, lease_expires_at=None, updated_at=now or utcnow()))
    await session.commit()
    return result.rowcount or 0


async def lag(session: AsyncSession, name: str) -> int:
    """How many kept events consumer ``name`` has not processed yet."""
    conn = await session.connection()
    cursor = select(Consumer.cursor).where(Consumer.name == name).scalar_subquery()
    return (await conn.execute(select(func.count()).select_from(Event)
                               .where(col(Event.seq) > func.coalesce(cursor, 0)))).scalar_one()


async def _has_work(session: AsyncSession, name: str) -> bool:
    """Whether an event waits after ``name``'s cursor (registering the consumer if new); ends the read."""
    conn = await session.connection()
    cursor = (await conn.execute(select(Consumer.cursor).where(Consumer.name == name))).scalar_one_or_none()
    if cursor is None:
        await session.commit()
        await register(session, name)
        cursor, conn = 0, await session.connection()
    waiting = (await conn.execute(select(Event.seq).where(col(Event.seq) > cursor).limit(1))).first() is not None
    await session.commit()
    return waiting


@dataclass
class BatchResult:
    """What ``run_batch`` did; ``outcome`` is the handler's return value."""

    claimed: bool = False
    events: list[Event] = field(default_factory=list)
    outcome: Any = None
    error: str | None = None
    lost_lease: bool = False


async def run_batch(sessions: async_sessionmaker[AsyncSession], name: str, owner: str, handler: Handler, *,
                    batch_size: int, now: datetime | None = None,
                    backoff: Callable[[int], timedelta] = lambda attempts: timedelta(0)) -> BatchResult:
    """Claim ``name``, hand the events after its cursor to ``handler``, then advance or record the failure.

    Never raises because of the handler: its exception becomes ``error`` (cursor unchanged).
    """
    now = now or utcnow()
    async with sessions() as session:
        if not await _has_work(session, name):  # idle polls stay read-only
            return BatchResult(claimed=True)
        start = await claim(session, name, owner, now=now)
        if start is None:
            return BatchResult()
        events = await read_after(session, start, batch_size)
        if not events:
            await _finish(session, name, owner, start, now)
            return BatchResult(claimed=True)
        try:
            outcome = await handler(session, events)
            await session.commit()
        except Exception as exc:
            await session.rollback()
            error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX_LENGTH]
            await record_failure(session, name, owner, start=start, error=error, now=now, backoff=backoff)
            return BatchResult(claimed=True, events=events, error=error)
        moved = await advance(session, name, owner, start=start, to=events[-1].seq or start, now=now)
        return BatchResult(claimed=True, events=events, outcome=outcome, lost_lease=not moved)


async def retry_now(session: AsyncSession, names: Iterable[str], *, now: datetime | None = None) -> int:
    """Let consumers ``names`` try again at once: attempts and backoff reset, lease freed; commits.

    ``last_error`` stays so support still sees why the previous attempt failed. Freeing a lease whose
    owner is alive is safe: its ``advance`` then finds the lease gone and changes nothing.
    """
    wanted = sorted({str(n) for n in names if str(n).strip()})
    if not wanted:
        raise BadInputError("Select at least one consumer to retry.", field="pks")
    conn = await session.connection()
    result = await conn.execute(
        update(Consumer).where(col(Consumer.name).in_(wanted))
        .values(attempts=0, retry_at=None, lease_owner=None, lease_expires_at=None, updated_at=now or utcnow())
    )
    await session.commit()
    return result.rowcount or 0


@dataclass(frozen=True)
class EventsSummary:
    """Event-log health at a glance (dashboard): what some consumer still has to process."""

    pending: int
    failed: int
    oldest_pending_at: datetime | None


async def events_summary(session: AsyncSession) -> EventsSummary:
    """Events not yet processed by the slowest consumer, consumers in failure, age of the oldest waiting."""
    conn = await session.connection()
    slowest = select(func.min(Consumer.cursor)).scalar_subquery()
    pending, oldest = (await conn.execute(
        select(func.count(), func.min(Event.at)).where(and_(slowest.is_not(None), Event.seq > slowest))
    )).one()
    failed = (await conn.execute(select(func.count()).select_from(Consumer).where(Consumer.attempts > 0))).scalar_one()
    if oldest is not None and oldest.tzinfo is None:  # SQLite aggregate without the column's type processing
        oldest = oldest.replace(tzinfo=UTC)
    return EventsSummary(pending=pending, failed=failed, oldest_pending_at=oldest)
