"""« Mon compte » (change one's own password) and the one-time reset page ``/admin/reset/{token}``.

Both call ``services.accounts.credentials``: the policy (12 characters, not the e-mail) and the
end of every session of the account are the API's. The reset page is reached before login (the
link's token is the credential), so it is a plain route of the admin app: it still runs inside the
session and CSRF middlewares, and its answers are never cached nor leak the token in a Referer.
"""

from __future__ import annotations

from typing import Any

from sqladmin import BaseView, expose
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ror_graph.admin.auth import current_user, require_user
from ror_graph.admin.errors import french_error
from ror_graph.services.accounts.throttle import ThrottlePolicy, TooManyAttemptsError
from ror_graph.services.core.errors import DomainError
from ror_graph.state import AppState

PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
MISMATCH = "La confirmation ne correspond pas au nouveau mot de passe. Rien n'a été enregistré."
CHANGED = "Mot de passe changé. Toutes vos sessions ont été fermées : reconnectez-vous avec le nouveau mot de passe."
RESET_DONE = "Mot de passe enregistré. Vous pouvez vous connecter."
TOO_MANY = "Trop de tentatives : réessayez dans {minutes} minute(s). Rien n'a été enregistré."


async def _form(request: Request) -> tuple[str, str, str]:
    form = await request.form()
    return tuple(str(form.get(name) or "") for name in ("ancien", "nouveau", "confirmation"))  # type: ignore[return-value]


class MyAccountView(BaseView):
    """The logged-in person changes their own password (support and admin alike)."""

    name = "Mon compte"
    icon = "fa-solid fa-user-gear"
    ror_state: AppState  # set on the per-app subclass by ``mount_admin``

    def is_accessible(self, request: Request) -> bool:
        return current_user(request) is not None

    def is_visible(self, request: Request) -> bool:
        return self.is_accessible(request)

    @expose("/mon-compte", methods=["GET", "POST"], identity="mon-compte")
    async def my_account(self, request: Request) -> Response:
        from ror_graph.services.accounts.credentials import change_password

        user = require_user(request)
        context: dict[str, Any] = {"title": "Mon compte", "heading": f"Mon compte — {user.email}", "logged_in": True,
                                   "show_form": True, "ask_current": True,
                                   "action_url": request.url_for("admin:view-mon-compte"),
                                   "intro": "Changer de mot de passe ferme toutes vos sessions (back office et API)."}
        if request.method == "GET":
            return await self._render(request, context)
        ancien, nouveau, confirmation = await _form(request)
        if nouveau != confirmation:
            return await self._render(request, {**context, "error": MISMATCH}, 400)
        try:
            async with self.ror_state.sessions() as session:
                await change_password(session, account_id=user.account_id, ancien=ancien, nouveau=nouveau,
                                      address=request.client.host if request.client else None,
                                      policy=ThrottlePolicy.of(self.ror_state.settings), source="admin")
        except TooManyAttemptsError as exc:
            return await self._render(request, {**context, "error": TOO_MANY.format(
                minutes=-(-exc.retry_after // 60))}, 429)
        except DomainError as exc:
            return await self._render(request, {**context, "error": french_error(exc)}, 400)
        request.session.clear()
        return await self._render(request, {**context, "logged_in": False, "show_form": False, "message": CHANGED,
                                            "login_url": request.url_for("admin:login")})

    async def _render(self, request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
        response = await self.templates.TemplateResponse(request, "ror_admin/password.html", context,
                                                         status_code=status_code)
        response.headers.update(PRIVATE_HEADERS)
        return response


def reset_route(templates: Any, state: AppState) -> Route:
    """``/reset/{token}``: the form behind a one-time link printed by ``ror-graph reset-password``."""
    from ror_graph.services.accounts.credentials import reset_password, reset_target

    async def reset(request: Request) -> Response:
        token = request.path_params["token"]
        context: dict[str, Any] = {"title": "Nouveau mot de passe", "heading": "Choisir un nouveau mot de passe",
                                   "logged_in": False, "show_form": True, "ask_current": False,
                                   "action_url": request.url_for("admin:reset", token=token)}

        async def render(extra: dict[str, Any], status_code: int = 200) -> Response:
            response = await templates.TemplateResponse(request, "ror_admin/password.html", {**context, **extra},
                                                        status_code=status_code)
            response.headers.update(PRIVATE_HEADERS)
            return response

        try:
            async with state.sessions() as session:
                account = await reset_target(session, token)
                if request.method == "GET":
                    return await render({"intro": f"Compte {account.email}."})
                _, nouveau, confirmation = await _form(request)
                if nouveau != confirmation:
                    return await render({"error": MISMATCH}, 400)
                await reset_password(session, token=token, nouveau=nouveau)
        except DomainError as exc:
            invalid = exc.field == "token"
            return await render({"error": french_error(exc), "show_form": not invalid}, 400)
        request.session.clear()
        return await render({"show_form": False, "message": RESET_DONE, "login_url": request.url_for("admin:login")})

    return Route("/reset/{token}", reset, methods=["GET", "POST"], name="reset")
