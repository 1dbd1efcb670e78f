"""One search over the base index and the recent index, when the shadow set is not empty.

Both queries go in one non-federated ``/multi-search`` request: the base with ``NOT id IN [shadowed]``,
the recent index with ``id IN [live]``, so the two parts are disjoint. Each asks for the first
``offset + limit`` hits in page mode, which makes ``totalHits`` exact (federation only estimates it)
and returns the facet distribution of its part: totals and facet counts are the sums.

Hits are merged here rather than by Meilisearch's federation, which orders by ranking score only and
so ignores the distance sort. Each hit carries ``_rankingScoreDetails``: the rules in ranking order,
with a score for the relevance rules and a distance for ``_geoPoint``; the merge orders by those
values, then by id, which is how a freshly built index orders equal hits (documents are added by id).
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from meilisearch_python_sdk import AsyncClient
from meilisearch_python_sdk.models.search import SearchParams as MeiliQuery
from meilisearch_python_sdk.models.search import SearchResultsWithUID

from search_index.index_settings import MAX_TOTAL_HITS, MAX_VALUES_PER_FACET, PRIMARY_KEY
from search_index.recent import recent_uid
from search_index.shadow import Shadow

DETAILS = "_rankingScoreDetails"


@dataclass
class Query:
    """What both parts are asked (a validated search's text, filter, sort and facet attributes)."""

    text: str | None
    filter: str | None
    sort: list[str] | None
    facets: list[str] | None = None


@dataclass
class Merged:
    hits: list[dict[str, Any]]
    total: int
    facet_distribution: dict[str, dict[str, int]]
    processing_time_ms: int


def rank_key(hit: dict[str, Any]) -> tuple:
    """Order of a hit among both parts: each ranking rule in order (scores descending, distance ascending),
    then the id."""
    key: list[float] = []
    details = hit.get(DETAILS) or {}
    for name, rule in sorted(details.items(), key=lambda item: item[1].get("order", 0)):
        if name.startswith("_geoPoint"):
            key.append(rule.get("distance", math.inf))  # documents without a position come last
        elif "score" in rule:
            key.append(-rule["score"])
    return (*key, int(hit[PRIMARY_KEY]))


def _ids(ids: frozenset[int]) -> str:
    return ", ".join(map(str, sorted(ids)))


def _queries(alias: str, shadow: Shadow, query: Query, *, page: int, per_page: int) -> list[MeiliQuery]:
    parts = [(alias, f"NOT {PRIMARY_KEY} IN [{_ids(shadow.ids)}]")]
    if shadow.live:
        parts.append((recent_uid(alias), f"{PRIMARY_KEY} IN [{_ids(shadow.live)}]"))
    return [MeiliQuery(index_uid=uid, q=query.text, filter=[c for c in (query.filter, part) if c],
                       facets=query.facets, sort=query.sort, page=page, hits_per_page=per_page,
                       show_ranking_score_details=True) for uid, part in parts]


def _merge(results: list[SearchResultsWithUID]) -> list[tuple[tuple, dict[str, Any]]]:
    """(rank key, hit) of every hit of ``results`` in the merged order, one per id."""
    seen: set[int] = set()
    merged = []
    for key, hit in sorted(((rank_key(h), h) for r in results for h in r.hits), key=lambda kh: kh[0]):
        if int(hit[PRIMARY_KEY]) not in seen:  # disjoint by construction: a safety net
            seen.add(int(hit[PRIMARY_KEY]))
            merged.append((key, {k: v for k, v in hit.items() if k != DETAILS}))
    return merged


def _facets(results: list[SearchResultsWithUID]) -> dict[str, dict[str, int]]:
    summed: dict[str, dict[str, int]] = {}
    for result in results:
        for attribute, counts in (result.facet_distribution or {}).items():
            into = summed.setdefault(attribute, {})
            for code, count in counts.items():
                into[code] = into.get(code, 0) + count
    return {attribute: dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_VALUES_PER_FACET])
            for attribute, counts in summed.items()}


async def _multi(client: AsyncClient, queries: list[MeiliQuery]) -> list[SearchResultsWithUID]:
    results = await client.multi_search(queries)
    assert isinstance(results, list)  # not federated: one result per query
    return results


async def merged_search(client: AsyncClient, alias: str, shadow: Shadow, query: Query, *, offset: int,
                        limit: int) -> Merged:
    """Hits ``offset`` to ``offset + limit`` of the merged order, exact total and summed facet counts."""
    results = await _multi(client, _queries(alias, shadow, query, page=1,
                                            per_page=min(offset + limit, MAX_TOTAL_HITS)))
    return Merged(
        hits=[hit for _, hit in _merge(results)[offset:offset + limit]],
        total=min(sum(r.total_hits or 0 for r in results), MAX_TOTAL_HITS),
        facet_distribution=_facets(results),
        processing_time_ms=max(r.processing_time_ms for r in results),
    )


async def merged_export(client: AsyncClient, alias: str, shadow: Shadow, query: Query, *,
                        page_size: int) -> AsyncIterator[dict[str, Any]]:
    """Every hit of both parts in the merged order (up to maxTotalHits): the recent part is read at once
    (it is small), the base page by page, and each recent hit goes out before the first base hit after it."""
    recent: list[tuple[tuple, dict[str, Any]]] = []
    if shadow.live:
        recent = _merge(await _multi(client, _queries(alias, shadow, query, page=1, per_page=MAX_TOTAL_HITS)[1:]))
    base_query = _queries(alias, shadow, query, page=1, per_page=page_size)[0]
    sent, page, waiting = 0, 1, 0
    while sent < MAX_TOTAL_HITS:
        [base] = await _multi(client, [base_query.model_copy(update={"page": page})])
        for key, hit in _merge([base]):
            while waiting < len(recent) and recent[waiting][0] < key:
                yield recent[waiting][1]
                waiting, sent = waiting + 1, sent + 1
            yield hit
            sent += 1
        if page >= (base.total_pages or 0):
            break
        page += 1
    for _, hit in recent[waiting:]:
        yield hit
