"""Quality tests reuse the write-path world: EG A (Paris, EHPAD, 50 authorised places, one offer) and EG B (Lyon)."""

import pytest

from ror_graph.db import session_factory
from ror_graph.resolvers.context import make_context
from ror_graph.schema.root import schema
from ror_graph.settings import Settings
from ror_graph.state import AppState
from tests.admin.conftest import (  # noqa: F401  (fixtures of the back-office tests)
    accounts,
    admin_app,
    client,
    password_hash,
    settings,
    structures,
    support,
)
from tests.write.conftest import database_url, world  # noqa: F401  (fixtures)


@pytest.fixture
def sessions(engine):
    return session_factory(engine)


@pytest.fixture
def gql(engine, database_url, world):  # noqa: F811  (world: fixture)
    """Run a GraphQL operation in-process as one of the world's callers (``caller`` name)."""
    state = AppState(settings=Settings(database_url=database_url, meili_managed=False), engine=engine,
                     sessions=session_factory(engine))

    async def run(query: str, variables: dict | None = None, *, caller: str = "anonymous"):
        async with state.sessions() as session:
            context = await make_context(state, session, world.callers[caller])
            return await schema.execute(query, variable_values=variables, context_value=context)

    return run
