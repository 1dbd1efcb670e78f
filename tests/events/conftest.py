"""Event-log tests reuse the write-path world (two EJ/EG pairs, one offer each, callers of every role)."""

import pytest

from ror_graph.db import session_factory
from tests.write.conftest import database_url, world  # noqa: F401  (fixtures)


@pytest.fixture
def sessions(engine):
    return session_factory(engine)
