"""CSRF protection for the back office: a per-session token checked on every unsafe request.

SQLAdmin renders its own forms (login, create, edit) and has no CSRF protection of its own, so this
pure ASGI middleware sits *inside* the session middleware: it makes sure the session holds a random
token, and refuses any POST/PUT/PATCH/DELETE whose ``csrf_token`` form field (or ``X-CSRF-Token``
header) does not match it. Templates read the token with ``csrf_token(request)``; the base template
adds it to every form and to jQuery's AJAX headers.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_KEY = "csrf_token"
FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_BODY = 2 * 1024 * 1024  # admin forms are small; a bigger body is refused before parsing

REFUSED_PAGE = """<!doctype html><html lang="fr"><meta charset="utf-8"><title>Requête refusée</title>
<body><h1>Requête refusée</h1><p>Jeton de sécurité (CSRF) manquant ou invalide : rechargez la page
et recommencez.</p></body></html>"""


def ensure_token(session: dict[str, Any]) -> str:
    """The session's CSRF token, created on first use."""
    token = session.get(SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        session[SESSION_KEY] = token
    return token


def csrf_token(request: Request) -> str:
    """Token to embed in a form rendered for ``request`` (Jinja global)."""
    return ensure_token(request.session)


class CsrfMiddleware:
    """Refuse unsafe requests without the session's CSRF token (403, nothing reaches the views)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        session = scope.get("session")
        if session is None:  # pragma: no cover - mounted without SessionMiddleware is a wiring bug
            raise RuntimeError("CsrfMiddleware must run inside SessionMiddleware")
        expected = ensure_token(session)
        if scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return

        body = await _read_body(receive)
        if body is None:
            await HTMLResponse("Requête trop volumineuse.", status_code=413)(scope, receive, send)
            return
        replay = _replayer(body)
        given = await _submitted_token(scope, replay(), body)
        if not given or not hmac.compare_digest(given, expected):
            await HTMLResponse(REFUSED_PAGE, status_code=403)(scope, receive, send)
            return
        await self.app(scope, replay(), send)


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body, or ``None`` past ``MAX_BODY``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replayer(body: bytes):
    """Factory of ``receive`` callables that hand ``body`` out again (once per callable)."""

    def make() -> Receive:
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return receive

    return make


async def _submitted_token(scope: Scope, receive: Receive, body: bytes) -> str | None:
    """Token from the ``X-CSRF-Token`` header, else from the form body."""
    headers = dict(scope.get("headers") or [])
    header = headers.get(HEADER.encode())
    if header:
        return header.decode("latin-1")
    content_type = headers.get(b"content-type", b"").decode("latin-1")
    if not body or not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return None
    form = await Request(scope, receive).form()
    try:
        value = form.get(FORM_FIELD)
        return value if isinstance(value, str) else None
    finally:
        await form.close()
