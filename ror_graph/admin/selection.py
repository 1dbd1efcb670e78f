"""A confirmation form over the rows selected in a list: list them, ask a motif, one service call per row.

Every bulk action of the back office (deactivate or unlock accounts, revoke API clients, validate
descriptions for a director) goes through ``SelectionForm``, so the selection limit and the refusal
messages are declared once. Each row is its own transaction: one refusal does not block the others.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqladmin import Flash
from sqlmodel import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ror_graph.admin.auth import require_user
from ror_graph.admin.base import FormField
from ror_graph.admin.errors import french_error
from ror_graph.services.core.errors import DomainError

MAX_SELECTION = 200  # rows one confirmation form takes (one transaction each)
MOTIF_HELP = "Conservé dans l'historique (ticket, demande de la structure…)."


def _ids(raw: str) -> list[int]:
    return sorted({int(pk) for pk in raw.split(",") if pk.strip().isdigit()})


class SelectionForm:
    """A confirmation form over the selected rows: list them, ask a motif, apply one service call per row."""

    def _to_form(self, request: Request, endpoint: str) -> Response:
        """The list's action: go to the confirmation form ``endpoint`` with the selected rows."""
        pks = self.selected_pks(request)  # type: ignore[attr-defined]
        url = request.url_for(f"admin:view-{self.identity}-{endpoint}")  # type: ignore[attr-defined]
        return RedirectResponse(url.include_query_params(pks=",".join(pks)), status_code=302)

    async def _selection_form(self, request: Request, *, endpoint: str, heading: str, submit: str, done: str,
                              describe: Callable[[Any], str], apply: Callable[..., Awaitable[Any]],
                              motif_required: bool, intro: str, motif_help: str = MOTIF_HELP) -> Response:
        form = await request.form() if request.method == "POST" else None
        raw = str(form.get("pks") or "") if form is not None else request.query_params.get("pks") or ""
        ids = _ids(raw)
        url = request.url_for(f"admin:view-{self.identity}-{endpoint}")  # type: ignore[attr-defined]
        context: dict[str, Any] = {"heading": heading, "intro": intro, "submit_label": submit, "action_url": url,
                   "cancel_url": request.url_for("admin:list", identity=self.identity)}  # type: ignore[attr-defined]
        if not ids or len(ids) > MAX_SELECTION:
            error = "Sélectionnez au moins une ligne." if not ids else f"Sélectionnez au plus {MAX_SELECTION} lignes."
            return await self.page(request, "ror_admin/form.html",  # type: ignore[attr-defined]
                                   {**context, "error": error, "fields": None}, status_code=400)
        async with self.ror_state.sessions() as session:  # type: ignore[attr-defined]
            rows = list(await session.exec(select(self.model).where(self.model.id.in_(ids))))  # type: ignore[attr-defined]
        motif = str(form.get("motif") or "").strip() if form is not None else ""

        def render(error: str | None = None, status_code: int = 200) -> Awaitable[Response]:
            fields = [FormField("pks", "", kind="hidden", value=raw),
                      FormField("motif", "Motif" + ("" if motif_required else " (facultatif)"), kind="textarea",
                                value=motif, required=motif_required,
                                help=motif_help)]
            return self.page(request, "ror_admin/form.html", {  # type: ignore[attr-defined]
                **context, "targets": [describe(row) for row in rows], "error": error, "fields": fields,
            }, status_code=status_code)

        if form is None:
            return await render()
        if motif_required and not motif:
            return await render("Le motif est obligatoire.", 400)
        actor = require_user(request).actor()
        refused = []
        for row in rows:
            try:
                async with self.ror_state.sessions() as session:  # type: ignore[attr-defined]
                    await apply(session, actor=actor, row_id=row.id, motif=motif or None)
            except DomainError as exc:
                refused.append(f"{describe(row)} : {french_error(exc)}")
        if refused:
            return await render("Refusé — " + " ; ".join(refused), 400)
        Flash.success(request, done.format(n=len(rows)))
        return RedirectResponse(context["cancel_url"], status_code=303)
