"""Quality tests reuse the write-path world: EG A (Paris, EHPAD, 50 authorised places, one offer) and EG B (Lyon)."""

import pytest

from ror_graph.db import session_factory
from tests.write.conftest import database_url, world  # noqa: F401  (fixtures)


@pytest.fixture
def sessions(engine):
    return session_factory(engine)
