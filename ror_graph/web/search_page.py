"""``/recherche``: the public search page, its live results fragment and the box's suggestions.

The whole search lives in the URL (the same parameter names as ``/api/search``, plus ``autour``: a
commune typed as « Angers (49) » or a COG code), so a search is shareable and the back button
works; the page is complete without JavaScript (a GET form), and the script only swaps the results
fragment (``/recherche/resultats``) as people type. The page is lenient where people are: a radius
or a distance sort without a point is dropped with a notice instead of refused.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ror_graph.models import registry
from ror_graph.resolvers.search import SearchUnavailableError, run_search, search_reference
from ror_graph.services.core.errors import BadInputError
from ror_graph.state import AppState
from ror_graph.web.suggest import resolve_commune, suggest
from ror_graph.web.templating import render
from search_index.params import params_from_query
from search_index.query import DEFAULT_PER_PAGE, SearchPage
from search_index.reference import SearchReference

PER_PAGE, MAX_RESULTS = DEFAULT_PER_PAGE, 200  # 15 a page, as the API; 200 at most, as ROR-IF shows
MAX_PAGE = math.ceil(MAX_RESULTS / PER_PAGE)
PAGE_FACETS = ("categorie", "accessibilite", "champActivite", "public", "modePriseEnCharge", "temporalite", "activite",
               "departement")
# the registry's labels, where the page words a filter for the public rather than for the data
FACET_LABELS = {**{name: group[0].label for name, group in registry.facets().items()},
                "categorie": "Catégorie d'établissement", "public": "Public pris en charge", "activite": "Activité",
                "departement": "Département"}
RADII = (5, 10, 20, 50, 100)
PAGE_ONLY = {"autour", "vue"}


def _clean_pairs(request: Request) -> list[tuple[str, str]]:
    """The non-empty parameters of the page's URL (an empty select sends ``name=``)."""
    return [(k, v) for k, v in request.query_params.multi_items() if v.strip()]


def _api_query(pairs: list[tuple[str, str]], ref: SearchReference, notices: list[str]) -> ImmutableMultiDict:
    """The ``/api/search`` parameters of the page's parameters (``autour`` resolved, page capped)."""
    values = dict(pairs)
    api = [(k, v) for k, v in pairs if k not in PAGE_ONLY | {"page", "perPage", "facets", "radiusKm", "sort"}]
    point = bool(values.get("nearCommune") or values.get("lat"))
    if values.get("autour") and not point:
        code = resolve_commune(ref, values["autour"])
        if code is None:
            notices.append(f"Commune « {values['autour']} » inconnue : la recherche n'est pas centrée.")
        else:
            api.append(("nearCommune", code))
            point = True
    if values.get("radiusKm") and point:
        api.append(("radiusKm", values["radiusKm"]))
    sort = values.get("sort")
    if sort == "distance" and not point:
        notices.append("Le tri par distance demande une commune « autour de » ou votre position.")
    elif sort:
        api.append(("sort", sort))
    try:
        page = min(max(int(values.get("page", "1")), 1), MAX_PAGE)
    except ValueError:
        page = 1
    api += [("page", str(page)), ("perPage", str(PER_PAGE)), ("facets", ",".join(PAGE_FACETS))]
    return ImmutableMultiDict(api)


def _facet_groups(page: SearchPage | None, pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Each facet with its values and counts; values already chosen stay listed (checked) even at 0."""
    chosen: dict[str, list[str]] = {}
    for key, value in pairs:
        chosen.setdefault(key, []).extend(v.strip() for v in value.split(",") if v.strip())
    groups = []
    for name in PAGE_FACETS:
        values = [{"code": v.code, "label": v.label, "count": v.count, "checked": v.code in chosen.get(name, [])}
                  for v in (page.facets.get(name, []) if page else [])]
        seen = {v["code"] for v in values}
        values += [{"code": c, "label": c, "count": 0, "checked": True} for c in chosen.get(name, []) if c not in seen]
        groups.append({"name": name, "label": FACET_LABELS[name], "values": values,
                       "open": any(v["checked"] for v in values)})
    return groups


def _hit_view(hit: dict[str, Any], ref: SearchReference) -> dict[str, Any]:
    zone = [ref.communes[c] for c in hit.get("zoneCommunes") or () if c in ref.communes]
    return {**hit, "zone": [{"code": c.code, "nom": c.nom, "lat": c.latitude, "lng": c.longitude} for c in zone]}


def _url(pairs: list[tuple[str, str]], **changes: str) -> str:
    kept = [(k, v) for k, v in pairs if k not in changes]
    return "/recherche?" + urlencode(kept + [(k, v) for k, v in changes.items() if v])


async def _search_context(request: Request) -> tuple[dict[str, Any], int]:
    state: AppState = request.app.state.ror
    pairs = _clean_pairs(request)
    notices: list[str] = []
    page: SearchPage | None = None
    error, status = None, 200
    ref = await search_reference(state)
    try:
        page = await run_search(state, params_from_query(_api_query(pairs, ref, notices)))
    except BadInputError as exc:
        error, status = f"Recherche impossible : {exc.message}", 400
    except SearchUnavailableError:
        error, status = "La recherche est momentanément indisponible. Réessayez dans un instant.", 503
    hits = [_hit_view(h, ref) for h in page.hits] if page else []
    total_pages = min(page.total_pages, MAX_PAGE) if page else 0
    export_pairs = [(k, v) for k, v in _api_query(pairs, ref, []).multi_items()
                    if k not in {"page", "perPage", "facets"}] if status != 503 else []
    values = dict(pairs)
    return {
        "pairs": pairs, "values": values, "hits": hits, "page": page, "total_pages": total_pages,
        "shown_total": min(page.total, MAX_RESULTS) if page else 0, "facets": _facet_groups(page, pairs),
        "notices": notices, "error": error, "radii": RADII, "per_page": PER_PAGE,
        "page_url": lambda n: _url(pairs, page=str(n)),
        "export_query": urlencode(export_pairs),
        "tile_url": state.settings.map_tile_url, "tile_attribution": state.settings.map_tile_attribution,
    }, status


async def recherche(request: Request) -> Response:
    context, status = await _search_context(request)
    return render(request, "recherche.html", context, status)


async def resultats(request: Request) -> Response:
    """The results fragment (filters with counts, list, pages) the script swaps in as people type."""
    context, status = await _search_context(request)
    return render(request, "_resultats.html", context, status)


async def suggestions(request: Request) -> Response:
    """Communes, catégories and activités whose names start like the typed words."""
    text = request.query_params.get("q", "")[:100]
    ref = await search_reference(request.app.state.ror)
    return JSONResponse({"suggestions": suggest(ref, text)})
