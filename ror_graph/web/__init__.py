"""The public site: landing page, search page, fiches, signalements, GraphiQL and API description.

Server-rendered French pages (Jinja2) over the same services as the API: search pages run the
``/api/search`` query (public index), fiches read the directory through the visibility policy's
public profile. Every asset is shipped in ``static/`` (Leaflet, GraphiQL, React copied from npm with
their licences), so the site works with no outside network; map tiles are the only outside resource
and come from ``Settings.map_tile_url`` (empty = no tiles, the markers still show).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ror_graph.resolvers.search import search_reference
from ror_graph.state import AppState
from ror_graph.tasks import background
from ror_graph.web import fiche, openapi, pages, search_page
from ror_graph.web.suggest import warm_index
from ror_graph.web.templating import STATIC_DIR, graphiql_html

log = logging.getLogger(__name__)


def routes(state: AppState) -> list:
    """Routes of the public site (mounted by the composition root)."""
    return [
        Route("/", pages.accueil, name="accueil"),
        Route("/recherche", search_page.recherche, name="recherche"),
        Route("/recherche/resultats", search_page.resultats, name="resultats"),
        Route("/recherche/suggestions", search_page.suggestions, name="suggestions"),
        Route("/etablissement/{finess}", fiche.fiche, name="fiche"),
        Route("/etablissement/{finess}/signaler", fiche.signaler, methods=["POST"], name="signaler"),
        Route("/api/openapi.json", openapi.openapi_json, name="openapi"),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]


async def _warm(state: AppState) -> None:
    try:
        await asyncio.to_thread(warm_index, await search_reference(state))
    except Exception as exc:  # the first search will build them instead
        log.warning("public site warm-up failed: %r", exc)


@contextlib.asynccontextmanager
async def warm_up(state: AppState) -> AsyncIterator[None]:
    """Read the reference snapshot and build the suggestion index at start-up, not on the first keystroke."""
    async with background(_warm(state), "public-site-warm-up"):
        yield


def lifespan_hooks() -> list:
    return [warm_up]


__all__ = ["graphiql_html", "lifespan_hooks", "routes"]
