"""Search sync: the ``search`` consumer of the event log, pushing changed offers to Meilisearch.

Each batch of events (after the consumer's cursor, see ``services.events.consumers``) is coalesced
by entity and the current database state is re-read, so the latest state wins whatever the order and
number of events; offers no longer searchable (closed, sensitive, deleted) are removed. A Meilisearch
failure never raises: the cursor stays, the consumer records ``last_error`` and backs off (1 s, 2 s,
4 s, capped at ``BACKOFF_CAP_SECONDS`` so that a backlog drains within that delay once search
answers again), and the next drain catches up. The lease makes several drainers (the server's
worker, ``ror-graph sync-search``, on any database) take turns instead of double-pushing.

With a ``RecentLayer`` (the default of the app's settings) documents go to the small recent index and
the shadow set instead of the national one, and a drain compacts the layer into the national index
when it is due (``search_index.recent``); without it, pushes go to the national index directly.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from meilisearch_python_sdk import AsyncClient
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Event, utcnow
from ror_graph.services.events.consumers import lag, new_owner, run_batch
from ror_graph.services.events.log import purge_events
from search_index.client import meili_client
from search_index.indexer import PushResult, push_offres
from search_index.recent import CONSUMER, RecentLayer, compact_leased, push_recent
from search_index.reference import SearchReference
from search_index.shadow import shadow_state

log = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 5.0
DEFAULT_RETENTION = timedelta(days=400)
_OWNER = new_owner()  # one lease owner per process unless the caller brings its own


@dataclass
class DrainReport:
    """What one drain did; ``pending`` counts events the search consumer has still to process."""

    events: int = 0
    upserted: int = 0
    deleted: int = 0
    failed: int = 0
    error: str | None = None
    pending: int = 0
    busy: bool = False  # another drainer held the lease, or the consumer is backing off
    compacted: int = 0  # ids moved from the recent layer into the national index by this drain


def backoff(attempts: int) -> timedelta:
    """Delay before retry number ``attempts`` (1 s, 2 s, 4 s, then 5 s)."""
    return timedelta(seconds=min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1)))


def searched_ids(events: list[Event]) -> tuple[set[int], set[int]]:
    """(offer ids, EG ids) whose documents these events may change; EJ events come with their EGs'."""
    unite_ids = {e.entity_id for e in events if e.entity == "unite" and e.entity_id is not None}
    eg_ids = {e.entity_id for e in events if e.entity == "etablissement" and e.entity_id is not None}
    return unite_ids, eg_ids


async def drain_search(
    sessions: async_sessionmaker[AsyncSession],
    *,
    meili_url: str,
    meili_key: str | None,
    index_uid: str,
    batch_size: int = 500,
    now: datetime | None = None,
    client: AsyncClient | None = None,
    ref: SearchReference | None = None,
    owner: str | None = None,
    retention: timedelta = DEFAULT_RETENTION,
    recent: RecentLayer | None = None,
) -> DrainReport:
    """Process up to ``batch_size`` events after the search cursor; never raises because of Meilisearch.

    ``client`` and ``ref`` let a long-running worker reuse its HTTP connection and label snapshot.
    After a successful batch, events older than ``retention`` that every consumer has passed are purged.
    ``recent``: push to the recent layer, and compact it when due.
    """
    now = now or utcnow()
    owner = owner or _OWNER

    async def push(session: AsyncSession, events: list[Event]) -> PushResult:
        unite_ids, eg_ids = searched_ids(events)
        meili = client or meili_client(meili_url, meili_key, timeout=10)
        try:
            if recent is not None:
                return await push_recent(session, meili, index_uid, unite_ids=unite_ids, etablissement_ids=eg_ids,
                                         ref=ref, now=now)
            return await push_offres(session, meili, index_uid, unite_ids=unite_ids, etablissement_ids=eg_ids,
                                     ref=ref)
        finally:
            if client is None:
                await meili.aclose()

    result = await run_batch(sessions, CONSUMER, owner, push, batch_size=batch_size, now=now,
                             backoff=backoff)
    report = DrainReport(events=len(result.events), busy=not result.claimed)
    if result.error:
        report.failed, report.error = len(result.events), result.error
        log.warning("search sync failed for %d events: %s", len(result.events), result.error)
    elif result.outcome is not None:
        report.upserted, report.deleted = result.outcome.upserted, result.outcome.deleted
    compacting = recent is not None and not result.error and not report.busy
    async with sessions() as session:
        if result.outcome is not None:
            await purge_events(session, before=now - retention)
            await session.commit()
        report.pending = await lag(session, CONSUMER)
        count, oldest = await shadow_state(session) if compacting else (0, None)
    if recent is not None and recent.due(count, oldest, now):
        await _compact(sessions, report, meili_url=meili_url, meili_key=meili_key, index_uid=index_uid,
                       client=client, ref=ref, owner=owner)
    return report


async def _compact(
    sessions: async_sessionmaker[AsyncSession], report: DrainReport, *, meili_url: str, meili_key: str | None,
    index_uid: str, client: AsyncClient | None, ref: SearchReference | None, owner: str,
) -> None:
    """Compact the recent layer into the national index (it is due); a failure is logged and reported."""
    meili = client or meili_client(meili_url, meili_key, timeout=60)
    try:
        report.compacted = await compact_leased(sessions, meili, index_uid, owner=owner, ref=ref) or 0
    except Exception as exc:  # Meilisearch down: the next drain tries again, nothing was cleared
        report.error = f"compaction: {type(exc).__name__}: {exc}"
        log.warning("search compaction failed: %s", report.error)
    finally:
        if client is None:
            await meili.aclose()
