"""Policy tests reuse the write-path world (two EJ/EG pairs, one offer each, accounts of every role)."""

from tests.write.conftest import database_url, world  # noqa: F401  (fixtures shared with tests/write)
