"""The EG page shows where the structure stands in its current campaign and its open anomalies."""

from __future__ import annotations

import builtins
from typing import Any

from markupsafe import Markup
from sqlalchemy import func
from sqlmodel import col, select
from starlette.requests import Request

from ror_graph.models import Anomalie

DETAIL_LABELS = {"campagne": "Campagne en cours", "anomalies": "Anomalies ouvertes"}
_STATE = "ror_campagne_info"


def _campagne(model: Any, name: str, request: Request) -> Markup | str:
    found = getattr(request.state, _STATE, (None, 0))[0]
    if found is None:
        return "—"
    from ror_graph.services.campagne.statuts import LIBELLES

    campagne, statut = found
    return Markup('<span id="campagne-statut" data-statut="{}">{} — {}</span>, échéance le {}').format(
        statut, campagne.nom, LIBELLES[statut], campagne.echeance.strftime("%d/%m/%Y"))


def _anomalies(model: Any, name: str, request: Request) -> Markup:
    count = getattr(request.state, _STATE, (None, 0))[1]
    return Markup('<a id="anomalies-ouvertes" href="/admin/anomalie/list?eg={}&statut=ouverte">{}</a>').format(
        model.id, count)


DETAIL_FORMATTERS: dict[Any, Any] = {"campagne": _campagne, "anomalies": _anomalies}


class CampagneInfoMixin:
    """Adds « Campagne en cours » and « Anomalies ouvertes » to the EG details page."""

    ror_state: Any

    def get_details_columns(self) -> builtins.list[str]:
        return [*super().get_details_columns(), *DETAIL_LABELS]  # type: ignore[misc]

    async def get_object_for_details(self, request: Request) -> Any:
        from ror_graph.services.campagne.statuts import campagne_de

        obj = await super().get_object_for_details(request)  # type: ignore[misc]
        if obj is not None:
            async with self.ror_state.sessions() as session:
                found = await campagne_de(session, obj)
                count = (await session.exec(select(func.count()).select_from(Anomalie).where(
                    col(Anomalie.etablissement_id) == obj.id, col(Anomalie.statut) == "ouverte"))).one()
            setattr(request.state, _STATE, (found, count))
        return obj
