"""The export's Core-row forms (``services.export.rows``) equal the feed's ORM forms, byte for byte.

On the demo directory (the Maine-et-Loire FINESS subset and its generated offers), with a few offers
made sensitive and contacts of every confidentiality level added, every format is exported for every
profile twice: through the fast Core path and through the reference ORM path. The files must be equal
(NDJSON and CSV after gunzip, XLSX cell by cell), so the Core path shows exactly what the visibility
policy lets each profile see, no more and no less.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import update
from sqlmodel import col, select

from ror_graph.db import session_factory
from ror_graph.models import Contact, Telecom, Unite
from ror_graph.services.demo.generator import load_demo
from ror_graph.services.export import snapshot
from ror_graph.services.export.snapshot import export_directory

SECRET = "0699999999"


@pytest.fixture
async def demo(engine):
    """The demo directory, 1 offer in 7 sensitive, level-2 and level-3 contacts and telecoms on offers and EGs."""
    sessions = session_factory(engine)
    await load_demo(sessions)
    async with sessions() as session:
        await session.exec(update(Unite).where(col(Unite.id) % 7 == 0).values(unite_sensible=True))  # type: ignore[call-overload]
        unites = list((await session.exec(select(Unite).order_by(col(Unite.id)).limit(40))).all())
        for n, unite in enumerate(unites):
            contact = Contact(unite_id=unite.id if n % 2 else None, etablissement_id=unite.etablissement_id,
                              nom=f"Contact {n}", nature_code="06", confidentialite=1 + n % 3)
            session.add(contact)
            await session.flush()
            session.add(Telecom(contact_id=contact.id, canal_code="2", valeur=SECRET, confidentialite=3))
            session.add(Telecom(contact_id=contact.id, canal_code="2", valeur=f"02410000{n:02d}", confidentialite=1))
        await session.commit()
    return sessions


def _contents(folder: Path) -> dict[str, object]:
    files: dict[str, object] = {}
    for path in sorted(folder.iterdir()):
        if path.name.endswith(".gz"):
            files[path.name] = gzip.decompress(path.read_bytes()).decode()
        elif path.suffix == ".xlsx":
            book = load_workbook(path, read_only=True)
            files[path.name] = {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    return files


async def test_core_forms_equal_the_orm_forms_for_every_format_and_profile(demo, tmp_path, monkeypatch):
    monkeypatch.setattr(snapshot, "CHUNK", 37)  # many chunks, ranges that cut EGs' offers apart
    for profile in ("public", "professional", "regulation"):
        for fmt in ("ndjson", "csv", "xlsx"):
            # when the directory is exported through both paths
            out = tmp_path / profile
            async with demo() as session:
                core = await export_directory(session, fmt=fmt, profile=profile, out=out / f"core-{fmt}")
            async with demo() as session:
                orm = await export_directory(session, fmt=fmt, profile=profile, out=out / f"orm-{fmt}", core=False)
            # then both hold the same counts and the same files, byte for byte
            assert core.counts == orm.counts and core.counts["unite"] > 100, (profile, fmt)
            assert _contents(out / f"core-{fmt}") == _contents(out / f"orm-{fmt}"), (profile, fmt)
        # and the profile's view is the policy's: the level-3 telecom and sensitive offers for regulation only
        text = _contents(out / "core-ndjson")["unite.ndjson.gz"]
        assert isinstance(text, str)
        sensitive = [json.loads(line)["unite_sensible"] for line in text.splitlines()]
        assert (SECRET in text) == (profile == "regulation") == any(sensitive), profile
