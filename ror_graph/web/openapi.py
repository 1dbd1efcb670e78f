"""``/api/openapi.json``: the OpenAPI 3.1 description of ``/api/search`` and its exports.

Built from the same declarations as the endpoint (the registry's facets and their plural spellings,
``search_index.params``, the limits of ``search_index.query``), so it cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from ror_graph import __version__
from search_index.index_settings import FACET_ATTRIBUTES
from search_index.params import PLURALS
from search_index.query import DEFAULT_PER_PAGE, MAX_PER_PAGE, MAX_RADIUS_KM, MAX_TEXT_LENGTH, MAX_VALUES_PER_FILTER

SCALARS: list[tuple[str, dict[str, Any], str]] = [
    ("q", {"type": "string", "maxLength": MAX_TEXT_LENGTH}, "Free text, typo-tolerant (« ehpd angrs »)."),
    ("age", {"type": "integer", "minimum": 0, "maximum": 150}, "Offers whose age range contains this age."),
    ("servesCommune", {"type": "string", "pattern": "^(?:\\d{2}|2[AB])\\d{3}$"},
     "Offers whose zone d'intervention holds this COG commune (mobile and home-care offers)."),
    ("lat", {"type": "number", "minimum": -90, "maximum": 90}, "Latitude of the point (with lon)."),
    ("lon", {"type": "number", "minimum": -180, "maximum": 180}, "Longitude of the point (with lat)."),
    ("nearCommune", {"type": "string"}, "COG commune whose centre is the point (instead of lat/lon)."),
    ("radiusKm", {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_RADIUS_KM},
     "Only offers within this distance of the point."),
    ("sort", {"type": "string", "enum": ["relevance", "distance"]},
     "relevance (default without a point) or distance (default with one)."),
    ("facets", {"type": "string"}, f"Comma-separated facets to count: {', '.join(FACET_ATTRIBUTES)}."),
    ("page", {"type": "integer", "minimum": 1, "default": 1}, "Page number."),
    ("perPage", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
     "Hits per page."),
]
ERROR = {"type": "object", "properties": {"error": {"type": "object", "properties": {
    "code": {"type": "string", "enum": ["BAD_INPUT", "SEARCH_UNAVAILABLE"]},
    "field": {"type": ["string", "null"]}, "message": {"type": "string"}}}}}


def _parameters(export: bool) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [{"name": n, "in": "query", "schema": s, "description": d} for n, s, d in SCALARS
              if not (export and n in {"facets", "page", "perPage"})]
    plural = {singular: p for p, singular in PLURALS.items()}
    for name in FACET_ATTRIBUTES:
        params.append({"name": name, "in": "query", "style": "form", "explode": True,
                       "schema": {"type": "array", "items": {"type": "string"}, "maxItems": MAX_VALUES_PER_FILTER},
                       "description": f"Filter on {name} codes (repeat or comma-separate; OR inside, AND between "
                                      f"filters); also spelt {plural.get(name, name)}."})
    return params


def _operation(summary: str, export: bool, media: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"get": {"summary": summary, "parameters": _parameters(export), "responses": {
        "200": {"description": "OK", "content": {media: {"schema": schema}}},
        "400": {"description": "Bad parameter (unknown name, bad value, unknown code): nothing searched.",
                "content": {"application/json": {"schema": ERROR}}},
        "503": {"description": "Search unavailable (Meilisearch down); retry later.",
                "content": {"application/json": {"schema": ERROR}}}}}}


def document() -> dict[str, Any]:
    page = {"type": "object", "properties": {
        "hits": {"type": "array", "items": {"type": "object"}, "description": "Public offers (level-1 data)."},
        "facets": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "object"}}},
        "total": {"type": "integer"}, "page": {"type": "integer"}, "perPage": {"type": "integer"},
        "totalPages": {"type": "integer"}, "processingTimeMs": {"type": "integer"}}}
    binary = {"type": "string", "format": "binary"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "ROR — recherche d'offres", "version": __version__,
                 "description": "Public, typo-tolerant, faceted and geographic search over the public profile "
                                "of the ROR offers (no confidential data). CORS for the configured origins."},
        "paths": {
            "/api/search": _operation("Search offers (JSON page with facet counts)", False, "application/json", page),
            "/api/search.csv": _operation("Export every hit of the search as CSV", True, "text/csv", binary),
            "/api/search.xlsx": _operation(
                "Export every hit of the search as XLSX", True,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", binary),
        },
    }


async def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(document(), headers={"Access-Control-Allow-Origin": "*"})
