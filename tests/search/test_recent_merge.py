"""A search over base + recent index (shadow set not empty) answers exactly as one freshly built index would.

Given 150 offers in a base index, a shadow set that updates some (new name, position, département),
removes some and adds new ones through the recent index, and a "truth" index built from scratch with the
final documents (in id order, as ``reindex`` adds them): every page of every query must hold the same ids
in the same order, with the same totals and facet counts; exports too.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator

import pytest

from search_index.indexer import ensure_index, wait_tasks
from search_index.query import SearchParams, export_offres, search_offres
from search_index.recent import recent_uid
from search_index.shadow import Shadow

COUNT = 150
NAMES = ["Hébergement permanent", "Hébergement temporaire", "Soins infirmiers à domicile", "Accueil de jour",
         "CMP infanto-juvénile", "Hébergement permanent Alzheimer"]
DEPARTEMENTS = [("49", "Maine-et-Loire"), ("44", "Loire-Atlantique"), ("72", "Sarthe")]


def document(template: dict, unite_id: int, rng: random.Random, *, name: str | None = None) -> dict:
    dep_code, dep_name = DEPARTEMENTS[rng.randrange(len(DEPARTEMENTS))]
    return {**template, "id": unite_id, "identifiant": f"U{unite_id}", "nom": name or NAMES[unite_id % len(NAMES)],
            "departement": {"code": dep_code, "nom": dep_name},
            "_geo": {"lat": round(47.0 + rng.random(), 6), "lng": round(-1.0 + rng.random(), 6)}}


@pytest.fixture(scope="module")
async def layers(world, meili) -> AsyncIterator[tuple[str, str, Shadow]]:
    """(alias with its recent index, truth index uid, shadow set)."""
    from meilisearch_python_sdk import AsyncClient

    rng = random.Random(12)
    alias, truth = f"m_{uuid.uuid4().hex[:10]}", f"m_{uuid.uuid4().hex[:10]}_truth"
    async with AsyncClient(meili.url, meili.master_key, timeout=30) as client:
        template = (await client.index(world.index_uid).get_documents(limit=1)).results[0]
        base = {i: document(template, i, rng) for i in range(1, COUNT + 1)}
        updated = {i: document(template, i, rng, name="Hébergement renommé") for i in range(3, COUNT, 11)}
        added = {i: document(template, i, rng) for i in range(COUNT + 1, COUNT + 9)}
        removed = set(range(5, COUNT, 17)) - set(updated)
        final = {**{i: d for i, d in base.items() if i not in removed}, **updated, **added}
        for uid, docs in ((alias, base), (recent_uid(alias), {**updated, **added}), (truth, final)):
            index = await ensure_index(client, uid)
            await wait_tasks(client, [await index.add_documents([docs[i] for i in sorted(docs)], primary_key="id")])
        yield alias, truth, Shadow(live=frozenset(updated) | frozenset(added), removed=frozenset(removed))
        for uid in (alias, recent_uid(alias), truth):
            await client.delete_index_if_exists(uid)


QUERIES = [
    dict(),
    dict(text="hebergement"),
    dict(text="hebergement permanent"),
    dict(text="hebergemnt renome"),
    dict(near=(47.5, -0.5)),
    dict(text="hebergement", near=(47.5, -0.5)),
    dict(text="soins", near=(47.3, -0.6), radius_km=40),
    dict(filters={"departement": ["49", "72"]}, near=(47.5, -0.5), sort="relevance"),
]


@pytest.mark.parametrize("query", QUERIES, ids=[str(q) for q in QUERIES])
async def test_every_page_matches_a_freshly_built_index(client, layers, query):
    alias, truth, shadow = layers
    for page_number in range(1, 5):
        params = SearchParams(**query, facets=["departement"], page=page_number, per_page=17)
        # when the same page is asked of the two layers and of the truth
        merged = await search_offres(client, alias, params, shadow=shadow)
        single = await search_offres(client, truth, params)
        # then same ids in the same order, same totals and facet counts, same distances
        assert [h["id"] for h in merged.hits] == [h["id"] for h in single.hits], page_number
        assert [h["distanceKm"] for h in merged.hits] == [h["distanceKm"] for h in single.hits]
        assert [h["nom"] for h in merged.hits] == [h["nom"] for h in single.hits]
        assert (merged.total, merged.total_pages, merged.page, merged.per_page) == \
            (single.total, single.total_pages, single.page, single.per_page)
        assert merged.facets == single.facets


@pytest.mark.parametrize("query", [QUERIES[0], QUERIES[5]], ids=["all", "text near"])
async def test_exports_match_a_freshly_built_index(client, layers, query):
    alias, truth, shadow = layers
    merged = [h["id"] async for h in export_offres(client, alias, SearchParams(**query), shadow=shadow)]
    single = [h["id"] async for h in export_offres(client, truth, SearchParams(**query))]
    assert merged == single and len(merged) == len(set(merged))


async def test_removed_and_old_versions_never_show(client, layers):
    alias, _, shadow = layers
    updated = set(range(3, COUNT, 11))
    page = await search_offres(client, alias, SearchParams(per_page=50, text="hebergement renomme"), shadow=shadow)
    found = [h["id"] for h in page.hits]
    # the renamed offers come first, each once and with its new name only
    assert set(found[:len(updated)]) == updated and len(found) == len(set(found))
    assert all(h["nom"] == "Hébergement renommé" for h in page.hits if h["id"] in updated)
    everything = [h["id"] async for h in export_offres(client, alias, SearchParams(), shadow=shadow)]
    assert not set(everything) & shadow.removed and len(everything) == len(set(everything))
