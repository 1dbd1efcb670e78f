"""Support marks EG descriptions validated on behalf of their director (with a motif).

Used when a director confirmed by phone or mail that the description is up to date (décret
2023-1057 yearly check). Calls ``services.suivi.validation_flow.valider_etablissement`` once per selected
EG, each in its own transaction, so one refused EG does not block the others.
"""

from __future__ import annotations

from typing import Any

from sqladmin import action, expose
from starlette.requests import Request
from starlette.responses import Response

from ror_graph.admin.auth import require_user
from ror_graph.admin.selection import SelectionForm
from ror_graph.models import Etablissement
from ror_graph.services.accounts.principal import Principal
from ror_graph.services.etablissement.inputs import EtablissementValidation


class ValidationMixin(SelectionForm):
    """Adds "Marquer validé (pour le directeur)" to the EG view."""

    @action("valider", label="Marquer validé (pour le directeur)", add_in_list=True, add_in_detail=True)
    async def validation_action(self, request: Request) -> Response:
        return self._to_form(request, "validation_form")

    @expose("/valider", methods=["GET", "POST"])
    async def validation_form(self, request: Request) -> Response:
        from ror_graph.services.suivi.validation_flow import valider_etablissement

        principal = Principal.back_office_user(require_user(request))

        async def apply(session: Any, *, actor: Any, row_id: int, motif: str | None) -> None:
            eg = await session.get(Etablissement, row_id)
            await valider_etablissement(session, principal, finess=eg.finess,
                                        data=EtablissementValidation(motif=motif))

        return await self._selection_form(
            request, endpoint="validation_form",
            heading="Marquer la description validée pour le compte du directeur",
            intro="La validation annuelle (décret 2023-1057) est enregistrée au nom du directeur qui l'a confirmée.",
            submit="Valider", done="{n} établissement(s) marqué(s) validé(s).",
            describe=lambda eg: f"{eg.finess} — {eg.raison_sociale}", apply=apply, motif_required=True,
            motif_help="Par exemple : « Validation confirmée par le directeur par courriel du 3 mars ». "
                       "Le motif est conservé dans l'historique.")
