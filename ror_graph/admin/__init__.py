"""SQLAdmin back office mounted at ``/admin`` (filled in by the back-office work)."""

from __future__ import annotations

from starlette.applications import Starlette

from ror_graph.state import AppState


def mount_admin(app: Starlette, state: AppState) -> None:
    return None
