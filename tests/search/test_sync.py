"""The search consumer keeps the index in sync: updates, closures, deletions, Meilisearch outages, reindex."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from meilisearch_python_sdk import AsyncClient
from sqlalchemy import delete
from sqlmodel import func, select

from ror_graph.api.search import search_worker
from ror_graph.db import make_engine, session_factory
from ror_graph.models import Consumer, Etablissement, Event, Unite, UniteCode, ZoneIntervention, utcnow
from ror_graph.resolvers.search import run_search
from ror_graph.services.core.changes import Actor, ChangeSet
from ror_graph.services.events.consumers import claim, register
from ror_graph.services.events.signal import events_signal
from search_index.indexer import reindex
from search_index.query import SearchParams, search_offres
from search_index.sync import BACKOFF_CAP_SECONDS, CONSUMER, backoff, drain_search
from tests.search.dataset import PUBLIC

SUPPORT = Actor(name="support@ars.example", role="support", source="api")


async def change(session, model, row_id: int, entity: str, **values) -> None:
    """A real write: ChangeSet (audit rows + event) then commit."""
    obj = await session.get(model, row_id)
    cs = ChangeSet(session, SUPPORT, motif="test")
    for name, value in values.items():
        cs.set(obj, entity, str(row_id), name, value)
    cs.enqueue(entity, row_id)
    await cs.flush()
    await session.commit()


async def drain(sessions, meili, index_uid, **kwargs):
    return await drain_search(sessions, meili_url=meili.url, meili_key=meili.master_key, index_uid=index_uid,
                              **kwargs)


async def search_consumer(session) -> Consumer:
    session.expire_all()
    consumer = (await session.exec(select(Consumer).where(Consumer.name == CONSUMER))).one()
    await session.commit()
    return consumer


async def ids_for(client, index_uid, **params) -> set[int]:
    page = await search_offres(client, index_uid, SearchParams(per_page=50, **params))
    return {h["id"] for h in page.hits}


async def app_ids(state, **params) -> set[int]:
    """Ids found by the app's own search (base and recent index, shadow set from the database)."""
    page = await run_search(state, SearchParams(per_page=50, **params))
    return {h["id"] for h in page.hits}


async def test_an_update_is_visible_after_the_drain(indexed, session, sessions, client, meili, index_uid):
    # given an indexed offer renamed through a ChangeSet
    unite_id = indexed.unite_ids["heb_cholet"]
    await change(session, Unite, unite_id, "unite", nom="Hébergement Cantou Bellevue")
    assert unite_id not in await ids_for(client, index_uid, text="cantou bellevue")
    # when the search consumer drains the log
    report = await drain(sessions, meili, index_uid)
    # then the new name is searchable and the consumer's cursor is past the event
    assert (report.events, report.upserted, report.failed, report.pending) == (1, 1, 0, 0)
    assert await ids_for(client, index_uid, text="cantou bellevue") == {unite_id}
    event_seq = (await session.exec(select(Event.seq))).one()
    consumer = await search_consumer(session)
    assert consumer.cursor == event_seq and consumer.last_error is None and consumer.lease_owner is None


async def test_several_events_coalesce_and_the_latest_state_wins(indexed, session, sessions, client, meili,
                                                                 index_uid):
    unite_id = indexed.unite_ids["ssiad"]
    for age_min in (20, 30, 40):
        await change(session, Unite, unite_id, "unite", age_min=age_min)
    report = await drain(sessions, meili, index_uid)
    assert (report.events, report.upserted) == (3, 1)
    doc = await client.index(index_uid).get_document(str(unite_id))
    assert doc["ageMin"] == 40


async def test_a_closed_or_sensitive_offer_leaves_the_index(indexed, session, sessions, client, meili, index_uid):
    # given two public offers, one closed and one marked sensitive
    closed, sensitive = indexed.unite_ids["heb_cholet"], indexed.unite_ids["cmp_enfants"]
    await change(session, Unite, closed, "unite", ferme=True)
    await change(session, Unite, sensitive, "unite", unite_sensible=True)
    # when drained
    report = await drain(sessions, meili, index_uid)
    # then both documents are gone, the others stay
    assert report.deleted == 2
    assert await ids_for(client, index_uid) == {indexed.unite_ids[u["key"]] for u in PUBLIC} - {closed, sensitive}


async def test_an_etablissement_change_reindexes_or_removes_its_offers(indexed, session, sessions, client, meili,
                                                                       index_uid):
    eg_id = indexed.eg_ids["ehpad_angers"]
    # when the EG is renamed, its offers carry the new name
    await change(session, Etablissement, eg_id, "etablissement", nom_operationnel="Résidence Val de Maine")
    await drain(sessions, meili, index_uid)
    assert indexed.unite_ids["heb_angers"] in await ids_for(client, index_uid, text="val de maine")
    # when the EG closes, all of its offers leave the index
    await change(session, Etablissement, eg_id, "etablissement", ferme=True)
    await drain(sessions, meili, index_uid)
    assert not await ids_for(client, index_uid, filters={"commune": ["49007"]})


async def delete_eg(session, eg_id: int, unite_id: int) -> None:
    """Delete an EG and its one offer (codes, zones) from the database, appending only the EG's "delete" event."""
    conn = await session.connection()
    for table in (UniteCode, ZoneIntervention):
        await conn.execute(delete(table).where(table.unite_id == unite_id))
    await conn.execute(delete(Unite).where(Unite.id == unite_id))
    await conn.execute(delete(Etablissement).where(Etablissement.id == eg_id))
    cs = ChangeSet(session, SUPPORT, motif="test")
    cs.enqueue("etablissement", eg_id, "delete")
    await cs.flush()
    await session.commit()


async def test_deleted_rows_remove_their_documents(indexed, session, sessions, client, meili, index_uid):
    # given the SSIAD unit and its EG deleted from the database, only the EG's "delete" event appended
    unite_id, eg_id = indexed.unite_ids["ssiad"], indexed.eg_ids["ssiad_trelaze"]
    await delete_eg(session, eg_id, unite_id)
    assert (await session.exec(select(Event.op))).all() == ["delete"]
    # when drained, then its documents are found by EG and removed
    await drain(sessions, meili, index_uid)
    assert unite_id not in await ids_for(client, index_uid)
    assert await ids_for(client, index_uid)  # the rest is still there


async def test_a_deleted_eg_and_an_edit_go_out_as_additions_and_deletions_by_id(indexed, session, sessions, client,
                                                                                  meili, index_uid):
    # given, in one batch of events, an offer renamed and another EG deleted with its offer rows
    renamed, gone = indexed.unite_ids["smr_paris"], indexed.unite_ids["ssiad"]
    await change(session, Unite, renamed, "unite", nom="Offre renommée zqxunique")
    conn = await session.connection()
    for table in (UniteCode, ZoneIntervention):
        await conn.execute(delete(table).where(table.unite_id == gone))
    await conn.execute(delete(Unite).where(Unite.id == gone))
    await conn.execute(delete(Etablissement).where(Etablissement.id == indexed.eg_ids["ssiad_trelaze"]))
    cs = ChangeSet(session, SUPPORT, motif="test")
    cs.enqueue("etablissement", indexed.eg_ids["ssiad_trelaze"], "delete")
    await cs.flush()
    await session.commit()
    before = (await client.get_tasks(limit=1)).results[0].uid
    # when drained
    report = await drain(sessions, meili, index_uid)
    # then both changes are searchable, the gone EG's document counted as deleted...
    assert await ids_for(client, index_uid, text="zqxunique") == {renamed}
    assert gone not in await ids_for(client, index_uid)
    assert (report.upserted, report.deleted) == (1, 1)
    # ...and Meilisearch got an addition and a deletion by id (which it batches together), no deletion by filter
    tasks = [t for t in (await client.get_tasks(limit=20)).results if t.uid > before and t.index_uid == index_uid]
    assert sorted(t.task_type for t in tasks) == ["documentAdditionOrUpdate", "documentDeletion"]
    assert all((t.details or {}).get("originalFilter") is None for t in tasks)


async def test_sync_catches_up_after_meilisearch_was_down(indexed, session, sessions, client, meili, index_uid):
    unite_id = indexed.unite_ids["smr_paris"]
    t0 = utcnow()
    # given Meilisearch stopped
    meili.stop()
    try:
        # when a write happens, the write itself succeeds (its event committed with it)
        await change(session, Unite, unite_id, "unite", nom="Rééducation neurologique Auteuil")
        report = await drain(sessions, meili, index_uid, now=t0)
        # then the drain does not raise: the event stays pending, the consumer keeps the error and backs off
        assert report.failed == 1 and report.pending == 1 and report.error
        consumer = await search_consumer(session)
        assert consumer.attempts == 1 and consumer.cursor == 0 and consumer.last_error
        assert consumer.retry_at == t0 + timedelta(seconds=1)
    finally:
        # when Meilisearch comes back on the same data and port
        meili.start()
    # then nothing is retried before the backoff delay
    early = await drain(sessions, meili, index_uid, now=t0 + timedelta(milliseconds=500))
    assert early.events == 0 and early.busy and early.pending == 1
    # and once due, the update reaches the index
    report = await drain(sessions, meili, index_uid, now=consumer.retry_at)
    assert (report.events, report.failed, report.pending) == (1, 0, 0)
    assert await ids_for(client, index_uid, text="auteuil") == {unite_id}


async def test_after_a_long_outage_the_backlog_drains_within_five_seconds_of_recovery(indexed, session, sessions,
                                                                                      client, meili, index_uid):
    # given Meilisearch down for a long time: 6 writes queued, the consumer failed 6 times in a row
    renamed = {indexed.unite_ids[key]: f"Offre reprise {n}" for n, key in enumerate(("ssiad", "heb_cholet"))}
    meili.stop()
    now = utcnow()
    try:
        for _round in range(3):
            for unite_id, name in renamed.items():
                await change(session, Unite, unite_id, "unite", nom=f"{name} {_round}")
        for _attempt in range(6):
            failed_at = now
            assert (await drain(sessions, meili, index_uid, now=failed_at, batch_size=5)).failed == 5
            now = (await search_consumer(session)).retry_at
        consumer = await search_consumer(session)
    finally:
        meili.start()
    # then the last failure scheduled the next attempt at most 5 s later (the backoff is capped)
    assert consumer.attempts == 6 and consumer.cursor == 0
    assert consumer.retry_at - failed_at == timedelta(seconds=BACKOFF_CAP_SECONDS) <= timedelta(seconds=5)
    # when search answers again, then the drains due at that next attempt empty the whole backlog
    reports = [await drain(sessions, meili, index_uid, now=consumer.retry_at, batch_size=5) for _ in range(2)]
    assert [r.events for r in reports] == [5, 1] and reports[-1].pending == 0
    for unite_id, name in renamed.items():
        assert (await client.index(index_uid).get_document(str(unite_id)))["nom"] == f"{name} 2"


def test_backoff_grows_and_is_capped_at_five_seconds():
    delays = [backoff(n) for n in range(1, 15)]
    assert delays == sorted(delays) and delays[0] == timedelta(seconds=1) and delays[-1] == timedelta(seconds=5)


async def test_a_second_drainer_waits_while_the_lease_is_held(indexed, session, sessions, meili, index_uid):
    # given one write and another process (owner "other") holding the search consumer's lease
    await change(session, Unite, indexed.unite_ids["ssiad"], "unite", age_min=25)
    await register(session, CONSUMER)
    assert await claim(session, CONSUMER, "other", now=utcnow()) == 0
    # when this process drains, then it does nothing (no double push)
    report = await drain(sessions, meili, index_uid)
    assert report.busy and report.events == 0 and report.pending == 1
    assert (await session.exec(select(func.count()).select_from(Event))).one() == 1


async def test_the_server_worker_pushes_writes(indexed, session, app_state, client, index_uid):
    # given the app's background worker running
    app_state.extras["search_sync_interval"] = 0.1
    async with search_worker(app_state):
        # when an offer is renamed
        unite_id = indexed.unite_ids["cmp_enfants"]
        await change(session, Unite, unite_id, "unite", nom="Consultations pédopsychiatrie Chacé")
        # then it becomes searchable without any manual step
        found = set()
        deadline = utcnow() + timedelta(seconds=20)
        while not found and utcnow() < deadline:
            await asyncio.sleep(0.1)
            found = await app_ids(app_state, text="chace")
    assert found == {unite_id}


async def test_the_worker_drains_right_after_a_commit_of_its_process(indexed, session, app_state, client, index_uid):
    # given the app's worker with a polling interval far longer than the test's deadline
    app_state.extras["search_sync_interval"] = 60
    async with search_worker(app_state):
        first, second = indexed.unite_ids["cmp_enfants"], indexed.unite_ids["heb_cholet"]
        for unite_id, name, word in ((first, "Consultations Chacé", "chace"), (second, "Cantou Bellevue", "cantou")):
            # when an offer is renamed by this process (the first one also waits for the start-up drain)
            await change(session, Unite, unite_id, "unite", nom=name)
            # then it is searchable well before the next poll: the commit woke the worker
            found, deadline = set(), utcnow() + timedelta(seconds=20)
            while not found and utcnow() < deadline:
                await asyncio.sleep(0.05)
                found = await app_ids(app_state, text=word)
            assert found == {unite_id}


async def test_events_signal_fires_only_after_commits_that_appended_events(indexed, session, engine,
                                                                             database_url):
    calls = []
    other = make_engine(database_url)
    try:
        with events_signal(engine, lambda: calls.append("wake")):
            unite_id = indexed.unite_ids["ssiad"]
            unite = await session.get(Unite, unite_id)
            # when a write without events commits, then nothing is signalled
            unite.nom = "SSIAD renommé sans événement"
            session.add(unite)
            await session.commit()
            assert calls == []
            # when a ChangeSet with an event is rolled back, then nothing is signalled either
            cs = ChangeSet(session, SUPPORT, motif="test")
            cs.enqueue("unite", unite_id)
            await cs.flush()
            await session.flush()
            await session.rollback()
            assert calls == []
            # when a session on another engine commits events, then this app is not signalled
            async with session_factory(other)() as foreign:
                cs = ChangeSet(foreign, SUPPORT, motif="test")
                cs.enqueue("unite", unite_id)
                await cs.flush()
                await foreign.commit()
            assert calls == []
            # when a ChangeSet with an event commits, then the callback runs once
            await change(session, Unite, unite_id, "unite", nom="SSIAD renommé")
            assert calls == ["wake"]
        # when the signal is closed, then later commits are not seen
        await change(session, Unite, unite_id, "unite", nom="SSIAD renommé encore")
        assert calls == ["wake"]
    finally:
        await other.dispose()


async def test_reindex_swaps_atomically_while_searching(indexed, session, sessions, client, meili, index_uid):
    # given a change made behind the event log's back (only a full reindex can see it)
    unite_id = indexed.unite_ids["heb_cholet"]
    unite = await session.get(Unite, unite_id)
    unite.nom = "Hébergement Les Mauges"
    await session.commit()
    # when searches run continuously during a reindex
    results: list[int] = []
    errors: list[Exception] = []
    done = asyncio.Event()

    async def keep_searching() -> None:
        async with AsyncClient(meili.url, meili.master_key) as searcher:
            while not done.is_set():
                try:
                    results.append((await searcher.index(index_uid).search(None)).estimated_total_hits or 0)
                except Exception as exc:  # any failure is what we look for
                    errors.append(exc)
                await asyncio.sleep(0.005)

    searching = asyncio.create_task(keep_searching())
    count = await reindex(sessions, meili_url=meili.url, meili_key=meili.master_key, index_uid=index_uid)
    done.set()
    await searching
    # then every search answered with a full index, the change is visible and no temporary index is left
    assert not errors and results and set(results) == {len(PUBLIC)} and count == len(PUBLIC)
    assert await ids_for(client, index_uid, text="mauges") == {unite_id}
    uids = {i.uid for i in await client.get_indexes() or []}
    assert not any(uid.startswith(f"{index_uid}_") for uid in uids)
