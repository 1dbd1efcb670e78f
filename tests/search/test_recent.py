"""The recent layer end to end: writes → recent index + shadow set, searches, compaction, crashes, reindex."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from ror_graph.api.health import search_check
from ror_graph.api.search import recent_layer
from ror_graph.models import Unite, utcnow
from ror_graph.resolvers import search as search_resolvers
from ror_graph.resolvers.search import forget_shadow, shadow_set
from ror_graph.settings import Settings
from search_index.indexer import ensure_index, reindex
from search_index.query import SearchParams, search_offres
from search_index.recent import RecentLayer, compact, recent_uid
from search_index.shadow import load_shadow, record_shadow
from search_index.sync import drain_search
from tests.search.dataset import PUBLIC
from tests.search.test_sync import change, delete_eg

LAYER = recent_layer(Settings(database_url="sqlite+aiosqlite://"))  # the settings' defaults: no compaction
# within a test unless asked


async def drain(sessions, meili, index_uid, layer: RecentLayer = LAYER):
    return await drain_search(sessions, meili_url=meili.url, meili_key=meili.master_key, index_uid=index_uid,
                              recent=layer)


async def search(client, sessions, index_uid, **params):
    """The app's search: shadow set read from the database, then base (+ recent) index."""
    async with sessions() as session:
        shadow = await load_shadow(session)
    return await search_offres(client, index_uid, SearchParams(per_page=50, **params), shadow=shadow)


async def ids(client, sessions, index_uid, **params) -> list[int]:
    return [h["id"] for h in (await search(client, sessions, index_uid, **params)).hits]


async def base_tasks(client, index_uid) -> list[int]:
    return [t.uid for t in (await client.get_tasks(index_ids=[index_uid], limit=100)).results]


async def documents(client, uid: str) -> set[int]:
    return {int(d["id"]) for d in (await client.index(uid).get_documents(limit=1000)).results}


async def test_a_write_is_searchable_through_the_recent_index_before_the_base_sees_it(
        indexed, session, sessions, client, meili, index_uid):
    # given an indexed offer and the base index's tasks so far
    unite_id = indexed.unite_ids["heb_cholet"]
    before = await base_tasks(client, index_uid)
    # when it is renamed and the consumer drains
    await change(session, Unite, unite_id, "unite", nom="Hébergement Cantou Bellevue")
    report = await drain(sessions, meili, index_uid)
    # then it is found by its new name, once, not by its old one; the total is unchanged
    assert (report.upserted, report.compacted) == (1, 0)
    assert await ids(client, sessions, index_uid, text="cantou bellevue") == [unite_id]
    everything = await search(client, sessions, index_uid)
    assert sorted(h["id"] for h in everything.hits) == sorted(indexed.unite_ids[u["key"]] for u in PUBLIC)
    assert everything.total == len(PUBLIC)
    assert [h["nom"] for h in everything.hits if h["id"] == unite_id] == ["Hébergement Cantou Bellevue"]
    # and the base index received no task at all; the recent index holds the document, the shadow set its id
    assert await base_tasks(client, index_uid) == before
    assert await documents(client, recent_uid(index_uid)) == {unite_id}
    async with sessions() as s:
        assert (await load_shadow(s)).live == {unite_id}


async def test_a_closed_or_sensitive_offer_disappears_from_both_indexes(indexed, session, sessions, client, meili,
                                                                       index_uid):
    closed, sensitive = indexed.unite_ids["heb_cholet"], indexed.unite_ids["cmp_enfants"]
    await change(session, Unite, closed, "unite", ferme=True)
    await change(session, Unite, sensitive, "unite", unite_sensible=True)
    report = await drain(sessions, meili, index_uid)
    assert report.deleted == 2
    page = await search(client, sessions, index_uid, facets=["departement"])
    expected = {indexed.unite_ids[u["key"]] for u in PUBLIC} - {closed, sensitive}
    assert {h["id"] for h in page.hits} == expected and page.total == len(expected)
    assert sum(v.count for v in page.facets["departement"]) == len(expected)
    # neither index serves them: the base copies are hidden, the recent index never got the sensitive one
    assert not await documents(client, recent_uid(index_uid))
    async with sessions() as s:
        assert (await load_shadow(s)).removed == {closed, sensitive}


async def test_compaction_moves_everything_to_the_base_and_empties_the_recent_layer(
        indexed, session, sessions, client, meili, index_uid):
    renamed, closed = indexed.unite_ids["ssiad"], indexed.unite_ids["heb_cholet"]
    await change(session, Unite, renamed, "unite", nom="SSIAD zqxunique")
    await change(session, Unite, closed, "unite", ferme=True)
    # when the layer is due (2 ids ≥ max_ids) at the end of the drain
    report = await drain(sessions, meili, index_uid, replace(LAYER, max_ids=2))
    # then the base holds the new state, the recent index and the shadow set are empty
    assert report.compacted == 2 and report.error is None
    assert not await documents(client, recent_uid(index_uid))
    async with sessions() as s:
        assert not await load_shadow(s)
    base = await documents(client, index_uid)
    assert renamed in base and closed not in base
    assert await ids(client, sessions, index_uid, text="zqxunique") == [renamed]
    assert (await search(client, sessions, index_uid)).total == len(PUBLIC) - 1


async def test_a_compaction_interrupted_after_the_base_push_loses_nothing_and_duplicates_nothing(
        indexed, session, sessions, client, meili, index_uid):
    renamed = indexed.unite_ids["smr_paris"]
    await change(session, Unite, renamed, "unite", nom="SMR zqxunique")
    await drain(sessions, meili, index_uid)
    # when a compaction dies between the base push and the clear
    async with sessions() as s:
        with pytest.raises(RuntimeError, match="interrupted after the base push"):
            await compact(s, client, index_uid, fail_after_base=True)
    # then the base already has the new version, but searches still read it from the recent index, once
    assert await ids(client, sessions, index_uid, text="zqxunique") == [renamed]
    page = await search(client, sessions, index_uid)
    assert page.total == len(PUBLIC) and len({h["id"] for h in page.hits}) == len(PUBLIC)
    # when the next compaction runs, then everything is in the base and the layer is empty
    async with sessions() as s:
        assert await compact(s, client, index_uid) == 1
        assert not await load_shadow(s)
    assert not await documents(client, recent_uid(index_uid))
    assert await ids(client, sessions, index_uid, text="zqxunique") == [renamed]
    assert (await search(client, sessions, index_uid)).total == len(PUBLIC)


async def test_documents_left_in_the_recent_index_by_a_crash_are_ignored_then_dropped(
        indexed, session, sessions, client, meili, index_uid):
    # given a crash after the shadow set was cleared and before the recent index was: a stale copy stays there
    renamed = indexed.unite_ids["heb_angers"]
    await change(session, Unite, renamed, "unite", nom="Hébergement zqxunique")
    await drain(sessions, meili, index_uid)
    async with sessions() as s:
        await compact(s, client, index_uid)
    stale = {**await client.index(index_uid).get_document(str(renamed)), "nom": "Hébergement ancien"}
    await client.index(recent_uid(index_uid)).add_documents([stale])
    await asyncio.sleep(0.3)
    # and another offer written since (the shadow set is not empty: searches read both indexes)
    other = indexed.unite_ids["ssiad"]
    await change(session, Unite, other, "unite", nom="SSIAD qzwunique")
    await drain(sessions, meili, index_uid)
    # then the stale copy is never read (not shadowed): no duplicate, exact total
    assert await ids(client, sessions, index_uid, text="ancien") == []
    page = await search(client, sessions, index_uid)
    assert page.total == len(PUBLIC) and len({h["id"] for h in page.hits}) == len(PUBLIC)
    # and the next compaction deletes it
    async with sessions() as s:
        await compact(s, client, index_uid)
    assert not await documents(client, recent_uid(index_uid))


async def test_reindex_empties_the_layer_and_keeps_writes_made_during_it(indexed, session, sessions, client,
                                                                         meili, index_uid):
    # given a write already in the recent layer
    first, second = indexed.unite_ids["heb_cholet"], indexed.unite_ids["cmp_enfants"]
    await change(session, Unite, first, "unite", nom="Hébergement zqxpremier")
    await drain(sessions, meili, index_uid)
    # when a reindex runs and another write is made and drained while it runs
    during: list[asyncio.Task] = []

    async def write_and_drain() -> None:
        async with sessions() as other:
            await change(other, Unite, second, "unite", nom="CMP zqxsecond")
        await drain(sessions, meili, index_uid)

    def progress(phase: str, done: int, total: int) -> None:
        if phase == "read" and not during:
            during.append(asyncio.get_running_loop().create_task(write_and_drain()))

    count = await reindex(sessions, meili_url=meili.url, meili_key=meili.master_key, index_uid=index_uid,
                          progress=progress, batch_size=2)
    await during[0]
    # then both writes are searchable, once each, with an exact total
    assert count == len(PUBLIC)
    assert await ids(client, sessions, index_uid, text="zqxpremier") == [first]
    assert await ids(client, sessions, index_uid, text="zqxsecond") == [second]
    page = await search(client, sessions, index_uid)
    assert page.total == len(PUBLIC) and len({h["id"] for h in page.hits}) == len(PUBLIC)
    # and the write drained during the rebuild was compacted at its end: shadow set and recent index empty,
    # both writes in the rebuilt base
    assert during[0].done()
    async with sessions() as s:
        assert not await load_shadow(s)
    assert not await documents(client, recent_uid(index_uid))
    assert {first, second} <= await documents(client, index_uid)


async def test_an_old_shadow_set_is_compacted_by_an_idle_drain(indexed, session, sessions, client, meili, index_uid):
    # given a write in the recent layer
    unite_id = indexed.unite_ids["ssiad"]
    await change(session, Unite, unite_id, "unite", nom="SSIAD zqxunique")
    await drain(sessions, meili, index_uid)
    # when drains with nothing to do run before and after the layer's maximum age
    layer = RecentLayer(max_ids=100, max_age=timedelta(minutes=10))
    assert (await drain_search(sessions, meili_url=meili.url, meili_key=meili.master_key, index_uid=index_uid,
                               recent=layer, now=utcnow() + timedelta(minutes=9))).compacted == 0
    late = await drain_search(sessions, meili_url=meili.url, meili_key=meili.master_key, index_uid=index_uid,
                              recent=layer, now=utcnow() + timedelta(minutes=11))
    # then only the second one compacts
    assert (late.events, late.compacted) == (0, 1)
    assert not await documents(client, recent_uid(index_uid))
    assert await ids(client, sessions, index_uid, text="zqxunique") == [unite_id]


async def test_ready_checks_the_recent_index_settings_too(indexed, app_state, client, index_uid):
    # given a base index with current settings and no recent index yet (no worker started)
    problem = await search_check(app_state)
    assert not problem["ok"] and recent_uid(index_uid) in problem["error"]
    # when the recent index is created with Meilisearch's defaults, then it is still not ready
    await client.create_index(recent_uid(index_uid), primary_key="id")  # waits for the creation
    problem = await search_check(app_state)
    assert not problem["ok"] and "index settings not current" in problem["error"]
    # when the worker's start-up applies the settings, then search is ready
    await ensure_index(client, recent_uid(index_uid))
    assert await search_check(app_state) == {"ok": True, "index": index_uid, "recentIndex": recent_uid(index_uid)}


async def test_a_deleted_eg_removes_its_offers_from_both_indexes(indexed, session, sessions, client, meili,
                                                                 index_uid):
    # given the SSIAD offer renamed (its document now in the recent index), then its EG deleted with its rows
    unite_id, eg_id = indexed.unite_ids["ssiad"], indexed.eg_ids["ssiad_trelaze"]
    await change(session, Unite, unite_id, "unite", nom="SSIAD zqxunique")
    await drain(sessions, meili, index_uid)
    assert unite_id in await documents(client, recent_uid(index_uid))
    await delete_eg(session, eg_id, unite_id)
    # when drained, then its documents are found by EG in both indexes: gone from the recent one, hidden in the base
    report = await drain(sessions, meili, index_uid)
    assert report.deleted == 1
    assert unite_id not in await documents(client, recent_uid(index_uid))
    page = await search(client, sessions, index_uid)
    assert unite_id not in {h["id"] for h in page.hits} and page.total == len(PUBLIC) - 1
    async with sessions() as s:
        assert (await load_shadow(s)).removed == {unite_id}


async def test_a_worker_reads_the_shadow_set_once_per_short_while_and_again_after_its_own_drain(
        indexed, session, sessions, app_state, monkeypatch):
    # given the app's shadow set as read by a first search: empty (kept a minute here, 0.1 s by default)
    monkeypatch.setattr(search_resolvers, "SHADOW_TTL_SECONDS", 60.0)
    assert app_state.settings.search_recent_index
    assert not await shadow_set(app_state)
    # when another process's consumer records an id in it
    unite_id, other = indexed.unite_ids["heb_cholet"], indexed.unite_ids["cmp_enfants"]
    async with sessions() as s:
        await record_shadow(s, live=[unite_id], removed=[], now=utcnow())
        await s.commit()
    # then searches within the delay still use the set they read (no database read per search)
    assert not await shadow_set(app_state)
    # and once this process's own consumer has drained (or the delay has passed), the new set is read
    forget_shadow(app_state)
    assert (await shadow_set(app_state)).live == {unite_id}
    async with sessions() as s:
        await record_shadow(s, live=[other], removed=[], now=utcnow())
        await s.commit()
    monkeypatch.setattr(search_resolvers, "SHADOW_TTL_SECONDS", 0.0)
    assert (await shadow_set(app_state)).live == {unite_id, other}
