"""HTTP query strings ↔ search parameters and pages (``/api/search`` and its exports).

Strict on purpose: an unknown parameter is an error (a misspelt ``departemnt`` silently ignored
would return the whole country), and so is a number that does not parse.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Protocol

from ror_graph.models import registry
from ror_graph.services.core.errors import BadInputError
from search_index.index_settings import FACET_ATTRIBUTES
from search_index.query import DEFAULT_PER_PAGE, SearchPage, SearchParams

SCALARS = {"q", "age", "servesCommune", "lat", "lon", "nearCommune", "radiusKm", "sort", "facets", "page", "perPage"}
# The GraphQL filter input names its lists in the plural (``departements``, ``champsActivite``…): accepted too.
PLURALS = {
    "departements": "departement", "regions": "region", "communes": "commune",
    # every facet has a filter field (``registry.check``): the guard only narrows ``str | None``
    **{group[0].filter_param: name for name, group in registry.facets().items() if group[0].filter_param},
}
KNOWN = SCALARS | set(FACET_ATTRIBUTES) | set(PLURALS)


class MultiDict(Protocol):
    def __iter__(self): ...
    def getlist(self, key: str) -> list[str]: ...


def _values(query: MultiDict, name: str) -> list[str]:
    """Repeated (``?activite=1&activite=2``) and comma-separated (``?activite=1,2``) values."""
    return [part.strip() for raw in query.getlist(name) for part in raw.split(",") if part.strip()]


def _filter_values(query: MultiDict, name: str) -> list[str]:
    plural = next((p for p, singular in PLURALS.items() if singular == name), None)
    return _values(query, name) + (_values(query, plural) if plural else [])


def _scalar(query: MultiDict, name: str) -> str | None:
    values = query.getlist(name)
    if len(values) > 1:
        raise BadInputError(f"{name} given more than once", field=name)
    return values[0].strip() if values and values[0].strip() else None


def _number(query: MultiDict, name: str, kind: type) -> Any:
    raw = _scalar(query, name)
    if raw is None:
        return None
    try:
        return kind(raw)
    except ValueError:
        raise BadInputError(f"{name} must be a{'n integer' if kind is int else ' number'}, got {raw!r}",
                            field=name) from None


def params_from_query(query: MultiDict, *, export: bool = False) -> SearchParams:
    """``SearchParams`` from a query string; raises ``BadInputError`` naming the parameter."""
    for key in query:
        if key not in KNOWN:
            raise BadInputError(f"unknown parameter {key!r}; known: {', '.join(sorted(KNOWN))}", field=key)
    lat, lon = _number(query, "lat", float), _number(query, "lon", float)
    if (lat is None) != (lon is None):
        raise BadInputError("lat and lon go together", field="lat" if lat is None else "lon")
    page, per_page = _number(query, "page", int), _number(query, "perPage", int)
    return SearchParams(
        text=_scalar(query, "q") or "",
        filters={name: vals for name in FACET_ATTRIBUTES if (vals := _filter_values(query, name))},
        age=_number(query, "age", int),
        serves_commune=_scalar(query, "servesCommune"),
        near=(lat, lon) if lat is not None else None,
        near_commune=_scalar(query, "nearCommune"),
        radius_km=_number(query, "radiusKm", float),
        sort=_scalar(query, "sort"),
        facets=[] if export else _values(query, "facets"),
        page=1 if page is None else page,
        per_page=DEFAULT_PER_PAGE if per_page is None else per_page,
    )


def page_json(page: SearchPage) -> dict[str, Any]:
    return {
        "hits": page.hits,
        "facets": {name: [asdict(v) for v in values] for name, values in page.facets.items()},
        "total": page.total,
        "page": page.page,
        "perPage": page.per_page,
        "totalPages": page.total_pages,
        "processingTimeMs": page.processing_time_ms,
    }
