"""Support marks EG descriptions validated on behalf of their director (with a motif).

Used when a director confirmed by phone or mail that the description is up to date (décret
2023-1057 yearly check). Calls ``services.suivi.validation_flow.valider_etablissement`` once per selected
EG, each in its own transaction, so one refused EG does not block the others.
"""

from __future__ import annotations

from sqladmin import Flash, action, expose
from sqlmodel import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ror_graph.admin.auth import require_user
from ror_graph.admin.base import FormField
from ror_graph.models import Etablissement
from ror_graph.services.accounts.principal import Principal
from ror_graph.services.core.errors import DomainError
from ror_graph.services.etablissement.inputs import EtablissementValidation

MAX_SELECTION = 200


class ValidationMixin:
    """Adds "Marquer validé (pour le directeur)" to the EG view."""

    @action("valider", label="Marquer validé (pour le directeur)", add_in_list=True, add_in_detail=True)
    async def validation_action(self, request: Request) -> Response:
        pks = self.selected_pks(request)  # type: ignore[attr-defined]
        url = request.url_for(f"admin:view-{self.identity}-validation_form")  # type: ignore[attr-defined]
        return RedirectResponse(url.include_query_params(pks=",".join(pks)), status_code=302)

    @expose("/valider", methods=["GET", "POST"])
    async def validation_form(self, request: Request) -> Response:
        form = await request.form() if request.method == "POST" else None
        raw = str(form.get("pks") or "") if form is not None else request.query_params.get("pks") or ""
        ids = sorted({int(pk) for pk in raw.split(",") if pk.strip().isdigit()})
        if not ids or len(ids) > MAX_SELECTION:
            return await self._validation_page(request, [], raw, error=(
                "Sélectionnez au moins un établissement." if not ids
                else f"Sélectionnez au plus {MAX_SELECTION} établissements à la fois."), status_code=400)
        async with self.ror_state.sessions() as session:  # type: ignore[attr-defined]
            egs = list(await session.exec(select(Etablissement).where(Etablissement.id.in_(ids))))
        if form is None:
            return await self._validation_page(request, egs, raw)

        motif = str(form.get("motif") or "").strip()
        if not motif:
            return await self._validation_page(request, egs, raw, error="Le motif est obligatoire (qui a confirmé, "
                                               "quand, comment).", status_code=400)
        from ror_graph.services.suivi.validation_flow import valider_etablissement

        principal = Principal.back_office_user(require_user(request))
        refused: list[str] = []
        for eg in egs:
            try:
                async with self.ror_state.sessions() as session:  # type: ignore[attr-defined]
                    await valider_etablissement(session, principal, finess=eg.finess,
                                                data=EtablissementValidation(motif=motif))
            except DomainError as exc:
                refused.append(f"{eg.finess} : {exc.message}")
        if refused:
            return await self._validation_page(request, egs, raw, motif=motif, status_code=400,
                                               error="Non validés — " + " ; ".join(refused))
        Flash.success(request, f"{len(egs)} établissement(s) marqué(s) validé(s).")
        return RedirectResponse(request.url_for("admin:list", identity=self.identity),  # type: ignore[attr-defined]
                                status_code=303)

    async def _validation_page(self, request: Request, egs: list[Etablissement], raw: str, *, error: str | None = None,
                               motif: str = "", status_code: int = 200) -> Response:
        fields = [
            FormField("pks", "", kind="hidden", value=raw),
            FormField("motif", "Motif", kind="textarea", value=motif, required=True,
                      help="Par exemple : « Validation confirmée par le directeur par courriel du 3 mars ». "
                           "Le motif est conservé dans l'historique."),
        ] if egs else None
        return await self.page(request, "ror_admin/form.html", {  # type: ignore[attr-defined]
            "heading": "Marquer la description validée pour le compte du directeur",
            "targets": [f"{eg.finess} — {eg.raison_sociale}" for eg in egs],
            "error": error, "fields": fields, "submit_label": "Valider",
            "action_url": request.url_for(f"admin:view-{self.identity}-validation_form"),  # type: ignore[attr-defined]
            "cancel_url": request.url_for("admin:list", identity=self.identity),  # type: ignore[attr-defined]
        }, status_code=status_code)
