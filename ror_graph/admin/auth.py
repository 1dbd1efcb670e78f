"""Back-office login: accounts of the write path, support and admin roles only.

The signed session cookie holds the account id, e-mail and role. Each request re-reads the account
(one primary-key lookup), so deactivating an account or changing its role takes effect at once,
not at the end of the working day.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqladmin.authentication import AuthenticationBackend
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ror_graph.admin.csrf import CsrfMiddleware
from ror_graph.models import Account, Role
from ror_graph.services.core.changes import Actor

BACK_OFFICE_ROLES = frozenset({Role.support.value, Role.admin.value})
SESSION_MAX_AGE = 10 * 60 * 60  # a working day: log in again the next morning
COOKIE_NAME = "ror_admin_session"
REFUSED_ROLE = "Accès réservé aux équipes support et aux administrateurs : votre compte n'y a pas droit."
BAD_CREDENTIALS = "Adresse e-mail ou mot de passe incorrect."
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
                 base_path: str = "/admin") -> None:
        super().__init__(
            secret_key,
            session_cookie=COOKIE_NAME,
            max_age=SESSION_MAX_AGE,
            path=base_path,
            same_site="strict",
            https_only=https_only,
        )
        # CSRF checks need the session, so they run inside the session middleware.
        self.middlewares.append(Middleware(CsrfMiddleware))
        self.sessions = sessions
        self.templates = None  # set by mount_admin once the Admin (and its templates) exist

    async def login(self, request: Request) -> Response | bool:
        from ror_graph.services.accounts.accounts import authenticate

        form = await request.form()
        email = str(form.get("username") or "").strip()
        password = str(form.get("password") or "")
        async with self.sessions() as session:
            account = await authenticate(session, email, password)
        if account is None:
            return await self._login_page(request, BAD_CREDENTIALS, email, status_code=400)
        if account.role not in BACK_OFFICE_ROLES:
            return await self._login_page(request, REFUSED_ROLE, email, status_code=403)
        request.session.clear()  # a fresh session (and CSRF token) for the new identity
        request.session.update({"account_id": account.id, "email": account.email, "role": account.role})
        return True

    async def logout(self, request: Request) -> Response | bool:
        request.session.clear()
        return RedirectResponse(request.url_for("admin:login"), status_code=302)

    async def authenticate(self, request: Request) -> Response | bool:
        account_id = request.session.get("account_id")
        if not isinstance(account_id, int):
            return False
        async with self.sessions() as session:
            account = await session.get(Account, account_id)
        if account is None or not account.active or account.role not in BACK_OFFICE_ROLES:
            request.session.clear()
            return False
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
