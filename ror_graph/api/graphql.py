"""GraphQL over HTTP at ``/graphql`` (filled in by the read-API work)."""

from __future__ import annotations

from ror_graph.state import AppState


def routes(state: AppState) -> list:
    return []
