"""The registry tests reuse the search fixtures: a real Meilisearch and the search dataset."""

from tests.search.conftest import dataset, index_uid, sessions  # noqa: F401
