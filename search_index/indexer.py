"""Write side of the offers index: settings, incremental pushes (event log) and the zero-downtime reindex.

``reindex`` never touches the live index while it works: it fills ``<alias>_<timestamp>``, then asks
Meilisearch to swap the two atomically (search keeps answering from the old content until the
swap), deletes the old content, re-pushes the offers written while it ran, since the search
consumer sent those to the index that was live at the time, and finally compacts the recent layer
(``search_index.recent``) under the consumer's lease, so the shadow set and the recent index end empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from meilisearch_python_sdk import AsyncClient
from meilisearch_python_sdk.errors import MeilisearchApiError, MeilisearchError
from meilisearch_python_sdk.index import AsyncIndex
from meilisearch_python_sdk.models.task import TaskInfo
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Event, utcnow
from ror_graph.services.events.consumers import new_owner
from search_index.client import meili_client
from search_index.documents import build_document
from search_index.index_settings import PRIMARY_KEY, index_settings
from search_index.reference import SearchReference, load_search_reference
from search_index.sources import count_public_unites, load_sources, public_unite_ids, unite_ids_by_etablissement

Progress = Callable[[str, int, int], None]  # (phase, done, total)
TASK_TIMEOUT_MS = 120_000


class IndexingFailed(RuntimeError):
    """A Meilisearch task ended in failure (the message carries Meilisearch's error)."""


async def wait_tasks(
    client: AsyncClient, tasks: Iterable[TaskInfo], *, timeout_ms: int | None = TASK_TIMEOUT_MS
) -> None:
    """Wait for each task; raise ``IndexingFailed`` if one did not succeed."""
    for task in tasks:
        result = await client.wait_for_task(task.task_uid, timeout_in_ms=timeout_ms, interval_in_ms=20)
        if result.status != "succeeded":
            raise IndexingFailed(f"task {task.task_uid} {result.status}: {result.error}")


async def index_exists(client: AsyncClient, uid: str) -> bool:
    return await client.get_raw_index(uid) is not None


async def ensure_index(client: AsyncClient, index_uid: str) -> AsyncIndex:
    """Create the index if needed and apply the settings in code (a no-op for Meilisearch when unchanged)."""
    if not await index_exists(client, index_uid):
        try:
            await client.create_index(index_uid, primary_key=PRIMARY_KEY)
        except MeilisearchApiError as exc:  # created concurrently by another worker
            if "already exists" not in str(exc):
                raise
    index = client.index(index_uid)
    await wait_tasks(client, [await index.update_settings(index_settings())])
    return index


@dataclass
class PushResult:
    """What one incremental push did."""

    upserted: int = 0
    deleted: int = 0


async def plan_push(
    session: AsyncSession,
    client: AsyncClient,
    index_uids: Iterable[str],
    *,
    unite_ids: Iterable[int] = (),
    etablissement_ids: Iterable[int] = (),
    ref: SearchReference | None = None,
) -> tuple[list[dict], list[int]]:
    """(documents to upsert, ids to remove) that bring these offers (and every offer of these EGs) to their
    current DB state; the documents of a deleted EG's offers are looked up by EG in ``index_uids``."""
    eg_ids = sorted(set(etablissement_ids))
    ids = set(unite_ids)
    for unit_ids in (await unite_ids_by_etablissement(session, eg_ids)).values():
        ids.update(unit_ids)
    ref = ref or await load_search_reference(session)
    sources = await load_sources(session, sorted(ids))
    docs, drop = [], []
    for unite_id in sorted(ids):
        doc = build_document(sources[unite_id], ref) if unite_id in sources else None
        (docs.append(doc) if doc else drop.append(unite_id))
    gone_egs = [eg for eg in eg_ids if not any(s.etablissement["id"] == eg for s in sources.values())]
    if gone_egs:  # a deleted EG took its offers' rows with it: find their documents by EG
        for index_uid in index_uids:
            found = await document_ids(client.index(index_uid),
                                       f"etablissementId IN [{', '.join(map(str, gone_egs))}]")
            drop.extend(i for i in found if i not in ids and i not in drop)
    return docs, drop


async def send_documents(client: AsyncClient, index_uid: str, docs: list[dict], drop: list[int]) -> PushResult:
    """Upsert ``docs`` and remove ``drop`` from ``index_uid``; waits for Meilisearch to apply them."""
    index = client.index(index_uid)
    tasks = []
    if docs:
        tasks.append(await index.add_documents(docs, primary_key=PRIMARY_KEY))
    if drop:  # deletions by id join the additions in one Meilisearch batch (a deletion by filter would not)
        tasks.append(await index.delete_documents([str(i) for i in drop]))
    await wait_tasks(client, tasks)
    return PushResult(upserted=len(docs), deleted=len(drop))


async def push_offres(
    session: AsyncSession,
    client: AsyncClient,
    index_uid: str,
    *,
    unite_ids: Iterable[int] = (),
    etablissement_ids: Iterable[int] = (),
    ref: SearchReference | None = None,
) -> PushResult:
    """Bring the documents of these offers (and of every offer of these EGs) to their current DB state.

    Offers that are no longer searchable (closed, sensitive, deleted, EG closed or deleted) are
    removed. Waits for Meilisearch to apply the change; raises on any Meilisearch failure.
    """
    docs, drop = await plan_push(session, client, [index_uid], unite_ids=unite_ids,
                                 etablissement_ids=etablissement_ids, ref=ref)
    return await send_documents(client, index_uid, docs, drop)


async def document_ids(index: AsyncIndex, filter_: str | None, page: int = 1000) -> list[int]:
    """Ids of the documents matching ``filter_``.

    Every Meilisearch batch rewrites the index's whole geo tree (seconds at national volume), so the
    push sends deletions by id, which Meilisearch batches with the additions, rather than by filter.
    """
    found: list[int] = []
    while True:
        chunk = await index.get_documents(filter=filter_, fields=[PRIMARY_KEY], offset=len(found), limit=page)
        found.extend(int(doc[PRIMARY_KEY]) for doc in chunk.results)
        if len(chunk.results) < page:
            return found


async def reindex(
    sessions: async_sessionmaker[AsyncSession],
    *,
    meili_url: str,
    meili_key: str | None,
    index_uid: str,
    progress: Progress | None = None,
    batch_size: int = 2000,
) -> int:
    """Rebuild ``index_uid`` from the database into a new index and swap it in; returns the document count."""
    started = utcnow()
    new_uid = f"{index_uid}_{started:%Y%m%d%H%M%S%f}"
    report = progress or (lambda phase, done, total: None)
    async with meili_client(meili_url, meili_key, timeout=60) as client:
        await ensure_index(client, new_uid)
        index = client.index(new_uid)
        count, tasks = 0, []
        try:
            async with sessions() as session:
                ref = await load_search_reference(session)
                total = await count_public_unites(session)
                report("read", 0, total)
                after = 0
                while ids := await public_unite_ids(session, after_id=after, limit=batch_size):
                    sources = await load_sources(session, ids)
                    docs = [d for s in sources.values() if (d := build_document(s, ref))]
                    if docs:
                        tasks.append(await index.add_documents(docs, primary_key=PRIMARY_KEY))
                    count += len(docs)
                    after = ids[-1]
                    report("read", count, total)
            for done, task in enumerate(tasks, start=1):
                await wait_tasks(client, [task], timeout_ms=None)
                report("index", done, len(tasks))
            live = await index_exists(client, index_uid)
            # swap the contents, or (first build) rename the new index to the alias
            pair = (index_uid, new_uid) if live else (new_uid, index_uid)
            await wait_tasks(client, [await client.swap_indexes([pair], rename=not live)])
        except (MeilisearchError, IndexingFailed):
            await client.delete_index_if_exists(new_uid)
            raise
        if live:  # after the swap, new_uid holds the previous content
            await client.delete_index_if_exists(new_uid)
        await _catch_up(sessions, client, index_uid, since=started)
        await _empty_recent_layer(sessions, client, index_uid)
    return count


async def _empty_recent_layer(sessions: async_sessionmaker[AsyncSession], client: AsyncClient, index_uid: str) -> None:
    """Compact the recent layer into the rebuilt index under the consumer's lease: both end up empty."""
    from search_index.recent import LEASE_WAIT, compact_leased  # the recent layer builds on this module

    if await compact_leased(sessions, client, index_uid, owner=new_owner(), wait=LEASE_WAIT) is None:
        raise IndexingFailed("the search consumer kept its lease: the recent layer was not compacted")


async def _catch_up(sessions: async_sessionmaker[AsyncSession], client: AsyncClient, index_uid: str, *, since) -> None:
    """Re-push what was written during the rebuild (the worker sent it to the old index)."""
    async with sessions() as session:
        rows = (await session.exec(
            select(Event.entity, Event.entity_id).where(col(Event.at) >= since, col(Event.entity_id).is_not(None))
        )).all()
        if rows:
            await push_offres(
                session, client, index_uid,
                unite_ids=[i for e, i in rows if e == "unite" and i is not None],
                etablissement_ids=[i for e, i in rows if e == "etablissement" and i is not None],
            )
