"""Drain the search outbox: push every pending change to Meilisearch, with retries and backoff.

Events are coalesced by entity and the current database state is re-read, so the latest state
wins whatever the order and number of events. A Meilisearch failure never raises: the events stay
pending with ``attempts``, ``last_error`` and a later ``next_attempt_at`` (exponential backoff,
capped), and the next drain catches up. Nothing is lost because the events are only marked
processed once Meilisearch has applied the change.

Run one drainer per database (the app's worker, or ``ror-graph sync-search``); two concurrent
drainers stay correct for upserts but may push an older state last in rare interleavings.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from meilisearch_python_sdk import AsyncClient
from sqlalchemy import delete, update
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.orm import Session
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import OutboxEvent, utcnow
from search_index.client import meili_client
from search_index.indexer import push_offres
from search_index.reference import SearchReference

log = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 300.0
ERROR_MAX_LENGTH = 2000
# Processed events stay visible in the back office's queue for a week, then go: the table stays small.
PROCESSED_RETENTION = timedelta(days=7)
_WROTE_OUTBOX = "ror_graph.wrote_outbox"


@dataclass
class DrainReport:
    """What one drain did; ``pending`` counts events still waiting (due now or later)."""

    events: int = 0
    upserted: int = 0
    deleted: int = 0
    failed: int = 0
    error: str | None = None
    pending: int = 0


def backoff(attempts: int) -> timedelta:
    """Delay before retry number ``attempts`` (1 s, 2 s, 4 s… capped at 5 minutes)."""
    return timedelta(seconds=min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1)))


async def pending_count(session: AsyncSession) -> int:
    return (await session.exec(
        select(func.count()).select_from(OutboxEvent).where(col(OutboxEvent.processed_at).is_(None))
    )).one()


async def drain_outbox(
    sessions: async_sessionmaker[AsyncSession],
    *,
    meili_url: str,
    meili_key: str | None,
    index_uid: str,
    batch_size: int = 500,
    now: datetime | None = None,
    client: AsyncClient | None = None,
    ref: SearchReference | None = None,
) -> DrainReport:
    """Process up to ``batch_size`` due events; never raises because of Meilisearch.

    ``client`` and ``ref`` let a long-running worker reuse its HTTP connection and label snapshot.
    """
    now = now or utcnow()
    report = DrainReport()
    async with sessions() as session:
        statement = (
            select(OutboxEvent)
            .where(col(OutboxEvent.processed_at).is_(None), col(OutboxEvent.next_attempt_at) <= now)
            .order_by(col(OutboxEvent.id)).limit(batch_size)
        )
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        events = list((await session.exec(statement)).all())
        report.events = len(events)
        if events:
            ids = [e.id for e in events]
            unite_ids = {e.entity_id for e in events if e.entity == "unite"}
            eg_ids = {e.entity_id for e in events if e.entity == "etablissement"}
            try:
                owned = client is None
                meili = client or meili_client(meili_url, meili_key, timeout=10)
                try:
                    pushed = await push_offres(session, meili, index_uid, unite_ids=unite_ids,
                                               etablissement_ids=eg_ids, ref=ref)
                finally:
                    if owned:
                        await meili.aclose()
            except Exception as exc:  # Meilisearch down, timeout, task failure: retry later
                report.failed = len(events)
                report.error = f"{type(exc).__name__}: {exc}"[:ERROR_MAX_LENGTH]
                log.warning("search sync failed for %d events: %s", len(events), report.error)
                await session.rollback()
                await _mark_failed(session, ids, report.error, now)
            else:
                report.upserted, report.deleted = pushed.upserted, pushed.deleted
                conn = await session.connection()
                await conn.execute(update(OutboxEvent).where(col(OutboxEvent.id).in_(ids))
                                   .values(processed_at=now, last_error=None))
                await purge_processed(session, before=now - PROCESSED_RETENTION)
            await session.commit()
        report.pending = await pending_count(session)
    return report


async def purge_processed(session: AsyncSession, *, before: datetime) -> int:
    """Delete events processed before ``before`` (pending and failed ones are never touched); no commit."""
    conn = await session.connection()
    result = await conn.execute(
        delete(OutboxEvent).where(col(OutboxEvent.processed_at).is_not(None), col(OutboxEvent.processed_at) < before)
    )
    return result.rowcount or 0


async def _mark_failed(session: AsyncSession, ids: list[int], error: str, now: datetime) -> None:
    """One more attempt for each event, next one after an exponential delay."""
    rows = (await session.exec(select(OutboxEvent).where(col(OutboxEvent.id).in_(ids)))).all()
    for event in rows:
        event.attempts += 1
        event.last_error = error
        event.next_attempt_at = now + backoff(event.attempts)
        session.add(event)
    await session.flush()


@contextlib.contextmanager
def outbox_signal(engine: AsyncEngine, callback: Callable[[], None]) -> Iterator[None]:
    """Call ``callback`` after each commit, by a session on ``engine``, that added outbox rows.

    Lets the server's worker drain right after a write of the same process (API, admin) instead
    of at its next poll. Only ORM-added ``OutboxEvent`` rows are seen (``ChangeSet``); bulk Core
    inserts and other processes' writes are found by the worker's regular polling.
    """
    target = engine.sync_engine

    def after_flush(session: Session, _context) -> None:
        if session.bind is target and any(isinstance(obj, OutboxEvent) for obj in session.new):
            session.info[_WROTE_OUTBOX] = True

    def after_commit(session: Session) -> None:
        if session.info.pop(_WROTE_OUTBOX, False):
            callback()

    def after_rollback(session: Session) -> None:
        session.info.pop(_WROTE_OUTBOX, None)

    listeners = [("after_flush", after_flush), ("after_commit", after_commit), ("after_rollback", after_rollback)]
    for name, listener in listeners:
        sa_event.listen(Session, name, listener)
    try:
        yield
    finally:
        for name, listener in listeners:
            sa_event.remove(Session, name, listener)
