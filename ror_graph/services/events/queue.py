"""What support does with the search-sync queue (transactional outbox): see what waits, retry.

An ``OutboxEvent`` is *pending* until the search worker has pushed it (``processed_at`` set), and
*failed* when at least one push attempt failed (the worker backs off before the next attempt).
``retry_outbox_events`` puts failed events back at the front of the queue with a fresh attempt
budget, e.g. once Meilisearch is back; the worker does the actual push.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import OutboxEvent, utcnow
from ror_graph.services.core.errors import BadInputError

STATES = ("pending", "failed", "processed")
MAX_RETRY_BATCH = 10_000


def outbox_state_clause(state: str) -> ColumnElement[bool]:
    """SQL condition of one queue state: ``pending``, ``failed`` or ``processed``."""
    if state == "pending":
        return OutboxEvent.processed_at.is_(None)
    if state == "failed":
        return and_(OutboxEvent.processed_at.is_(None), OutboxEvent.attempts > 0)
    if state == "processed":
        return OutboxEvent.processed_at.is_not(None)
    raise BadInputError(f"Unknown outbox state {state!r}; expected one of {', '.join(STATES)}.", field="state")


@dataclass(frozen=True)
class OutboxSummary:
    """Queue health at a glance (dashboard)."""

    pending: int
    failed: int
    oldest_pending_at: datetime | None


async def outbox_summary(session: AsyncSession) -> OutboxSummary:
    """Counts of pending and failed events and the age of the oldest pending one."""
    conn = await session.connection()
    pending, oldest = (await conn.execute(
        select(func.count(), func.min(OutboxEvent.created_at)).where(outbox_state_clause("pending"))
    )).one()
    failed = (await conn.execute(select(func.count()).where(outbox_state_clause("failed")))).scalar_one()
    if oldest is not None and oldest.tzinfo is None:  # SQLite aggregate without the column's type processing
        oldest = oldest.replace(tzinfo=UTC)
    return OutboxSummary(pending=pending, failed=failed, oldest_pending_at=oldest)


async def retry_outbox_events(session: AsyncSession, ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Reschedule the unprocessed events ``ids`` for now with their attempt count reset; commits.

    Processed events are left alone (they reached the index already). Returns how many events were
    rescheduled. ``last_error`` is kept so support still sees why the previous attempt failed.
    """
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        raise BadInputError("Select at least one queue event to retry.", field="ids")
    if len(wanted) > MAX_RETRY_BATCH:
        raise BadInputError(f"Retry at most {MAX_RETRY_BATCH} events at a time.", field="ids")
    now = now or utcnow()
    conn = await session.connection()
    result = await conn.execute(
        update(OutboxEvent)
        .where(OutboxEvent.id.in_(wanted), OutboxEvent.processed_at.is_(None))
        .values(attempts=0, next_attempt_at=now)
    )
    await session.commit()
    return result.rowcount or 0
