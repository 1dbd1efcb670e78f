"""Search fixtures: ONE real Meilisearch per test session, a fresh index (uuid) per test.

Meilisearch is never mocked: ``meili`` (root conftest) starts the real binary on a free loopback port. Each test
gets its own index uid, so tests never see each other's documents; indexes are deleted afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from meilisearch_python_sdk import AsyncClient
from starlette.applications import Starlette

from ror_graph.api.search import routes
from ror_graph.db import make_engine, session_factory
from ror_graph.resolvers.search import close_clients
from ror_graph.settings import Settings
from ror_graph.state import AppState
from search_index.indexer import reindex
from search_index.reference import SearchReference, load_search_reference
from search_index.server import ManagedMeili
from tests.live import fresh_database_url
from tests.search.dataset import Dataset, insert_dataset

CORS_ORIGIN = "https://annuaire.example"


@pytest.fixture
async def client(meili: ManagedMeili) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(meili.url, meili.master_key, timeout=10) as meili_client:
        yield meili_client


async def _drop_indexes(meili: ManagedMeili, uid: str) -> None:
    if meili.process is None:  # a test stopped it and failed before restarting
        meili.start()
    async with AsyncClient(meili.url, meili.master_key) as meili_client:
        for index in await meili_client.get_indexes() or []:
            if index.uid == uid or index.uid.startswith(f"{uid}_"):
                await meili_client.delete_index_if_exists(index.uid)


@pytest.fixture
async def index_uid(meili: ManagedMeili) -> AsyncIterator[str]:
    uid = f"t_{uuid.uuid4().hex[:12]}"
    yield uid
    await _drop_indexes(meili, uid)


@pytest.fixture
def sessions(engine):
    return session_factory(engine)


@pytest.fixture
async def dataset(session) -> Dataset:
    return await insert_dataset(session)


@pytest.fixture
async def indexed(dataset: Dataset, sessions, meili: ManagedMeili, index_uid: str) -> Dataset:
    """The dataset in the database AND in a fresh index built by the real reindex."""
    await reindex(sessions, meili_url=meili.url, meili_key=meili.master_key, index_uid=index_uid)
    return dataset


def make_state(url: str, engine, meili: ManagedMeili, index_uid: str) -> AppState:
    settings = Settings(database_url=url, meili_url=meili.url, meili_key=meili.master_key,
                        meili_index=index_uid, meili_managed=False, cors_origins=[CORS_ORIGIN])
    return AppState(settings=settings, engine=engine, sessions=session_factory(engine), meili_url=meili.url,
                    meili_key=meili.master_key)


@pytest.fixture
def app_state(database_url, engine, meili: ManagedMeili, index_uid: str) -> AppState:
    return make_state(database_url, engine, meili, index_uid)


@pytest.fixture
async def http(world, meili: ManagedMeili) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the search routes over the shared ``world`` (no lifespan: no background worker)."""
    app_state = make_state(world.url, world.engine, meili, world.index_uid)
    app = Starlette(routes=routes(app_state))
    app.state.ror = app_state
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http_client:
        yield http_client
    await close_clients(app_state)


@dataclass
class IndexedWorld:
    """A dataset indexed once for a whole module of read-only tests."""

    data: Dataset
    ref: SearchReference
    index_uid: str
    url: str
    engine: object


@pytest.fixture(scope="module")
async def world(database_template, _pg_engine, tmp_path_factory, meili: ManagedMeili) -> AsyncIterator[IndexedWorld]:
    """Read-only tests share one database + index (building an index costs ~1 s of Meilisearch time)."""
    url = await fresh_database_url(database_template, _pg_engine, tmp_path_factory.mktemp("world"))
    engine = make_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session:
        data = await insert_dataset(session)
        ref = await load_search_reference(session)
    uid = f"w_{uuid.uuid4().hex[:12]}"
    await reindex(sessions, meili_url=meili.url, meili_key=meili.master_key, index_uid=uid)
    yield IndexedWorld(data, ref, uid, url, engine)
    await engine.dispose()
    await _drop_indexes(meili, uid)
