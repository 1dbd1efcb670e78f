"""Dashboard: completeness and freshness by département, event-log backlog, FINESS import history.

Indicators come from the write path (``services.suivi.validation_flow.indicateurs``), so the figures
support sees are the ones the API reports.
"""

from __future__ import annotations

from sqladmin import BaseView, expose
from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ror_graph.admin.auth import current_user
from ror_graph.models import Departement, Etablissement, ImportRun
from ror_graph.services.events.consumers import events_summary
from ror_graph.state import AppState

IMPORT_HISTORY = 10


class DashboardView(BaseView):
    """Tableau de bord of the back office (also the admin's home page)."""

    name = "Tableau de bord"
    icon = "fa-solid fa-chart-line"
    ror_state: AppState  # set on the per-app subclass by ``mount_admin``

    def is_accessible(self, request: Request) -> bool:
        return current_user(request) is not None

    def is_visible(self, request: Request) -> bool:
        return self.is_accessible(request)

    @expose("/tableau-de-bord", methods=["GET"], identity="tableau-de-bord")
    async def dashboard(self, request: Request) -> Response:
        from ror_graph.services.suivi.validation_flow import indicateurs

        region = request.query_params.get("region") or None
        async with self.ror_state.sessions() as session:
            national = await indicateurs(session, region=region)
            codes_stmt = select(Etablissement.departement_code).distinct().where(
                col(Etablissement.departement_code).is_not(None))
            if region:
                codes_stmt = codes_stmt.where(Etablissement.region_code == region)
            codes = sorted(c for c in await session.exec(codes_stmt) if c)
            names = dict((await session.exec(select(Departement.code, Departement.nom))).all())
            rows = [(code, names.get(code, ""), await indicateurs(session, departement=code)) for code in codes]
            queue = await events_summary(session)
            runs = list(await session.exec(select(ImportRun).order_by(col(ImportRun.started_at).desc())
                                           .limit(IMPORT_HISTORY)))
        return await self.templates.TemplateResponse(request, "ror_admin/dashboard.html", {
            "title": "Tableau de bord", "national": national, "rows": rows, "queue": queue, "runs": runs,
            "region": region,
        })


async def redirect_home(request: Request) -> Response:
    """The admin index opens the dashboard."""
    return RedirectResponse(request.url_for("admin:view-tableau-de-bord"), status_code=302)
