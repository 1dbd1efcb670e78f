"""``ror-graph sync-search`` and ``ror-graph reindex`` against the test database and Meilisearch."""

from __future__ import annotations

import asyncio

import pytest
from meilisearch_python_sdk import AsyncClient
from typer.testing import CliRunner

from ror_graph.cli import app
from ror_graph.models import Event
from ror_graph.settings import get_settings
from search_index.index_settings import FILTERABLE_ATTRIBUTES
from search_index.recent import recent_uid
from tests.search.dataset import PUBLIC


@pytest.fixture
def cli_env(monkeypatch, database_url, meili, index_uid):
    for name, value in {"DATABASE_URL": database_url, "MEILI_URL": meili.url, "MEILI_KEY": meili.master_key,
                        "MEILI_INDEX": index_uid, "MEILI_MANAGED": "false"}.items():
        monkeypatch.setenv(f"ROR_GRAPH_{name}", value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def count_documents(meili, index_uid: str) -> int:
    async def count() -> int:
        async with AsyncClient(meili.url, meili.master_key) as client:
            return (await client.index(index_uid).get_stats()).number_of_documents
    return asyncio.run(count())


def filterable(meili, index_uid: str) -> set[str]:
    async def read() -> set[str]:
        async with AsyncClient(meili.url, meili.master_key) as client:
            return set(await client.index(index_uid).get_filterable_attributes() or [])
    return asyncio.run(read())


@pytest.fixture
async def queued(dataset, session):
    """The dataset with one outbox event per offer (as the write services would have queued)."""
    session.add_all(Event(entity="unite", entity_id=i) for i in dataset.unite_ids.values())
    await session.commit()
    return dataset


def test_sync_search_drains_the_queue_then_reindex_rebuilds(queued, cli_env, meili, index_uid):
    runner = CliRunner()
    # when the queue is drained from the command line
    result = runner.invoke(app, ["sync-search"])
    # then every public offer is indexed in the recent index (both indexes with the settings in code), and
    # nothing is pending
    assert result.exit_code == 0, result.output
    assert "still pending 0" in result.output
    recent = recent_uid(index_uid)
    assert (count_documents(meili, index_uid), count_documents(meili, recent)) == (0, len(PUBLIC))
    assert set(FILTERABLE_ATTRIBUTES) <= filterable(meili, index_uid)
    assert set(FILTERABLE_ATTRIBUTES) <= filterable(meili, recent)
    # when the index is rebuilt, then it holds the same documents and the recent index is empty
    result = runner.invoke(app, ["reindex", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert f"rebuilt with {len(PUBLIC)} offers" in result.output
    assert (count_documents(meili, index_uid), count_documents(meili, recent)) == (len(PUBLIC), 0)
