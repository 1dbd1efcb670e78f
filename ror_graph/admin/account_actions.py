"""Admin-only actions on accounts (deactivate / reactivate / unlock), login counters (unlock) and API
clients (revoke), with a motif.

They call ``services.accounts.accounts.set_account_active`` and ``services.accounts.auth.revoke_api_client``, which
check the admin role again, audit the change and commit. Each selected row is its own transaction,
so one refusal (e.g. an admin selecting their own account) does not block the others.
The views carrying these mixins are ``admin_only``: SQLAdmin refuses every route of them to support.
"""

from __future__ import annotations

from typing import Any

from sqladmin import action, expose
from starlette.requests import Request
from starlette.responses import Response

from ror_graph.admin.selection import SelectionForm
from ror_graph.models import Account, ApiClient

UNLOCK_INTRO = ("Les échecs de connexion comptés sont effacés et le verrouillage temporaire levé tout de suite "
                "(vérifiez d'abord que la personne est bien à l'origine des tentatives).")


class AccountActionsMixin(SelectionForm):
    """Deactivate (open sessions revoked at once), reactivate and unlock (login throttle) accounts."""

    @action("debloquer", label="Débloquer la connexion", add_in_list=True, add_in_detail=True)
    async def unlock_action(self, request: Request) -> Response:
        return self._to_form(request, "unlock_form")

    @expose("/debloquer", methods=["GET", "POST"])
    async def unlock_form(self, request: Request) -> Response:
        from ror_graph.services.accounts.throttle import unlock

        async def apply(session: Any, *, actor: Any, row_id: int, motif: str | None) -> bool:
            return await unlock(session, actor=actor, account_id=row_id, motif=motif)

        return await self._selection_form(
            request, endpoint="unlock_form", heading="Débloquer la connexion de comptes", intro=UNLOCK_INTRO,
            submit="Débloquer", done="{n} compte(s) débloqué(s).", describe=lambda a: f"{a.email} ({a.role})",
            apply=apply, motif_required=False)

    @action("desactiver", label="Désactiver le compte", add_in_list=True, add_in_detail=True)
    async def deactivate_action(self, request: Request) -> Response:
        return self._to_form(request, "deactivate_form")

    @action("reactiver", label="Réactiver le compte", add_in_list=True, add_in_detail=True)
    async def reactivate_action(self, request: Request) -> Response:
        return self._to_form(request, "reactivate_form")

    @expose("/desactiver", methods=["GET", "POST"])
    async def deactivate_form(self, request: Request) -> Response:
        return await self._activation(request, active=False)

    @expose("/reactiver", methods=["GET", "POST"])
    async def reactivate_form(self, request: Request) -> Response:
        return await self._activation(request, active=True)

    async def _activation(self, request: Request, *, active: bool) -> Response:
        from ror_graph.services.accounts.accounts import set_account_active

        async def apply(session: Any, *, actor: Any, row_id: int, motif: str | None) -> Account:
            return await set_account_active(session, actor=actor, account_id=row_id, active=active, motif=motif)

        return await self._selection_form(
            request, endpoint="reactivate_form" if active else "deactivate_form",
            heading="Réactiver des comptes" if active else "Désactiver des comptes",
            intro="Les comptes réactivés peuvent de nouveau se connecter." if active else
                  "Les comptes désactivés ne peuvent plus se connecter ; leurs sessions ouvertes (jetons de "
                  "l'API compris) sont révoquées immédiatement.",
            submit="Réactiver" if active else "Désactiver",
            done="{n} compte(s) réactivé(s)." if active else "{n} compte(s) désactivé(s).",
            describe=lambda a: f"{a.email} ({a.role})", apply=apply, motif_required=not active,
        )


class ApiClientActionsMixin(SelectionForm):
    """Revoke API clients: their token gets 401 from now on (a new client gets a new token)."""

    @action("revoquer", label="Révoquer le jeton", add_in_list=True, add_in_detail=True)
    async def revoke_action(self, request: Request) -> Response:
        return self._to_form(request, "revoke_form")

    @expose("/revoquer", methods=["GET", "POST"])
    async def revoke_form(self, request: Request) -> Response:
        from ror_graph.services.accounts.auth import revoke_api_client

        async def apply(session: Any, *, actor: Any, row_id: int, motif: str | None) -> ApiClient:
            return await revoke_api_client(session, actor=actor, client_id=row_id, motif=motif)

        return await self._selection_form(
            request, endpoint="revoke_form", heading="Révoquer des clients API",
            intro="Le jeton révoqué est refusé immédiatement (401) ; la révocation est définitive.",
            submit="Révoquer", done="{n} client(s) API révoqué(s).",
            describe=lambda c: f"{c.name} ({c.profile})", apply=apply, motif_required=True,
        )


class LoginThrottleActionsMixin(SelectionForm):
    """Unlock login counters (an e-mail or a client address) before their lock ends."""

    @action("debloquer", label="Débloquer", add_in_list=True, add_in_detail=True)
    async def unlock_action(self, request: Request) -> Response:
        return self._to_form(request, "unlock_form")

    @expose("/debloquer", methods=["GET", "POST"])
    async def unlock_form(self, request: Request) -> Response:
        from ror_graph.services.accounts.throttle import unlock

        async def apply(session: Any, *, actor: Any, row_id: int, motif: str | None) -> bool:
            return await unlock(session, actor=actor, throttle_id=row_id, motif=motif)

        return await self._selection_form(
            request, endpoint="unlock_form", heading="Débloquer des connexions", intro=UNLOCK_INTRO,
            submit="Débloquer", done="{n} compteur(s) effacé(s).", describe=lambda t: f"{t.scope} {t.key}",
            apply=apply, motif_required=False)


class SessionActionsMixin(SelectionForm):
    """End login sessions (API bearer tokens and back-office sessions) one by one."""

    @action("revoquer", label="Fermer la session", add_in_list=True, add_in_detail=True)
    async def revoke_action(self, request: Request) -> Response:
        return self._to_form(request, "revoke_form")

    @expose("/revoquer", methods=["GET", "POST"])
    async def revoke_form(self, request: Request) -> Response:
        from ror_graph.services.accounts.sessions import revoke_session_by_id

        async def apply(session: Any, *, actor: Any, row_id: int, motif: str | None) -> None:
            await revoke_session_by_id(session, actor=actor, session_id=row_id, motif=motif)

        return await self._selection_form(
            request, endpoint="revoke_form", heading="Fermer des sessions",
            intro="Le jeton ou le cookie de ces sessions est refusé immédiatement.", submit="Fermer",
            done="{n} session(s) fermée(s).", describe=lambda t: f"session n° {t.id} ({t.kind}, compte {t.account_id})",
            apply=apply, motif_required=True)
