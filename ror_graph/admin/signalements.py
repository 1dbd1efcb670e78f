"""The signalement queue: reports of wrong or missing information sent from the public fiches.

Support reads them (newest first, open ones by default through the « État » filter), follows the
link to the fiche, fixes the data where it belongs, then closes them (« Clore », audited).
"""

from __future__ import annotations

from sqladmin import Flash, action, expose
from sqlmodel import col
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ror_graph.admin.auth import require_user
from ror_graph.admin.base import FormField, RorModelView
from ror_graph.admin.listing import ChoiceFilter
from ror_graph.models import Signalement
from ror_graph.services.signalement.queue import close_signalements

LABELS = {"id": "N°", "created_at": "Reçu le", "finess": "FINESS", "unite": "Offre", "message": "Signalement",
          "email": "E-mail de l'auteur", "statut": "État", "closed_at": "Clos le", "closed_by": "Clos par"}


class SignalementAdmin(RorModelView, model=Signalement):
    """Reports from the public site, to read and close."""

    name = "Signalement"
    name_plural = "Signalements"
    icon = "fa-solid fa-flag"
    category = "Suivi"
    column_labels = dict(LABELS.items())
    column_list = ["id", "created_at", "statut", "finess", "unite", "message", "email"]
    column_details_list = ["id", "created_at", "statut", "finess", "unite", "message", "email", "closed_at",
                           "closed_by"]
    column_searchable_list = ["finess"]
    column_sortable_list = ["created_at", "finess", "statut"]
    column_default_sort = [("created_at", True)]
    column_filters = [ChoiceFilter("etat", "État", {
        "ouvert": ("Ouverts", lambda: col(Signalement.statut) == "ouvert"),
        "clos": ("Clos", lambda: col(Signalement.statut) == "clos"),
    })]

    @action("clore", label="Clore", add_in_list=True, add_in_detail=True)
    async def close_action(self, request: Request) -> Response:
        url = request.url_for(f"admin:view-{self.identity}-close_form")
        return RedirectResponse(url.include_query_params(pks=",".join(self.selected_pks(request))), status_code=302)

    @expose("/clore", methods=["GET", "POST"])
    async def close_form(self, request: Request) -> Response:
        form = await request.form() if request.method == "POST" else None
        raw = str(form.get("pks") or "") if form is not None else request.query_params.get("pks") or ""
        ids = [int(pk) for pk in raw.split(",") if pk.strip().isdigit()]
        cancel = request.url_for("admin:list", identity=self.identity)
        if form is None or not ids:
            return await self.page(request, "ror_admin/form.html", {
                "heading": "Clore des signalements",
                "intro": f"{len(ids)} signalement(s) seront clos (traités ou sans suite).",
                "error": None if ids else "Sélectionnez au moins un signalement.",
                "fields": [FormField("pks", "", kind="hidden", value=raw)] if ids else None,
                "submit_label": "Clore", "cancel_url": cancel,
                "action_url": request.url_for(f"admin:view-{self.identity}-close_form"),
            }, status_code=200 if ids else 400)
        async with self.ror_state.sessions() as session:
            count = await close_signalements(session, ids, require_user(request).actor())
        Flash.success(request, f"{count} signalement(s) clos.")
        return RedirectResponse(cancel, status_code=303)
