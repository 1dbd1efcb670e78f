"""Support closes an offer: date, type (TRE_R286), planned reopening for a provisional closure, motif.

Calls ``services.unite.write.fermer_unite`` (version lock, code check, audit with the motif, search
outbox): nothing is written when the service refuses.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqladmin import Flash, action, expose
from sqlalchemy import select
from sqlmodel import col
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ror_graph.admin.auth import require_user
from ror_graph.admin.base import FormField
from ror_graph.admin.errors import french_error
from ror_graph.models import Nomenclature, Unite
from ror_graph.models.coded import TYPE_FERMETURE
from ror_graph.services.accounts.principal import Principal
from ror_graph.services.core.errors import DomainError
from ror_graph.services.core.write import parse
from ror_graph.services.unite.inputs import UniteClosure

MOTIF_REQUIRED = "Le motif de la fermeture est obligatoire."
CLOSURE_LABELS = {"date": "Date de fermeture", "type": "Type de fermeture",
                  "dateReouverture": "Réouverture prévue", "identifiant": "Offre", "version": "Version"}


async def code_options(sessions: Any, systems: list[str]) -> dict[str, list[tuple[str, str]]]:
    """``system → [(code, "code — libellé")]``; codes no longer writable stay listed, marked obsolete,
    so a unit holding one still shows its value."""
    async with sessions() as session:
        rows = (await session.exec(select(col(Nomenclature.system), col(Nomenclature.code),
                                          col(Nomenclature.label), col(Nomenclature.writable))
                                   .where(col(Nomenclature.system).in_(systems))
                                   .order_by(Nomenclature.system, Nomenclature.code))).all()
    options: dict[str, list[tuple[str, str]]] = {system: [] for system in systems}
    for system, code, label, writable in rows:
        options[system].append((code, f"{code} — {label}" + ("" if writable else " (obsolète)")))
    return options


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


class UniteClosureMixin:
    """Adds "Fermer l'offre" to the units view (mix in before ``RorModelView``)."""

    @action("fermer", label="Fermer l'offre", add_in_list=True, add_in_detail=True)
    async def closure_action(self, request: Request) -> Response:
        pks = self.selected_pks(request)  # type: ignore[attr-defined]
        if len(pks) != 1:
            return await self._closure_page(request, None, error="Sélectionnez une seule offre à fermer.",
                                            status_code=400)
        url = request.url_for(f"admin:view-{self.identity}-closure_form", pk=pks[0])  # type: ignore[attr-defined]
        return RedirectResponse(url, status_code=302)

    @expose("/fermer/{pk}", methods=["GET", "POST"])
    async def closure_form(self, request: Request) -> Response:
        pk = request.path_params["pk"]
        async with self.ror_state.sessions() as session:  # type: ignore[attr-defined]
            unite = await session.get(Unite, int(pk)) if pk.isdigit() else None
        if unite is None:
            return await self._closure_page(request, None, error="Offre introuvable.", status_code=404)
        if request.method == "GET":
            return await self._closure_page(request, unite, values={"version": str(unite.version)})

        form = await request.form()
        values = {name: str(form.get(name) or "").strip()
                  for name in ("version", "date_fermeture", "type_fermeture_code", "date_reouverture_prevue", "motif")}
        closing, reopening = _parse_date(values["date_fermeture"]), _parse_date(values["date_reouverture_prevue"])
        error = None
        if not values["motif"]:
            error = MOTIF_REQUIRED
        elif closing is None:
            error = "Indiquez la date de fermeture (AAAA-MM-JJ)."
        elif values["date_reouverture_prevue"] and reopening is None:
            error = "Date de réouverture illisible (AAAA-MM-JJ)."
        elif not values["version"].isdigit():
            error = "Version manquante : rechargez la page."
        if error:
            return await self._closure_page(request, unite, error=error, values=values, status_code=400)

        from ror_graph.services.unite.write import fermer_unite

        try:
            closure = parse(UniteClosure, {
                "date_fermeture": closing, "type_fermeture_code": values["type_fermeture_code"],
                "date_reouverture_prevue": reopening, "motif": values["motif"]})
            async with self.ror_state.sessions() as session:  # type: ignore[attr-defined]
                unite = await fermer_unite(session, Principal.back_office_user(require_user(request)),
                                           identifiant=unite.identifiant, version=int(values["version"]), data=closure)
        except DomainError as exc:
            return await self._closure_page(request, unite, error=french_error(exc, CLOSURE_LABELS), values=values,
                                            status_code=400)
        Flash.success(request, "Offre fermée." if unite.ferme else "Fermeture provisoire enregistrée.")
        details = request.url_for("admin:details", identity=self.identity, pk=str(unite.id))  # type: ignore[attr-defined]
        return RedirectResponse(details, status_code=303)

    async def _closure_page(self, request: Request, unite: Unite | None, *, error: str | None = None,
                            values: dict[str, str] | None = None, status_code: int = 200) -> Response:
        values = values or {}
        cancel = request.url_for("admin:list", identity=self.identity)  # type: ignore[attr-defined]
        if unite is None:
            return await self.page(request, "ror_admin/form.html",  # type: ignore[attr-defined]
                                   {"heading": "Fermer l'offre", "error": error, "fields": None,
                                    "cancel_url": cancel}, status_code=status_code)
        options = (await code_options(self.ror_state.sessions, [TYPE_FERMETURE]))[TYPE_FERMETURE]  # type: ignore[attr-defined]
        fields = [
            FormField("version", "", kind="hidden", value=values.get("version")),
            FormField("date_fermeture", "Date de fermeture", kind="date", value=values.get("date_fermeture"),
                      required=True),
            FormField("type_fermeture_code", "Type de fermeture", kind="select", required=True, options=options,
                      value=values.get("type_fermeture_code")),
            FormField("date_reouverture_prevue", "Réouverture prévue (fermeture provisoire seulement)", kind="date",
                      value=values.get("date_reouverture_prevue"),
                      help="Une fermeture « Provisoire » (PRO) laisse l'offre ouverte jusqu'à cette date."),
            FormField("motif", "Motif", kind="textarea", value=values.get("motif"), required=True,
                      help="Obligatoire : il est conservé dans l'historique (courrier, ticket…)."),
        ]
        return await self.page(request, "ror_admin/form.html", {  # type: ignore[attr-defined]
            "heading": f"Fermer l'offre {unite.identifiant} — {unite.nom}",
            "intro": "Une offre fermée disparaît de la recherche et ne peut plus être modifiée.",
            "error": error, "fields": fields, "submit_label": "Fermer l'offre",
            "action_url": request.url_for(f"admin:view-{self.identity}-closure_form", pk=str(unite.id)),  # type: ignore[attr-defined]
            "cancel_url": request.url_for("admin:details", identity=self.identity, pk=str(unite.id)),  # type: ignore[attr-defined]
        }, status_code=status_code)
