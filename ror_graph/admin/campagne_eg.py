"""The EG page shows where the structure stands in its current campaign, the reminders of that campaign
that failed or bounced (« adresse en échec »), and its open anomalies."""

from __future__ import annotations

import builtins
from typing import Any

from markupsafe import Markup
from sqlalchemy import func
from sqlmodel import col, select
from starlette.requests import Request

from ror_graph.models import Anomalie, MailEnvoi
from ror_graph.services.mail.outbox import ECHEC, REBOND

DETAIL_LABELS = {"campagne": "Campagne en cours", "relances_echec": "Relances en échec",
                 "anomalies": "Anomalies ouvertes"}
_STATE = "ror_campagne_info"
_FAILED = "ror_campagne_relances_echec"


def _campagne(model: Any, name: str, request: Request) -> Markup | str:
    found = getattr(request.state, _STATE, (None, 0))[0]
    if found is None:
        return "—"
    from ror_graph.services.campagne.statuts import LIBELLES

    campagne, statut = found
    return Markup('<span id="campagne-statut" data-statut="{}">{} — {}</span>, échéance le {}').format(
        statut, campagne.nom, LIBELLES[statut], campagne.echeance.strftime("%d/%m/%Y"))


def _relances_echec(model: Any, name: str, request: Request) -> Markup | str:
    rows: list[MailEnvoi] = getattr(request.state, _FAILED, [])
    if not rows:
        return "—"
    items = [Markup("<li>{} — {} {} ({})</li>").format(
        row.destinataire, "adresse en échec :" if row.statut == REBOND else "échec d'envoi :",
        row.rebond_code or "", row.rebond_diagnostic or row.erreur or "") for row in rows]
    return Markup('<ul id="relances-echec" class="mb-0">{}</ul>').format(Markup("").join(items))


def _anomalies(model: Any, name: str, request: Request) -> Markup:
    count = getattr(request.state, _STATE, (None, 0))[1]
    return Markup('<a id="anomalies-ouvertes" href="/admin/anomalie/list?eg={}&statut=ouverte">{}</a>').format(
        model.id, count)


DETAIL_FORMATTERS: dict[Any, Any] = {"campagne": _campagne, "relances_echec": _relances_echec,
                                     "anomalies": _anomalies}


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
                failed = [] if found is None else list((await session.exec(select(MailEnvoi).where(
                    col(MailEnvoi.campagne_id) == found[0].id, col(MailEnvoi.etablissement_id) == obj.id,
                    col(MailEnvoi.statut).in_((ECHEC, REBOND))).order_by(col(MailEnvoi.id)))).all())
            setattr(request.state, _STATE, (found, count))
            setattr(request.state, _FAILED, failed)
        return obj
