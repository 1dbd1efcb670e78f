"""Public search endpoints (``/api/search``...) and the outbox worker (filled in by the search work)."""

from __future__ import annotations

from ror_graph.state import AppState


def routes(state: AppState) -> list:
    return []


def lifespan_hooks() -> list:
    return []
