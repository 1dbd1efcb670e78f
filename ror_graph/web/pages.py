"""The landing page: what this service is and where to go (search, GraphiQL, back office, API)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ror_graph import __version__
from ror_graph.web.templating import render


async def accueil(request: Request) -> Response:
    return render(request, "accueil.html", {"version": __version__})
