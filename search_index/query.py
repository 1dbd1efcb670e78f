"""Read side of the offers index: validated search parameters → Meilisearch query → a typed page.

Filters use the vocabulary of the GraphQL connections (``departement``, ``activite``…); every value
is checked (shape, and existence when the reference snapshot is given) and quoted before it enters
a Meilisearch filter string, so a caller can never inject filter syntax. Bad input raises
``BadInputError`` naming the field, before Meilisearch is called.
"""

from __future__ import annotations

import math
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

from meilisearch_python_sdk import AsyncClient

from ror_graph.models import registry
from ror_graph.services.core.errors import BadInputError
from ror_graph.services.core.validation import COMMUNE_PATTERN, DEPARTEMENT_PATTERN
from search_index.index_settings import FACET_ATTRIBUTES, MAX_TOTAL_HITS
from search_index.merged import Query, merged_export, merged_search
from search_index.reference import SearchReference
from search_index.shadow import EMPTY, Shadow

DEFAULT_PER_PAGE, MAX_PER_PAGE = 15, 50
MAX_VALUES_PER_FILTER = 50
MAX_TEXT_LENGTH = 300
MAX_RADIUS_KM = 1000.0
EARTH_RADIUS_KM = 6371.0
EXPORT_PAGE = 1000
HIDDEN_FIELDS = ("keywords",)

_COMMUNE = COMMUNE_PATTERN
_PATTERNS = {
    "departement": DEPARTEMENT_PATTERN,  # the COG shape, overseas collectivities (98x) included
    "region": re.compile(r"^\d{2,3}$"),
    "commune": _COMMUNE,
}
_CODE = re.compile(r"^[0-9A-Za-z]{1,10}$")
FACET_SYSTEMS: dict[str, str] = {name: group[0].system for name, group in registry.facets().items()}  # type: ignore[misc]
SORTS = ("relevance", "distance")


@dataclass
class SearchParams:
    """One search: free text, code filters (AND between fields, OR inside a field), geo, facets, page."""

    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    age: int | None = None
    serves_commune: str | None = None
    near: tuple[float, float] | None = None
    near_commune: str | None = None
    radius_km: float | None = None
    sort: str | None = None  # relevance | distance; default: distance when a point is given
    facets: list[str] = field(default_factory=list)
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE


@dataclass
class FacetValue:
    code: str
    label: str
    count: int


@dataclass
class SearchPage:
    """A page of hits (documents + ``distanceKm``), facet counts and exhaustive totals."""

    hits: list[dict[str, Any]]
    facets: dict[str, list[FacetValue]]
    total: int
    page: int
    per_page: int
    total_pages: int
    processing_time_ms: int


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def quote(value: str) -> str:
    """A Meilisearch filter string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _known(ref: SearchReference | None, name: str, code: str) -> bool:
    if ref is None:
        return True
    if name == "departement":
        return code in ref.departements
    if name == "region":
        return code in ref.regions
    if name == "commune":
        return code in ref.communes
    return code in ref.labels.get(FACET_SYSTEMS[name], {})


def _check_commune(code: str, field_name: str, ref: SearchReference | None) -> None:
    if not _COMMUNE.match(code):
        raise BadInputError(f"{code!r} is not a COG commune code (5 characters, e.g. 49007)", field=field_name)
    if ref is not None and code not in ref.communes:
        raise BadInputError(f"unknown commune {code}", field=field_name)


def validate(params: SearchParams, ref: SearchReference | None = None) -> SearchParams:
    """Check every parameter; returns a copy with defaults applied and ``near_commune`` resolved to a point."""
    if len(params.text) > MAX_TEXT_LENGTH:
        raise BadInputError(f"text longer than {MAX_TEXT_LENGTH} characters", field="q")
    for name, values in params.filters.items():
        if name not in FACET_ATTRIBUTES:
            raise BadInputError(f"unknown filter {name!r}; known: {', '.join(FACET_ATTRIBUTES)}", field=name)
        if len(values) > MAX_VALUES_PER_FILTER:
            raise BadInputError(f"at most {MAX_VALUES_PER_FILTER} values", field=name)
        pattern = _PATTERNS.get(name, _CODE)
        for value in values:
            if not pattern.match(value):
                raise BadInputError(f"{value!r} is not a valid {name} code", field=name)
            if not _known(ref, name, value):
                raise BadInputError(f"unknown {name} code {value!r}", field=name)
    if params.age is not None and not 0 <= params.age <= 150:
        raise BadInputError("age must be between 0 and 150", field="age")
    if params.serves_commune is not None:
        _check_commune(params.serves_commune, "servesCommune", ref)
    near = params.near
    if near is not None and params.near_commune is not None:
        raise BadInputError("give either lat/lon or nearCommune, not both", field="nearCommune")
    if near is not None and not (-90 <= near[0] <= 90 and -180 <= near[1] <= 180):
        raise BadInputError("lat must be within [-90, 90] and lon within [-180, 180]", field="lat")
    if params.near_commune is not None:
        _check_commune(params.near_commune, "nearCommune", ref)
        commune = ref.communes.get(params.near_commune) if ref else None
        if commune is None or commune.latitude is None or commune.longitude is None:
            raise BadInputError(f"the position of commune {params.near_commune} is not known", field="nearCommune")
        near = (commune.latitude, commune.longitude)
    if params.radius_km is not None:
        if near is None:
            raise BadInputError("radiusKm needs lat/lon or nearCommune", field="radiusKm")
        if not 0 < params.radius_km <= MAX_RADIUS_KM:
            raise BadInputError(f"radiusKm must be in ]0, {MAX_RADIUS_KM:g}]", field="radiusKm")
    sort = params.sort or ("distance" if near else "relevance")
    if sort not in SORTS:
        raise BadInputError(f"sort must be one of {', '.join(SORTS)}", field="sort")
    if sort == "distance" and near is None:
        raise BadInputError("sort=distance needs lat/lon or nearCommune", field="sort")
    for facet in params.facets:
        if facet not in FACET_ATTRIBUTES:
            raise BadInputError(f"unknown facet {facet!r}; known: {', '.join(FACET_ATTRIBUTES)}", field="facets")
    if params.page < 1:
        raise BadInputError("page starts at 1", field="page")
    if not 1 <= params.per_page <= MAX_PER_PAGE:
        raise BadInputError(f"perPage must be between 1 and {MAX_PER_PAGE}", field="perPage")
    if (params.page - 1) * params.per_page >= MAX_TOTAL_HITS:  # Meilisearch refuses such pages (500 otherwise)
        raise BadInputError(f"page × perPage goes beyond the first {MAX_TOTAL_HITS} results, the most a search "
                            "returns", field="page")
    return replace(params, near=near, sort=sort)


def build_filter(params: SearchParams) -> str | None:
    """The Meilisearch filter expression of validated ``params`` (``None`` when nothing filters)."""
    clauses = []
    for name, values in sorted(params.filters.items()):
        if values:
            clauses.append(f"{FACET_ATTRIBUTES[name]} IN [{', '.join(quote(v) for v in values)}]")
    if params.age is not None:
        clauses.append(f"ageMin <= {params.age} AND ageMax >= {params.age}")
    if params.serves_commune:
        clauses.append(f"zoneCommunes = {quote(params.serves_commune)}")
    if params.near and params.radius_km:
        lat, lon = params.near
        clauses.append(f"_geoRadius({lat!r}, {lon!r}, {round(params.radius_km * 1000)})")
    return " AND ".join(clauses) or None


def _sort(params: SearchParams) -> list[str] | None:
    if params.sort == "distance" and params.near:
        return [f"_geoPoint({params.near[0]!r}, {params.near[1]!r}):asc"]
    return None


def _hit(raw: dict[str, Any], near: tuple[float, float] | None) -> dict[str, Any]:
    hit = {k: v for k, v in raw.items() if k not in HIDDEN_FIELDS}
    distance_m = hit.pop("_geoDistance", None)
    geo = hit.pop("_geo", None)
    hit["position"] = geo
    if distance_m is not None:
        hit["distanceKm"] = round(distance_m / 1000, 3)
    elif near and geo:
        hit["distanceKm"] = round(haversine_km(near[0], near[1], geo["lat"], geo["lng"]), 3)
    else:
        hit["distanceKm"] = None
    return hit


def _facet_label(ref: SearchReference | None, name: str, code: str) -> str:
    if ref is None:
        return code
    if name == "departement":
        return ref.departements.get(code, code)
    if name == "region":
        return ref.regions.get(code, code)
    if name == "commune":
        commune = ref.communes.get(code)
        return commune.nom if commune else code
    return ref.label(FACET_SYSTEMS[name], code) or code


def _facet_values(params: SearchParams, distribution: dict, ref: SearchReference | None) -> dict[str, list[FacetValue]]:
    facets: dict[str, list[FacetValue]] = {}
    for name in params.facets:
        counts = distribution.get(FACET_ATTRIBUTES[name], {})
        facets[name] = [FacetValue(code, _facet_label(ref, name, code), count)
                        for code, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return facets


def _merged_query(params: SearchParams) -> Query:
    return Query(text=params.text or None, filter=build_filter(params), sort=_sort(params),
                 facets=[FACET_ATTRIBUTES[f] for f in params.facets] or None)


async def search_offres(
    client: AsyncClient, index_uid: str, params: SearchParams, *, ref: SearchReference | None = None,
    shadow: Shadow = EMPTY,
) -> SearchPage:
    """Run one validated search. ``ref`` labels facet values and resolves ``near_commune``; a non-empty
    ``shadow`` set merges the recent index in (``search_index.merged``), an empty one queries the base only."""
    params = validate(params, ref)
    if shadow:
        offset = (params.page - 1) * params.per_page
        merged = await merged_search(client, index_uid, shadow, _merged_query(params), offset=offset,
                                     limit=params.per_page)
        return SearchPage(
            hits=[_hit(h, params.near) for h in merged.hits], facets=_facet_values(params, merged.facet_distribution,
                                                                                   ref),
            total=merged.total, page=params.page, per_page=params.per_page,
            total_pages=math.ceil(merged.total / params.per_page), processing_time_ms=merged.processing_time_ms,
        )
    result = await client.index(index_uid).search(
        params.text or None,
        filter=build_filter(params),
        facets=[FACET_ATTRIBUTES[f] for f in params.facets] or None,
        sort=_sort(params),
        page=params.page,
        hits_per_page=params.per_page,
    )
    return SearchPage(
        hits=[_hit(h, params.near) for h in result.hits],
        facets=_facet_values(params, result.facet_distribution or {}, ref),
        total=result.total_hits or 0,
        page=result.page or params.page,
        per_page=result.hits_per_page or params.per_page,
        total_pages=result.total_pages or 0,
        processing_time_ms=result.processing_time_ms,
    )


async def export_offres(
    client: AsyncClient, index_uid: str, params: SearchParams, *, ref: SearchReference | None = None,
    limit: int = MAX_TOTAL_HITS, shadow: Shadow = EMPTY,
) -> AsyncIterator[dict[str, Any]]:
    """Every hit of the query (up to ``limit``, itself capped by the index's maxTotalHits), page by page."""
    params = validate(replace(params, page=1, per_page=1, facets=[]), ref)
    if shadow:
        sent = 0
        async for raw in merged_export(client, index_uid, shadow, _merged_query(params), page_size=EXPORT_PAGE):
            if sent >= limit:
                return
            yield _hit(raw, params.near)
            sent += 1
        return
    index = client.index(index_uid)
    sent, page = 0, 1
    while sent < limit:
        result = await index.search(
            params.text or None, filter=build_filter(params), sort=_sort(params),
            page=page, hits_per_page=EXPORT_PAGE,
        )
        for raw in result.hits[: limit - sent]:
            yield _hit(raw, params.near)
            sent += 1
        if page >= (result.total_pages or 0):
            return
        page += 1
