"""Support edits an offer's lists: coded lists, contacts, horaires, lieux and zone d'intervention.

Same path as the API: the form builds a ``UniteUpdate`` (the GraphQL input's typed model) holding
only the lists the person changed, and ``services.unite.write.update_unite`` checks, merges
(contacts above the person's level are kept), audits and emits the events, refusing a version
that is no longer the current one. Coded lists are multiple choices of their nomenclature;
contacts, horaires and lieux are edited as the API's JSON input (each list prefilled with what is
stored); the zone is a list of commune codes with an autocomplete on commune names.
"""

from __future__ import annotations

import json
from datetime import date, time
from typing import Any

from sqladmin import Flash, action, expose
from sqlmodel import col, or_, select
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from ror_graph.admin.auth import require_user
from ror_graph.admin.errors import french_error
from ror_graph.admin.unite_closure import code_options
from ror_graph.models import Commune, Unite, registry
from ror_graph.services.accounts.principal import Principal
from ror_graph.services.core.errors import BadInputError, DomainError
from ror_graph.services.core.write import parse
from ror_graph.services.unite.attributes import current_lists
from ror_graph.services.unite.inputs import ATTRIBUTE_SYSTEMS, CODED_LISTS, UniteUpdate

JSON_LISTS = {"contacts": "Contacts et télécoms", "horaires": "Horaires", "lieux": "Lieux (capacités, équipements)"}
ZONE = "zone_intervention"
_REGISTRY_LABELS = {attribute.key: attribute.label for attribute in registry.ATTRIBUTES}
LIST_LABELS = {**{key: _REGISTRY_LABELS.get(key, key) for key in CODED_LISTS}, **JSON_LISTS,
               ZONE: "Zone d'intervention"}
AUTOCOMPLETE_LIMIT = 20


def _plain(value: Any) -> Any:
    """Stored lists in the API input's JSON shape (times ``HH:MM:SS``, dates ``AAAA-MM-JJ``)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, time | date):
        return value.isoformat()
    if hasattr(value, "as_dict"):  # a stored contact
        return {"id": value.id, **_contact_input(value.as_dict())}
    return value


def _contact_input(contact: dict[str, Any]) -> dict[str, Any]:
    """A stored contact (``nature``, telecoms with ``canal``) renamed to ``ContactInput``'s fields."""
    telecoms = [{"canal_code": t["canal"], "valeur": t["valeur"], "confidentialite": t["confidentialite"],
                 "utilisation": t["utilisation"]} for t in contact["telecoms"]]
    return {"nature_code": contact["nature"], "nom": contact["nom"], "fonction": contact["fonction"],
            "description": contact["description"], "confidentialite": contact["confidentialite"],
            "telecoms": telecoms}


def _posted(form: Any, key: str) -> Any:
    """The value of one list as posted, in the API input's shape; French ``BadInputError`` when unreadable."""
    if key in CODED_LISTS:
        return sorted({str(v) for v in form.getlist(key) if str(v).strip()})
    text = str(form.get(key) or "").strip()
    if key == ZONE:
        return sorted({part.strip().upper() for part in text.replace(",", " ").split() if part.strip()})
    try:
        value = json.loads(text or "[]")
    except json.JSONDecodeError as exc:
        raise BadInputError(f"{LIST_LABELS[key]} : JSON illisible (ligne {exc.lineno}, colonne {exc.colno}) ; "
                            "gardez la forme préremplie : une liste [ … ] d'objets { … }.", field=key) from None
    if not isinstance(value, list):
        raise BadInputError(f"{LIST_LABELS[key]} : une liste [ … ] est attendue.", field=key)
    return value


class UniteListsMixin:
    """Adds "Modifier les listes" to the units view (mix in before ``RorModelView``)."""

    @action("listes", label="Modifier les listes", add_in_list=False, add_in_detail=True)
    async def lists_action(self, request: Request) -> Response:
        pks = self.selected_pks(request)  # type: ignore[attr-defined]
        return RedirectResponse(request.url_for("admin:view-unite-lists_form", pk=pks[0] if pks else "0"),
                                status_code=302)

    @expose("/communes", methods=["GET"])
    async def communes_lookup(self, request: Request) -> Response:
        """Commune autocomplete of the zone field: ``[{code, label}]`` for a name or code fragment."""
        term = (request.query_params.get("q") or "").strip()
        if len(term) < 2:
            return JSONResponse([])
        async with self.ror_state.sessions() as session:  # type: ignore[attr-defined]
            rows = (await session.exec(select(Commune).where(or_(
                col(Commune.nom).ilike(term.replace("%", "") + "%"), col(Commune.code) == term.upper()))
                .order_by(col(Commune.population).desc()).limit(AUTOCOMPLETE_LIMIT))).all()
        return JSONResponse([{"code": c.code, "label": f"{c.nom} ({c.departement_code}) — {c.code}"} for c in rows])

    @expose("/listes/{pk}", methods=["GET", "POST"])
    async def lists_form(self, request: Request) -> Response:
        pk = request.path_params["pk"]
        async with self.ror_state.sessions() as session:  # type: ignore[attr-defined]
            unite = await session.get(Unite, int(pk)) if pk.isdigit() else None
            if unite is None or unite.identifiant is None:
                return await self._lists_page(request, None, {}, error="Unité introuvable.", status_code=404)
            stored = _plain(await current_lists(session, unite, set(LIST_LABELS)))
        if request.method == "GET":
            return await self._lists_page(request, unite, stored)
        form = await request.form()
        try:
            posted = {key: _posted(form, key) for key in LIST_LABELS}
            changes = {key: value for key, value in posted.items() if value != stored.get(key)}
            version = str(form.get("version") or "")
            from ror_graph.services.unite.write import update_unite

            async with self.ror_state.sessions() as session:  # type: ignore[attr-defined]
                await update_unite(session, Principal.back_office_user(require_user(request)),
                                   identifiant=unite.identifiant, version=int(version) if version.isdigit() else None,
                                   data=parse(UniteUpdate, changes))
        except DomainError as exc:
            values = {k: form.getlist(k) if k in CODED_LISTS else form.get(k) for k in LIST_LABELS}
            return await self._lists_page(request, unite, stored, error=french_error(exc, LIST_LABELS),
                                          posted=values, status_code=400)
        Flash.success(request, f"Listes enregistrées ({len(changes)} modifiée(s))." if changes
                      else "Aucune liste modifiée.")
        return RedirectResponse(request.url_for("admin:details", identity="unite", pk=pk), status_code=303)

    async def _lists_page(self, request: Request, unite: Unite | None, stored: dict[str, Any], *,
                          error: str | None = None, posted: dict[str, Any] | None = None,
                          status_code: int = 200) -> Response:
        options = await code_options(self.ror_state.sessions, list(ATTRIBUTE_SYSTEMS.values()))  # type: ignore[attr-defined]
        coded = [(key, LIST_LABELS[key], options[ATTRIBUTE_SYSTEMS[key]],
                  set(posted[key]) if posted else set(stored.get(key, []))) for key in CODED_LISTS]
        texts = {key: (posted or {}).get(key) or json.dumps(stored.get(key, []), ensure_ascii=False, indent=2)
                 for key in JSON_LISTS}
        zone = (posted or {}).get(ZONE) or " ".join(stored.get(ZONE, []))
        return await self.page(request, "ror_admin/unite_lists.html", {  # type: ignore[attr-defined]
            "unite": unite, "error": error, "coded": coded, "json_lists": JSON_LISTS, "texts": texts, "zone": zone,
            "heading": f"Listes de l'unité {unite.identifiant} — {unite.nom}" if unite else "Unité introuvable",
        }, status_code=status_code)
