"""The campaign dashboard page (progress, late structures, SVG charts of indicators over time) and its
XLSX export; the figures come from ``services.campagne.tableau``."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from ror_graph.models import Campagne
from ror_graph.services.campagne.envois import BilanEnvois, bilan_envois
from ror_graph.services.campagne.graphiques import line_chart
from ror_graph.services.campagne.statuts import LIBELLES, STATUTS
from ror_graph.services.campagne.tableau import Tableau, tableau, to_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _load(view: Any, request: Request) -> Tableau | None:
    raw = request.query_params.get("id") or ""
    if not raw.isdigit():
        return None
    async with view.ror_state.sessions() as session:
        campagne = await session.get(Campagne, int(raw))
        return None if campagne is None else await tableau(session, campagne)


async def _envois(view: Any, campagne_id: int) -> BilanEnvois:
    async with view.ror_state.sessions() as session:
        return await bilan_envois(session, campagne_id)


def charts(data: Tableau) -> dict[str, Markup]:
    """The two SVG charts: completeness and validated < 12 months, per territory."""
    complets = {name: [(p.jour, p.part_complets) for p in points] for name, points in data.courbes.items()}
    valides = {name: [(p.jour, p.part_valides) for p in points] for name, points in data.courbes.items()}
    return {"complets": Markup(line_chart("Taux d'enrichissement (descriptions complètes)", complets,
                                          chart_id="chart-complets")),
            "valides": Markup(line_chart("Validées depuis moins de 12 mois", valides,
                                         chart_id="chart-valides"))}


async def render_dashboard(view: Any, request: Request) -> Response:
    data = await _load(view, request)
    if data is None:
        return await view.page(request, "ror_admin/form.html", {
            "heading": "Campagne introuvable", "error": "Cette campagne n'existe pas.", "fields": None,
            "cancel_url": request.url_for("admin:list", identity=view.identity)}, status_code=404)
    return await view.page(request, "ror_admin/campagne.html", {
        "title": f"Tableau de bord — {data.campagne.nom}", "data": data, "statuts": STATUTS, "libelles": LIBELLES,
        "charts": charts(data), "envois": await _envois(view, data.campagne.id or 0),
        "mails_url": request.url_for("admin:list", identity="mail-envoi"),
        "export_url": f"{request.url_for(f'admin:view-{view.identity}-dashboard_xlsx')}?id={data.campagne.id}",
    })


async def export_dashboard(view: Any, request: Request) -> Response:
    data = await _load(view, request)
    if data is None:
        return Response("Campagne introuvable.", status_code=404)
    return Response(to_xlsx(data), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="campagne-{data.campagne.id}.xlsx"'})
