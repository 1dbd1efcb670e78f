"""Fixtures of the hardening tests: the real app over in-process HTTP, with chosen settings.

``directory`` (the read-API fixture rows: CHU Estuaire, its EHPAD and offers…) is shared with
``tests/graphql``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from ror_graph.app import create_app
from ror_graph.settings import Settings
from tests.graphql.conftest import directory  # noqa: F401  (fixture re-exported)

GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.fixture
def app_client(database_url: str) -> Callable[..., Any]:
    """``async with app_client(**settings) as http``: the real app (lifespan run), no Meilisearch."""

    @contextlib.asynccontextmanager
    async def open_client(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(Settings(database_url=database_url, meili_managed=False, **overrides))
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
        ):
            yield client

    return open_client


@pytest.fixture
async def http(app_client) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client() as client:
        yield client
