"""Fixtures of the data-fidelity tests: the GraphQL helpers of the read API and the real FINESS+ sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.graphql.conftest import app_state, data, gql  # noqa: F401 (fixtures re-exported)


@pytest.fixture(scope="session")
def finess_plus_sample(shared_dir: Path) -> Path:
    return shared_dir / "data" / "finess" / "finess-plus" / "sample-finess-structures-journalier-20260309.json"


@pytest.fixture
def sessions(engine):
    from ror_graph.db import session_factory

    return session_factory(engine)


from tests.search.conftest import client, index_uid, world  # noqa: E402, F401 (real Meilisearch)
