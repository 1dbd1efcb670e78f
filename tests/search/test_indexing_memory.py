"""The managed Meilisearch runs with a bounded indexing memory (search sync latency at national volume).

Meilisearch pays for its indexing buffers on every batch, sized from ``--max-indexing-memory``; with its
default (two thirds of the RAM) a one-document update took seconds at 300,000 offers
(``search_index.server.INDEXING_MEMORY`` has the figures). An operator's own
``MEILI_MAX_INDEXING_MEMORY`` wins over the project's default.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from search_index.server import INDEXING_MEMORY, ManagedMeili, MeiliUnavailable

pytestmark = pytest.mark.meili


def started(data_dir: Path) -> ManagedMeili:
    try:
        return ManagedMeili(data_dir).start()
    except MeiliUnavailable as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"no Meilisearch binary: {exc}")


def arguments(server: ManagedMeili) -> list[str]:
    assert server.process is not None
    return Path(f"/proc/{server.process.pid}/cmdline").read_bytes().decode().split("\0")


def test_the_managed_server_indexes_with_the_declared_memory_limit(tmp_path, monkeypatch):
    # given no operator setting
    monkeypatch.delenv("MEILI_MAX_INDEXING_MEMORY", raising=False)
    # when the managed server starts
    server = started(tmp_path / "meili")
    try:
        # then it runs with the project's limit and answers
        args = arguments(server)
        assert args[args.index("--max-indexing-memory") + 1] == INDEXING_MEMORY
        assert httpx.get(f"{server.url}/health").status_code == 200
    finally:
        server.stop()


def test_an_operator_setting_of_the_indexing_memory_wins(tmp_path, monkeypatch):
    # given the operator's own Meilisearch variable
    monkeypatch.setenv("MEILI_MAX_INDEXING_MEMORY", "1GiB")
    # when the managed server starts
    server = started(tmp_path / "meili")
    try:
        # then the project's flag does not override it (Meilisearch reads the variable itself) and it answers
        assert "--max-indexing-memory" not in arguments(server)
        assert httpx.get(f"{server.url}/health").status_code == 200
    finally:
        server.stop()
