"""SQLAdmin back office mounted at ``/admin``: support and admin staff find, correct and follow data.

``mount_admin`` wires the login (``auth``), CSRF protection (``csrf``), the French templates and the
views. View classes are subclassed per app (SQLAdmin stores its engine and templates on the view
*class*), so several apps in one process — tests, a bench server — never share state.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqladmin import Admin
from sqladmin._menu import CategoryMenu
from sqladmin.authentication import login_required
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from ror_graph.admin import fr
from ror_graph.admin.accounts import AccountAdmin, ApiClientAdmin, LoginThrottleAdmin, SessionAdmin
from ror_graph.admin.auth import AdminAuth
from ror_graph.admin.base import fr_datetime
from ror_graph.admin.campagnes import AdresseEchecAdmin, CampagneAdmin, MailEnvoiAdmin, ScheduledJobAdmin
from ror_graph.admin.csrf import csrf_token
from ror_graph.admin.dashboard import DashboardView, redirect_home
from ror_graph.admin.feed import ApiClientFeedAdmin, WebhookDeliveryAdmin
from ror_graph.admin.my_account import MyAccountView, reset_route
from ror_graph.admin.organisation import EntiteJuridiqueAdmin, EtablissementAdmin
from ror_graph.admin.qualite import AnomalieAdmin, ModeleSaisieAdmin
from ror_graph.admin.reference import CommuneAdmin, NomenclatureAdmin
from ror_graph.admin.tracking import AuditLogAdmin, ConsumerAdmin, EventAdmin, ImportRunAdmin
from ror_graph.admin.unites import UniteAdmin
from ror_graph.settings import DEV_SECRET, SECRET_FILE, Settings, stored_secret
from ror_graph.state import AppState

log = logging.getLogger("ror_graph.admin")
TEMPLATES_DIR = Path(__file__).parent / "templates"
BASE_URL = "/admin"
VIEWS = (
    DashboardView,
    EtablissementAdmin,
    EntiteJuridiqueAdmin,
    UniteAdmin,
    CampagneAdmin,
    AnomalieAdmin,
    ModeleSaisieAdmin,
    MailEnvoiAdmin,
    AdresseEchecAdmin,
    AuditLogAdmin,
    EventAdmin,
    ConsumerAdmin,
    WebhookDeliveryAdmin,
    ScheduledJobAdmin,
    ImportRunAdmin,
    NomenclatureAdmin,
    CommuneAdmin,
    AccountAdmin,
    ApiClientAdmin,
    ApiClientFeedAdmin,
    LoginThrottleAdmin,
    SessionAdmin,
    MyAccountView,
)


class RoleCategoryMenu(CategoryMenu):
    """A menu heading shown only when the person may open one of its entries (no menu that answers 403)."""

    def is_visible(self, request: Request) -> bool:
        return any(child.is_visible(request) for child in self.children)


class RorAdmin(Admin):
    """SQLAdmin whose home page is the dashboard."""

    @login_required
    async def index(self, request: Request) -> Response:
        return await redirect_home(request)


def session_secret(settings: Settings) -> str:
    """Key signing admin sessions; never the published development default outside debug.

    Without ``ROR_GRAPH_SECRET_KEY`` a non-debug server uses the key drawn once and kept in the data
    directory (``secret_key``, mode 0600): every worker and every restart on that directory signs with
    the same key, and nobody can forge a session from the public default. Servers on several machines
    need ``ROR_GRAPH_SECRET_KEY`` (the same value everywhere).
    """
    if settings.secret_key != DEV_SECRET:
        return settings.secret_key
    if settings.debug:
        log.warning("admin sessions are signed with the DEVELOPMENT secret key: debug only, never in production")
        return DEV_SECRET
    key = stored_secret(settings.data_dir)
    log.info("ROR_GRAPH_SECRET_KEY is not set: admin sessions are signed with the key kept in %s",
             settings.data_dir / SECRET_FILE)
    return key


def mount_admin(app: Starlette, state: AppState) -> Admin:
    """Mount the back office on ``app`` at ``/admin``."""
    settings = state.settings
    https_only = settings.secure_cookies and not settings.debug
    auth = AdminAuth(session_secret(settings), state.sessions, https_only=https_only, base_path=BASE_URL,
                     settings=settings)
    admin = RorAdmin(
        app,
        engine=state.engine,
        base_url=BASE_URL,
        title="ROR — back office",
        templates_dir=str(TEMPLATES_DIR),
        authentication_backend=auth,
        debug=settings.debug,
    )
    env = admin.templates.env
    env.globals["csrf_token"] = csrf_token
    env.filters["paris"] = fr_datetime  # every time a page shows is Paris time
    env.install_gettext_callables(fr.gettext, fr.ngettext, newstyle=True)  # type: ignore[attr-defined]
    # TO FIX AFTER MERGE: admin/auth.py declares ``templates`` as None only (annotate it ``Jinja2Templates | None``).
    auth.templates = admin.templates  # type: ignore[assignment]
    for view in VIEWS:
        admin.add_view(type(view.__name__, (view,), {"ror_state": state, "__module__": view.__module__}))
    for item in admin._menu.items:
        if isinstance(item, CategoryMenu):
            item.__class__ = RoleCategoryMenu
    admin.admin.router.routes.insert(0, reset_route(admin.templates, state))  # reached before login
    return admin
