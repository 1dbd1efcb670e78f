"""The command line explains an operator's mistake in one line and exits with code 2, changing nothing.

Each case runs the real ``ror-graph`` from a directory outside the repository, as an operator would:
the line names the problem and the command or setting that fixes it; no traceback unless ``--debug``.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from search_index.server import ManagedMeili, MeiliUnavailable, free_port
from tests.conftest import PG_URL
from tests.production.conftest import clean_env, cli

PROJECT = Path(__file__).resolve().parents[2]


def refused(done: subprocess.CompletedProcess, *expected: str) -> str:
    """Exit code 2, the data directory line, then exactly one error line holding ``expected``."""
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert lines[0].startswith("data directory: ") and len(lines) == 2, lines
    assert lines[1].startswith("error: ") and all(word in lines[1] for word in expected), lines[1]
    return lines[1]


@pytest.fixture
def migrated(tmp_path) -> dict[str, str]:
    """The environment of a data directory holding a migrated SQLite database."""
    env = clean_env(tmp_path / "var")
    cli(env, "migrate", cwd=tmp_path)
    return env


def test_a_missing_database_is_named_and_never_created_empty(tmp_path):
    # given a directory without a database (an operator outside the repository)
    env = clean_env(tmp_path / "var")
    # when a command needing the database runs, then it says so and which command creates it
    line = refused(cli(env, "load-reference", cwd=tmp_path, check=False), "no database at", "ror-graph migrate")
    assert str(tmp_path / "var" / "ror_graph.sqlite3") in line
    # and nothing was created on the way
    assert not (tmp_path / "var" / "ror_graph.sqlite3").exists()
    # and the data directory is resolved (absolute) and printed first
    done = cli(env, "create-token", "--help", cwd=tmp_path, check=False)
    assert done.returncode == 0


def test_an_unmigrated_or_outdated_database_asks_for_migrate(tmp_path):
    from ror_graph.db import migrate

    database = tmp_path / "var" / "ror_graph.sqlite3"
    database.parent.mkdir()
    migrated = clean_env(tmp_path / "var")
    # given an empty SQLite file (no schema)
    empty = clean_env(tmp_path / "empty")
    (tmp_path / "empty").mkdir()
    sqlite3.connect(tmp_path / "empty" / "ror_graph.sqlite3").close()
    refused(cli(empty, "reindex", cwd=tmp_path, check=False), "no ror_graph schema", "ror-graph migrate")
    # given a database at an older revision (made by an older version)
    migrate(f"sqlite+aiosqlite:///{database}", "0003")
    refused(cli(migrated, "sync-search", cwd=tmp_path, check=False), "revision 0003", "ror-graph migrate")
    # when it is migrated, then the command's preflight passes
    cli(migrated, "migrate", cwd=tmp_path)
    assert cli(migrated, "load-reference", cwd=tmp_path).returncode == 0


def test_unsupported_scheme_and_unreachable_or_missing_postgresql(tmp_path):
    env = clean_env(tmp_path / "var", ROR_GRAPH_DATABASE_URL="mysql://ror@localhost/ror")
    refused(cli(env, "migrate", cwd=tmp_path, check=False), "unsupported database URL scheme 'mysql'",
            "postgresql://")
    env["ROR_GRAPH_DATABASE_URL"] = f"postgresql://ror@127.0.0.1:{free_port()}/ror"
    refused(cli(env, "serve", cwd=tmp_path, check=False), "cannot reach the PostgreSQL database", "start PostgreSQL")
    if not PG_URL:
        return
    from sqlalchemy.engine import make_url

    env["ROR_GRAPH_DATABASE_URL"] = make_url(PG_URL).set(database="rg_missing_db").render_as_string(False)
    refused(cli(env, "migrate", cwd=tmp_path, check=False), "'rg_missing_db'", "does not exist", "createdb")


def test_unreachable_external_meilisearch_and_a_wrong_key(tmp_path, migrated):
    env = {**migrated, "ROR_GRAPH_MEILI_URL": f"http://127.0.0.1:{free_port()}"}
    refused(cli(env, "reindex", cwd=tmp_path, check=False), "cannot reach Meilisearch", "ROR_GRAPH_MEILI_URL")
    try:
        meili = ManagedMeili(tmp_path / "meili").start()
    except MeiliUnavailable as exc:  # pragma: no cover - depends on the machine
        pytest.skip(f"no Meilisearch: {exc}")
    try:
        env = {**migrated, "ROR_GRAPH_MEILI_URL": meili.url, "ROR_GRAPH_MEILI_KEY": "not-the-key"}
        refused(cli(env, "sync-search", cwd=tmp_path, check=False), "refused ROR_GRAPH_MEILI_KEY", "master key")
        env.pop("ROR_GRAPH_MEILI_KEY")
        refused(cli(env, "serve", cwd=tmp_path, check=False), "needs a key", "ROR_GRAPH_MEILI_KEY")
        env["ROR_GRAPH_MEILI_KEY"] = meili.master_key
        assert cli(env, "sync-search", cwd=tmp_path).returncode == 0
    finally:
        meili.stop()


def test_debug_shows_the_traceback(tmp_path):
    env = clean_env(tmp_path / "var")
    done = cli(env, "--debug", "load-reference", cwd=tmp_path, check=False)
    assert done.returncode != 0 and "Traceback" in done.stderr and "CliProblem" in done.stderr


def test_make_run_takes_port_and_host():
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    done = subprocess.run(["make", "-n", "run", "PORT=8123", "HOST=0.0.0.0"], cwd=PROJECT, capture_output=True,
                          text=True, check=False)
    assert "ror-graph serve --host 0.0.0.0 --port 8123" in done.stdout, done.stdout + done.stderr
