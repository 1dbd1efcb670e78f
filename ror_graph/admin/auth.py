"""Back-office login: accounts of the write path, support and admin roles only.

Sessions are server-side (``services.accounts.sessions``, kind ``admin``): the signed cookie
carries only a random session id (plus the CSRF token, which grants nothing by itself). Each
request re-reads the session and its account, so logout, a password change or a deactivation
ends it at once, as do the idle timeout and the absolute lifetime (``Settings.admin_*``). Every
login opens a new session id. Login attempts are throttled like the API's (``throttle``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqladmin.authentication import AuthenticationBackend
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ror_graph.admin.csrf import CsrfMiddleware
from ror_graph.models import Role, SessionKind
from ror_graph.services.accounts.sessions import issue_session, resolve_admin_session, revoke_session
from ror_graph.services.accounts.throttle import ThrottlePolicy, TooManyAttemptsError
from ror_graph.services.core.changes import Actor

BACK_OFFICE_ROLES = frozenset({Role.support.value, Role.admin.value})
SESSION_MAX_AGE = 10 * 60 * 60  # a working day: log in again the next morning
COOKIE_NAME = "ror_admin_session"
REFUSED_ROLE = "Accès réservé aux équipes support et aux administrateurs : votre compte n'y a pas droit."
BAD_CREDENTIALS = "Adresse e-mail ou mot de passe incorrect."
TOO_MANY = ("Trop de tentatives de connexion pour cette adresse e-mail ou depuis ce poste : "
            "réessayez dans {minutes} minute(s).")
SESSION_KEY = "sid"
_STATE_ATTR = "ror_admin_user"


@dataclass(frozen=True)
class AdminUser:
    """The logged-in back-office account."""

    account_id: int
    email: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin.value

    def actor(self) -> Actor:
        """Audit identity of writes made through the back office."""
        return Actor(name=self.email, role=self.role, source="admin", account_id=self.account_id)


def current_user(request: Request) -> AdminUser | None:
    """The account ``authenticate`` accepted for this request (``None`` before login)."""
    return getattr(request.state, _STATE_ATTR, None)


def require_user(request: Request) -> AdminUser:
    user = current_user(request)
    if user is None:  # pragma: no cover - every admin route runs authenticate first
        raise PermissionError("not logged in")
    return user


class AdminAuth(AuthenticationBackend):
    """Session login against ``services.accounts.accounts.authenticate``; only support and admin get in."""

    def __init__(self, secret_key: str, sessions: async_sessionmaker[AsyncSession], *, https_only: bool,
                 base_path: str = "/admin", settings: Any = None) -> None:
        lifetime_hours = getattr(settings, "admin_session_hours", SESSION_MAX_AGE // 3600)
        super().__init__(
            secret_key,
            session_cookie=COOKIE_NAME,
            max_age=lifetime_hours * 3600,
            path=base_path,
            same_site="strict",
            https_only=https_only,
        )
        # CSRF checks need the session, so they run inside the session middleware.
        self.middlewares.append(Middleware(CsrfMiddleware))
        self.sessions = sessions
        self.lifetime = timedelta(hours=lifetime_hours)
        self.idle = timedelta(minutes=getattr(settings, "admin_idle_minutes", 30))
        self.policy = ThrottlePolicy.of(settings) if settings is not None else ThrottlePolicy()
        self.templates = None  # set by mount_admin once the Admin (and its templates) exist

    async def login(self, request: Request) -> Response | bool:
        from ror_graph.services.accounts.accounts import authenticate

        form = await request.form()
        email = str(form.get("username") or "").strip()
        password = str(form.get("password") or "")
        address = request.client.host if request.client else None
        async with self.sessions() as session:
            try:
                account = await authenticate(session, email, password, address=address, policy=self.policy)
            except TooManyAttemptsError as exc:
                page = await self._login_page(request, TOO_MANY.format(minutes=-(-exc.retry_after // 60)), email,
                                              status_code=429)
                page.headers["Retry-After"] = str(exc.retry_after)
                return page
            if account is None:
                return await self._login_page(request, BAD_CREDENTIALS, email, status_code=400)
            if account.role not in BACK_OFFICE_ROLES:
                return await self._login_page(request, REFUSED_ROLE, email, status_code=403)
            await revoke_session(session, request.session.get(SESSION_KEY))
            assert account.id is not None  # a row read from the database
            token, _ = await issue_session(session, account.id, kind=SessionKind.admin, lifetime=self.lifetime)
        request.session.clear()  # a fresh session id (and CSRF token) for the new identity
        request.session[SESSION_KEY] = token
        return True

    async def logout(self, request: Request) -> Response | bool:
        async with self.sessions() as session:
            await revoke_session(session, request.session.get(SESSION_KEY))
        request.session.clear()
        return RedirectResponse(request.url_for("admin:login"), status_code=302)

    async def authenticate(self, request: Request) -> Response | bool:
        token = request.session.get(SESSION_KEY)
        if not isinstance(token, str):
            return False
        async with self.sessions() as session:
            account = await resolve_admin_session(session, token, idle=self.idle)
        if account is None or account.role not in BACK_OFFICE_ROLES:
            request.session.clear()
            return False
        assert account.id is not None  # a row read from the database
        setattr(request.state, _STATE_ATTR, AdminUser(account.id, account.email, account.role))
        return True

    async def get_user_id(self, request: Request) -> int | None:
        user = current_user(request)
        return user.account_id if user else None

    async def _login_page(self, request: Request, error: str, email: str, *, status_code: int) -> Response:
        assert self.templates is not None, "mount_admin sets the templates"
        return await self.templates.TemplateResponse(
            request, "sqladmin/login.html", {"error": error, "email": email}, status_code=status_code
        )
