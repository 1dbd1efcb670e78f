"""The recent index: a small delta in front of the national offers index (an LSM-style layer).

Meilisearch rewrites an index's whole geo tree on every batch, however small (3.8 s of a 4.2 s batch
at 300,000 offers), so a write pushed to the national index cannot be searchable within 2 s. The
search consumer therefore sends changed documents to ``<alias>_recent`` (a few thousand documents at
most, tens of milliseconds a batch) and records their ids in the shadow set (``search_index.shadow``):

* an offer still searchable is upserted into the recent index (``live`` in the shadow set);
* an offer no longer searchable (closed, sensitive, deleted) is removed from the recent index and
  marked ``removed``, which hides its base copy;
* searches exclude every shadowed id from the base and read only the ``live`` ones from the recent
  index, so the two parts are disjoint (``search_index.merged``).

Compaction (``compact``, by the consumer holding its lease, when the set exceeds ``max_ids`` ids or
its oldest change ``max_age``): push the current documents of the shadowed ids to the base in one
batch and wait, clear those ids from the shadow set, then (after ``STALE_READ_GRACE_SECONDS``) delete
from the recent index every document no longer shadowed. A crash before the clear redoes the same
idempotent push; a crash after it leaves documents in the recent index that no search reads (not
shadowed) and that the next compaction deletes. ``reindex`` ends with a compaction under the lease: both layers empty.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from meilisearch_python_sdk import AsyncClient
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import utcnow
from ror_graph.services.events.consumers import LEASE, claim, register, release
from search_index.index_settings import PRIMARY_KEY
from search_index.indexer import (
    PushResult,
    document_ids,
    ensure_index,
    index_exists,
    plan_push,
    push_offres,
    send_documents,
    wait_tasks,
)
from search_index.reference import SearchReference, load_search_reference
from search_index.shadow import clear_shadow, load_shadow, record_shadow

log = logging.getLogger(__name__)

RECENT_SUFFIX = "_recent"
CONSUMER = "search"  # the search consumer of the event log (search_index.sync), whose lease guards the layers
LEASE_WAIT = LEASE + timedelta(seconds=15)
STALE_READ_GRACE_SECONDS = 0.5
"""Between clearing the shadow set and deleting the compacted documents from the recent index: a search
reads the set, then queries both indexes; one that read it just before the clear still finds them."""


def recent_uid(alias: str) -> str:
    """Uid of the recent index in front of the offers index ``alias``."""
    return f"{alias}{RECENT_SUFFIX}"


@dataclass(frozen=True)
class RecentLayer:
    """When the consumer compacts the recent index into the base (the limits are settings:
    ``search_compact_max_ids``, ``search_compact_max_age_seconds``; ``api.search.recent_layer``)."""

    max_ids: int
    max_age: timedelta

    def due(self, count: int, oldest: datetime | None, now: datetime) -> bool:
        return count > 0 and (count >= self.max_ids or (oldest is not None and oldest <= now - self.max_age))


async def ensure_recent(client: AsyncClient, alias: str) -> None:
    """Create the recent index with the settings in code if it does not exist (never let a push create it
    with Meilisearch's defaults: the searches' filters would fail)."""
    if not await index_exists(client, recent_uid(alias)):
        await ensure_index(client, recent_uid(alias))


async def push_recent(
    session: AsyncSession, client: AsyncClient, alias: str, *, unite_ids: set[int], etablissement_ids: set[int],
    ref: SearchReference | None, now: datetime,
) -> PushResult:
    """Send these offers' documents to the recent index, then record them in the shadow set (uncommitted:
    the consumer's batch commits it, so a search sees a write once the recent index holds it)."""
    await ensure_recent(client, alias)
    docs, drop = await plan_push(session, client, [alias, recent_uid(alias)], unite_ids=unite_ids,
                                 etablissement_ids=etablissement_ids, ref=ref)
    result = await send_documents(client, recent_uid(alias), docs, drop)
    await record_shadow(session, live=[int(d[PRIMARY_KEY]) for d in docs], removed=drop, now=now)
    return result


async def compact(session: AsyncSession, client: AsyncClient, alias: str, *, ref: SearchReference | None = None,
                  fail_after_base: bool = False) -> int:
    """Move the shadowed offers into the base index and empty the recent layer; the number of ids moved.

    The caller holds the search consumer's lease (no drain runs meanwhile). ``fail_after_base`` is for
    tests: raise between the base push and the clear, as a crash would.
    """
    shadow = await load_shadow(session)
    if shadow:
        ref = ref or await load_search_reference(session)
        await push_offres(session, client, alias, unite_ids=sorted(shadow.ids), ref=ref)
        if fail_after_base:
            raise RuntimeError("compaction interrupted after the base push (test)")
        await clear_shadow(session, shadow.ids)
        await asyncio.sleep(STALE_READ_GRACE_SECONDS)  # searches that read the set before the clear still work
    await drop_unshadowed(session, client, alias)
    return len(shadow.ids)


async def drop_unshadowed(session: AsyncSession, client: AsyncClient, alias: str) -> int:
    """Delete from the recent index the documents no longer in the shadow set (compacted ones, strays)."""
    if not await index_exists(client, recent_uid(alias)):
        return 0
    keep = (await load_shadow(session)).live
    index = client.index(recent_uid(alias))
    stray = [i for i in await document_ids(index, None) if i not in keep]
    if stray:
        await wait_tasks(client, [await index.delete_documents([str(i) for i in stray])])
    return len(stray)


async def compact_leased(
    sessions: async_sessionmaker[AsyncSession], client: AsyncClient, alias: str, *, owner: str,
    ref: SearchReference | None = None, wait: timedelta = timedelta(0),
) -> int | None:
    """``compact`` under the search consumer's lease; ``None`` if the lease was not free within ``wait``."""
    deadline = utcnow() + wait
    async with sessions() as session:
        await register(session, CONSUMER)
        while await claim(session, CONSUMER, owner, now=utcnow()) is None:
            if utcnow() >= deadline:
                return None
            await asyncio.sleep(0.2)
        try:
            return await compact(session, client, alias, ref=ref)
        finally:
            await session.rollback()
            await release(session, [CONSUMER], owner)
