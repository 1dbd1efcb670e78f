"""The bulk export: one snapshot of what a profile may see, and export-then-feed reproduces the database."""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import select
from typer.testing import CliRunner

from ror_graph.models import Unite
from ror_graph.services.accounts.auth import caller_for_profile
from ror_graph.services.export import snapshot
from ror_graph.services.export.snapshot import export_directory
from ror_graph.services.unite.inputs import ContactInput
from tests.feed.conftest import follow
from tests.feed.test_feed import SECRET_PHONE, patch
from tests.write.conftest import EG_A, EG_B, EJ_A, EJ_B, tel

Copy = dict[tuple[str, str], dict]


def load(out: Path) -> Copy:
    """A consumer's copy of an NDJSON export: (entity, key) → form."""
    copy: Copy = {}
    for entity, key in (("entite_juridique", "finess"), ("etablissement", "finess"), ("unite", "identifiant")):
        with gzip.open(out / f"{entity}.ndjson.gz", "rt", encoding="utf-8") as handle:
            for line in handle:
                form = json.loads(line)
                copy[(entity, form[key])] = form
    return copy


def apply(copy: Copy, items) -> Copy:
    """What a consumer does with each feed item."""
    for item in items:
        if item.op == "deleted":
            copy.pop((item.entity, item.key), None)
        else:
            copy[(item.entity, item.key)] = item.data
    return copy


async def test_public_export_holds_the_public_snapshot_only(session, world, tmp_path):
    # given offer B sensitive and offer A with a level-3 telecom and a level-2 contact
    await patch(session, world, {"unite_sensible": True}, identifiant=world.unite_b)
    await patch(session, world, {"contacts": [
        ContactInput(nature_code="06", nom="Accueil", confidentialite=1,
                     telecoms=[tel("2", "0140000000", 1), tel("2", SECRET_PHONE, 3)]),
        ContactInput(nature_code="10", nom="Cadre", confidentialite=2, telecoms=[tel("2", "0140000001", 2)])]})
    # when the public and the regulation exports are taken
    public = await export_directory(session, fmt="ndjson", profile="public", out=tmp_path / "public")
    await export_directory(session, fmt="ndjson", profile="regulation", out=tmp_path / "regulation")
    # then the public one has every EJ and EG, offer A only, and no value above level 1
    copy = load(tmp_path / "public")
    assert sorted(copy) == sorted([("entite_juridique", EJ_A), ("entite_juridique", EJ_B), ("etablissement", EG_A),
                                   ("etablissement", EG_B), ("unite", world.unite_a)])
    text = json.dumps(list(copy.values()))
    assert SECRET_PHONE not in text and "0140000001" not in text and "Cadre" not in text
    assert public.counts == {"entite_juridique": 2, "etablissement": 2, "unite": 1}
    # and the regulation export has both offers and every contact
    full = load(tmp_path / "regulation")
    assert ("unite", world.unite_b) in full and SECRET_PHONE in json.dumps(list(full.values()))
    # and the manifest carries the feed cursor: nothing changed since
    manifest = json.loads((tmp_path / "public" / "manifest.json").read_text())
    assert manifest["cursor"] == public.cursor
    items, _ = await follow(session, caller_for_profile("public"), public.cursor)
    assert items == []


async def test_export_then_feed_reproduces_the_database_under_concurrent_writes(session, sessions, world, tmp_path,
                                                                                 monkeypatch):
    # given an export read one row at a time, while another session keeps writing
    monkeypatch.setattr(snapshot, "CHUNK", 1)
    public = caller_for_profile("public")

    async def writes():
        async with sessions() as other:
            for n in range(6):
                await patch(other, world, {"commentaire": f"pendant {n}"})
                await asyncio.sleep(0)
            await patch(other, world, {"unite_sensible": True}, identifiant=world.unite_b)

    writer = asyncio.create_task(writes())
    manifest = await export_directory(session, fmt="ndjson", profile="public", out=tmp_path / "first")
    await writer
    await patch(session, world, {"nom": "Après l'export"})
    # when a consumer loads the export, then applies the feed from the export's cursor
    items, _ = await follow(session, public, manifest.cursor)
    replayed = apply(load(tmp_path / "first"), items)
    # then its copy equals a fresh export of the database
    await export_directory(session, fmt="ndjson", profile="public", out=tmp_path / "fresh")
    assert replayed == load(tmp_path / "fresh")
    unite_a = (await session.exec(select(Unite).where(Unite.identifiant == world.unite_a))).one()
    assert replayed[("unite", world.unite_a)]["nom"] == unite_a.nom == "Après l'export"
    assert ("unite", world.unite_b) not in replayed


async def test_csv_and_xlsx_formats(session, world, tmp_path):
    # when the directory is exported as CSV and as XLSX
    await export_directory(session, fmt="csv", profile="professional", out=tmp_path / "csv")
    await export_directory(session, fmt="xlsx", profile="professional", out=tmp_path / "xlsx")
    # then the CSV of offers has one row per offer with codes as JSON, and the workbook one sheet per kind
    with gzip.open(tmp_path / "csv" / "unite.csv.gz", "rt", encoding="utf-8") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read()), delimiter=";"))
    assert sorted(r["identifiant"] for r in rows) == sorted([world.unite_a, world.unite_b])
    assert json.loads(rows[0]["codes"]) == {"activite": ["003"]}
    book = load_workbook(tmp_path / "xlsx" / "directory.xlsx", read_only=True)
    assert book.sheetnames == ["entite_juridique", "etablissement", "unite"]
    assert len(list(book["unite"].iter_rows(values_only=True))) == 3


def test_cli_refuses_a_bad_profile_with_exit_2(tmp_path):
    from ror_graph.cli import app

    result = CliRunner().invoke(app, ["export", "--profile", "everyone", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "BAD_INPUT" in result.output


@pytest.mark.parametrize("fmt", ["ndjson"])
def test_cli_exports_to_a_folder(fmt, database_url, world, tmp_path, monkeypatch):
    from ror_graph.cli import app
    from ror_graph.settings import get_settings

    monkeypatch.setenv("ROR_GRAPH_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["export", "--format", fmt, "--out", str(tmp_path / "out")])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "after=" in result.output and len(load(tmp_path / "out")) == 6
