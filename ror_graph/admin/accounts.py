"""Accounts and API clients (admin role only). Password and token hashes are never shown.

Deactivating accounts and revoking API clients are actions of ``account_actions`` (services with audit).

Creation goes through the services (``services.accounts.accounts.create_account``,
``services.accounts.auth.create_api_client``): they validate, hash and commit. A new API client's token is
shown once, in SQLAdmin's one-time secret modal, and never stored in clear.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqladmin import Secret
from sqlmodel import col
from starlette.requests import Request
from wtforms import DateField, Form, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

from ror_graph.admin.account_actions import (
    AccountActionsMixin,
    ApiClientActionsMixin,
    LoginThrottleActionsMixin,
    SessionActionsMixin,
)
from ror_graph.admin.auth import require_user
from ror_graph.admin.base import RorModelView, fr_datetime
from ror_graph.admin.labels import ACCOUNT_LABELS, API_CLIENT_LABELS
from ror_graph.admin.listing import ChoiceFilter
from ror_graph.models import Account, ApiClient, LoginThrottle, Profile, Role, SessionToken, utcnow
from ror_graph.services.core.errors import BadInputError

ROLE_LABELS = {Role.referent: "Référent", Role.directeur: "Directeur", Role.support: "Support", Role.admin: "Admin"}
PROFILE_LABELS = {Profile.public: "Public (niveau 1)", Profile.professional: "Professionnel (niveau 2)",
                  Profile.regulation: "Régulation (niveau 3 + unités sensibles)"}


SESSION_LABELS = {"account_id": "Compte (id)", "kind": "Type (api / admin)", "created_at": "Ouverte le",
                  "last_used_at": "Dernière utilisation", "expires_at": "Expire le", "revoked_at": "Fermée le"}
THROTTLE_LABELS = {"scope": "Portée", "key": "E-mail ou adresse", "failures": "Tentatives comptées",
                   "window_started_at": "Depuis", "last_attempt_at": "Dernière tentative",
                   "locked_until": "Verrouillé jusqu'au", "locks": "Verrous d'affilée"}


def throttle_text(account: Account, _attr: Any = None) -> str:
    """« 3 échec(s), verrouillé jusqu'au … » for an account's login counter ("—" when clean)."""
    row = account.throttle
    if row is None or not row.failures:
        return "—"
    text = f"{row.failures} échec(s)"
    if row.locked_until is not None and row.locked_until > utcnow():
        text += f", verrouillé jusqu'au {fr_datetime(row.locked_until)}"
        if row.locks > 1:
            text += f" (verrou n° {row.locks})"
    return text


def _role_clause(role: Role) -> Callable[[], Any]:
    """The WHERE clause factory of the role filter's choice ``role``."""
    return lambda: col(Account.role) == role.value


class AccountForm(Form):
    email = StringField("Adresse e-mail", validators=[DataRequired()])
    nom = StringField("Nom", validators=[Optional()])
    role = SelectField("Rôle", choices=[(r.value, label) for r, label in ROLE_LABELS.items()])
    password = PasswordField("Mot de passe (12 caractères au moins, pas l'adresse e-mail)", validators=[DataRequired()])
    scopes = TextAreaField("Périmètre FINESS", validators=[Optional()],
                           description="Référents et directeurs : une structure par ligne, « ej 750000001 » ou "
                                       "« eg 750000002 ». Vide pour support et admin.")


class ApiClientForm(Form):
    name = StringField("Nom du client (portail, outil d'orientation…)", validators=[DataRequired()])
    profile = SelectField("Profil", choices=[(p.value, label) for p, label in PROFILE_LABELS.items()])
    expires_at = DateField("Expire le (vide : durée par défaut, 90 jours sauf réglage)", validators=[Optional()])


def parse_scopes(text: str | None) -> list[tuple[str, str]]:
    """``ej 750000001`` / ``eg 750000002`` lines → ``[(kind, finess)]`` (the service validates them)."""
    scopes = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        parts = line.replace(":", " ").split()
        if not parts:
            continue
        if len(parts) != 2:
            raise BadInputError(f"Périmètre, ligne {number} : attendu « ej <FINESS> » ou « eg <FINESS> ».",
                                field="scopes")
        scopes.append((parts[0].lower(), parts[1].upper()))
    return scopes


class AccountAdmin(AccountActionsMixin, RorModelView, model=Account):
    """People who log in (référents, directeurs, support, admin)."""

    admin_only = True
    name = "Compte"
    name_plural = "Comptes"
    icon = "fa-solid fa-user"
    category = "Administration"
    column_labels = dict([*ACCOUNT_LABELS.items(), ("throttle", "Échecs de connexion")])
    column_list = ["id", "email", "nom", "role", "active", "created_at", "throttle"]
    column_details_list = ["id", "email", "nom", "role", "active", "created_at", "throttle"]
    column_formatters = {"throttle": throttle_text}
    column_formatters_detail = {"throttle": throttle_text}
    column_export_list = ["id", "email", "nom", "role", "active", "created_at"]
    column_searchable_list = ["email", "nom"]
    column_sortable_list = ["email", "created_at"]
    column_filters = [ChoiceFilter("role", "Rôle", {r.value: (label, _role_clause(r))
                                                    for r, label in ROLE_LABELS.items()})]
    can_create = True
    form = AccountForm

    async def insert_model(self, request: Request, data: dict) -> Any:
        from ror_graph.services.accounts.accounts import create_account

        require_user(request)
        async with self.ror_state.sessions() as session:
            return await create_account(session, email=data["email"], password=data["password"], role=data["role"],
                                        nom=data.get("nom") or None, scopes=parse_scopes(data.get("scopes")))


class ApiClientAdmin(ApiClientActionsMixin, RorModelView, model=ApiClient):
    """API clients and their profile (what confidentiality level they see); created here, revoked by action."""

    admin_only = True
    name = "Client API"
    name_plural = "Clients API"
    icon = "fa-solid fa-key"
    category = "Administration"
    column_labels = dict([*API_CLIENT_LABELS.items(), ("last_used_at", "Dernière utilisation")])
    column_list = ["id", "name", "profile", "created_at", "expires_at", "last_used_at", "revoked_at"]
    column_details_list = ["id", "name", "profile", "created_at", "expires_at", "last_used_at", "revoked_at"]
    column_export_list = ["id", "name", "profile", "created_at", "expires_at", "last_used_at", "revoked_at"]
    column_searchable_list = ["name"]
    column_sortable_list = ["name", "created_at"]
    can_create = True
    form = ApiClientForm

    async def insert_model(self, request: Request, data: dict) -> Any:
        from datetime import UTC, datetime, time, timedelta

        from ror_graph.services.accounts.auth import create_api_client

        require_user(request)
        expires = data.get("expires_at")
        expires_at = datetime.combine(expires, time(23, 59, 59), tzinfo=UTC) if expires else None
        days = self.ror_state.settings.api_token_days
        async with self.ror_state.sessions() as session:
            client, token = await create_api_client(session, name=data["name"], profile=data["profile"],
                                                    expires_at=expires_at,
                                                    lifetime=timedelta(days=days) if days else None)
        Secret.reveal_once(request, token, title="Jeton du client API",
                           label="Copiez ce jeton maintenant : il ne sera plus jamais affiché.")
        return client


class LoginThrottleAdmin(LoginThrottleActionsMixin, RorModelView, model=LoginThrottle):
    """Failed-login counters per e-mail and per client address (throttle); admins unlock them."""

    admin_only = True
    name = "Tentative de connexion"
    name_plural = "Tentatives de connexion"
    icon = "fa-solid fa-user-lock"
    category = "Administration"
    column_labels = dict(THROTTLE_LABELS.items())
    column_list = ["id", "scope", "key", "failures", "window_started_at", "last_attempt_at", "locked_until", "locks"]
    column_details_list = column_list
    column_export_list = column_list
    column_searchable_list = ["key"]
    column_sortable_list = ["failures", "last_attempt_at", "locked_until"]
    column_default_sort = ("last_attempt_at", True)


class SessionAdmin(SessionActionsMixin, RorModelView, model=SessionToken):
    """Login sessions: API bearer tokens (``login``) and back-office sessions, with their last use."""

    admin_only = True
    name = "Session"
    name_plural = "Sessions"
    icon = "fa-solid fa-id-badge"
    category = "Administration"
    column_labels = dict(SESSION_LABELS.items())
    column_list = ["id", "account_id", "kind", "created_at", "last_used_at", "expires_at", "revoked_at"]
    column_details_list = column_list
    column_export_list = column_list
    column_sortable_list = ["created_at", "last_used_at", "expires_at"]
    column_default_sort = ("created_at", True)
