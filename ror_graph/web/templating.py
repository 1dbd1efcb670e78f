"""Jinja2 environment of the public site, and the static asset URLs (versioned for caching)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from ror_graph import __version__

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))


def static_url(path: str) -> str:
    """``/static/<path>?v=<version>``: a new release is never served from an old cache."""
    return f"/static/{path}?v={__version__}"


templates.env.globals["static_url"] = static_url


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def graphiql_html() -> str:
    """GraphiQL served from the shipped React and GraphiQL bundles (no CDN: works offline)."""
    return templates.env.get_template("graphiql.html").render(static_url=static_url)
