"""Support's FINESS corrections: one locked field, a new value and a mandatory motif.

FINESS-owned columns are read-only in the normal edit forms. This dedicated form calls the same
service as the GraphQL ``corrigerChampFiness`` mutation (``services.finess.correction.correct_finess_field``):
it audits the change with its motif, enqueues the search update and marks the field as corrected so
the next FINESS import keeps the correction until FINESS itself changes the value.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqladmin import Flash, action, expose
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ror_graph.admin.auth import require_user
from ror_graph.admin.base import FormField
from ror_graph.models import finess_owned_fields
from ror_graph.services.accounts.principal import Principal
from ror_graph.services.core.changes import as_text
from ror_graph.services.core.errors import DomainError
from ror_graph.services.etablissement.inputs import FinessCorrection

MOTIF_REQUIRED = "Le motif de la correction est obligatoire."


class FinessCorrectionMixin:
    """Adds "Corriger un champ FINESS" to an EJ or EG view (mix in before ``RorModelView``)."""

    finess_entity: ClassVar[str]  # entite_juridique | etablissement (the service's entity names)

    def correctable_fields(self) -> list[str]:
        """FINESS-owned columns support may correct (the FINESS number itself is the identity)."""
        return [name for name in finess_owned_fields(self.model) if name != "finess"]  # type: ignore[attr-defined]

    @action("corriger-finess", label="Corriger un champ FINESS", add_in_list=True, add_in_detail=True)
    async def correction_action(self, request: Request) -> Response:
        pks = self.selected_pks(request)  # type: ignore[attr-defined]
        if len(pks) != 1:
            return await self._correction_page(request, None, error="Sélectionnez une seule ligne à corriger.")
        url = request.url_for(f"admin:view-{self.identity}-correction_form", pk=pks[0])  # type: ignore[attr-defined]
        return RedirectResponse(url, status_code=302)

    @expose("/corriger-finess/{pk}", methods=["GET", "POST"])
    async def correction_form(self, request: Request) -> Response:
        obj = await self._load(request.path_params["pk"])
        if obj is None:
            return await self._correction_page(request, None, error="Ligne introuvable.", status_code=404)
        if request.method == "GET":
            return await self._correction_page(request, obj, champ=request.query_params.get("champ"))

        form = await request.form()
        champ = str(form.get("champ") or "")
        valeur = str(form.get("valeur") or "").strip()
        motif = str(form.get("motif") or "").strip()
        values = {"champ": champ, "valeur": valeur, "motif": motif}
        if not motif:
            return await self._correction_page(request, obj, error=MOTIF_REQUIRED, status_code=400, **values)
        if champ not in self.correctable_fields():
            return await self._correction_page(request, obj, error="Choisissez un champ FINESS dans la liste.",
                                               status_code=400, **values)
        from ror_graph.services.finess.correction import correct_finess_field

        principal = Principal.back_office_user(require_user(request))
        try:
            async with self.ror_state.sessions() as session:  # type: ignore[attr-defined]
                changed = await correct_finess_field(
                    session, principal, entity=self.finess_entity, finess=obj.finess,
                    data=FinessCorrection(field=champ, value=valeur or None, motif=motif),
                )
        except DomainError as exc:
            return await self._correction_page(request, obj, error=exc.message, status_code=400, **values)
        label = self._label(champ)
        Flash.success(request, f"{label} corrigé." if changed else f"{label} : valeur inchangée, rien à corriger.")
        details = request.url_for("admin:details", identity=self.identity, pk=str(obj.id))  # type: ignore[attr-defined]
        return RedirectResponse(details, status_code=303)

    async def _load(self, pk: str) -> Any:
        if not pk.isdigit():
            return None
        async with self.ror_state.sessions() as session:  # type: ignore[attr-defined]
            return await session.get(self.model, int(pk))  # type: ignore[attr-defined]

    def _label(self, name: str) -> str:
        return self._column_labels.get(name, name)  # type: ignore[attr-defined]

    async def _correction_page(self, request: Request, obj: Any, *, error: str | None = None, status_code: int = 200,
                               champ: str | None = None, valeur: str = "", motif: str = "") -> Response:
        cancel = request.url_for("admin:list", identity=self.identity)  # type: ignore[attr-defined]
        if obj is None:
            return await self.page(request, "ror_admin/form.html",  # type: ignore[attr-defined]
                                   {"heading": "Corriger un champ FINESS", "error": error, "fields": None,
                                    "cancel_url": cancel}, status_code=status_code)
        options = [(name, f"{self._label(name)} (actuel : {as_text(getattr(obj, name)) or '—'})")
                   for name in self.correctable_fields()]
        fields = [
            FormField("champ", "Champ FINESS", kind="select", value=champ, required=True, options=options),
            FormField("valeur", "Nouvelle valeur", value=valeur,
                      help="Laisser vide pour effacer la valeur. Dates au format AAAA-MM-JJ."),
            FormField("motif", "Motif de la correction", kind="textarea", value=motif, required=True,
                      help="Obligatoire : il est conservé dans l'historique (ticket, courrier de l'ARS…)."),
        ]
        return await self.page(request, "ror_admin/form.html", {  # type: ignore[attr-defined]
            "heading": f"Corriger un champ FINESS — {obj.finess} {obj.raison_sociale}",
            "intro": "La correction est tracée dans l'historique et conservée lors des prochains imports FINESS "
                     "tant que FINESS ne change pas lui-même la valeur.",
            "error": error, "fields": fields, "submit_label": "Corriger",
            "action_url": request.url_for(f"admin:view-{self.identity}-correction_form", pk=str(obj.id)),  # type: ignore[attr-defined]
            "cancel_url": request.url_for("admin:details", identity=self.identity, pk=str(obj.id)),  # type: ignore[attr-defined]
        }, status_code=status_code)
