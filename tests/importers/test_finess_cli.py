"""``ror-graph import-finess`` end to end: report table, dry run, and a clear failure on a foreign file."""

from __future__ import annotations

import asyncio

from sqlalchemy import func
from sqlmodel import select
from typer.testing import CliRunner

from ror_graph.cli import app
from ror_graph.models import Etablissement, ImportRun
from ror_graph.settings import get_settings


async def invoke(*args: str):
    # The command runs its own event loop: call it from a worker thread.
    return await asyncio.to_thread(CliRunner().invoke, app, ["import-finess", *args])


async def test_cli_imports_reports_and_refuses(database_url, monkeypatch, session, etalab_lines, tmp_path):
    monkeypatch.setenv("ROR_GRAPH_DATABASE_URL", database_url)
    get_settings.cache_clear()
    foreign = tmp_path / "clients.csv"
    foreign.write_text("nom;prenom\nDupont;Jean\n")
    try:
        dry = await invoke(str(etalab_lines), "--dry-run")
        real = await invoke(str(etalab_lines), "--format", "etalab")
        refused = await invoke(str(foreign))
    finally:
        get_settings.cache_clear()
    # Given a dry run then a real run: the same table, only the real run writes.
    assert dry.exit_code == 0 and real.exit_code == 0, dry.output + real.output
    assert "dry run" in dry.output and "EG" in real.output and "14" in real.output
    assert (await session.exec(select(func.count()).select_from(Etablissement))).one() == 14
    assert (await session.exec(select(func.count()).select_from(ImportRun))).one() == 1
    # A foreign file: exit code 2, a clear message, nothing written.
    assert refused.exit_code == 2 and "non reconnu" in " ".join(refused.output.split())
    assert (await session.exec(select(func.count()).select_from(ImportRun))).one() == 1
