"""Benchmark of ``ror-graph import-finess`` on a national-size file (≈100,000 EG).

Builds FHIR NDJSON files by repeating the shared 49/75 extract (4,308 Organizations + Locations)
with new, valid FINESS numbers (Luhn keys), then measures, each phase in its own process so peak
memory is its own:

* baseline: parsing only (the parser's records, no database);
* import into a fresh database (SQLite by default, PostgreSQL with ``--database-url``);
* re-import of the same file (everything unchanged);
* the same import on a file 5× smaller, to show memory stays flat in the file size.

Usage: ``.venv/bin/python bench/import_finess.py [--eg 100000] [--database-url postgresql://…]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "data" / "finess" / "fhir-20210108" / "finess-fhir-20210108-dep49-75.ndjson"


def luhn_key(base: str) -> str:
    """The digit that makes ``base + digit`` pass the Luhn check."""
    from ror_graph.services.core.validation import luhn_ok

    return next(d for d in "0123456789" if luhn_ok(base + d))


class Renumbering:
    """New FINESS numbers for one repetition of the source: same département prefix, fresh serial, Luhn key."""

    serial = 0

    def __init__(self) -> None:
        self.numbers: dict[str, str] = {}

    def __call__(self, old: str) -> str:
        if old not in self.numbers:
            Renumbering.serial += 1
            base = old[:2] + f"{Renumbering.serial:06d}"
            self.numbers[old] = base + luhn_key(base)
        return self.numbers[old]


def build(target: Path, eg_count: int) -> int:
    """Write ``eg_count`` Organizations (+ their Locations) with fresh FINESS numbers; returns lines."""
    lines = [json.loads(line) for line in SOURCE.open()]
    written = organizations = 0
    with target.open("w") as out:
        while True:
            renumber = Renumbering()
            for resource_ in lines:
                if resource_["resourceType"] == "Organization":
                    if organizations >= eg_count:
                        return written
                    organizations += 1
                    ej, et = resource_["id"].split("-")
                    copy = json.loads(json.dumps(resource_))
                    copy["id"] = f"{renumber(ej)}-{renumber(et)}"
                    copy["identifier"][0]["value"] = renumber(et)
                else:
                    ej, et = resource_["managingOrganization"]["reference"].removeprefix("Organization/").split("-")
                    reference = f"{renumber(ej)}-{renumber(et)}"
                    copy = dict(resource_, id=f"{reference}-loc",
                                managingOrganization={"reference": f"Organization/{reference}"})
                out.write(json.dumps(copy) + "\n")
                written += 1


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _fresh_database(url: str | None, directory: Path) -> tuple[str, str | None]:
    """(database url, name of a private PostgreSQL database to drop) with schema + reference data."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlmodel import SQLModel

    from ror_graph.db import make_engine, session_factory
    from ror_graph.services.reference.loader import load_reference
    from ror_graph.settings import normalise_database_url

    private = None
    if url:
        admin_url = make_url(normalise_database_url(url))
        private = f"bench_finess_{uuid.uuid4().hex[:8]}"
        admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{private}"'))
        await admin.dispose()
        url = admin_url.set(database=private).render_as_string(hide_password=False)
    else:
        url = f"sqlite+aiosqlite:///{directory / f'bench-{uuid.uuid4().hex[:6]}.sqlite3'}"
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    async with session_factory(engine)() as session:
        await load_reference(session)
    await engine.dispose()
    return url, private


async def _drop(url: str, private: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    from ror_graph.settings import normalise_database_url

    admin = create_async_engine(make_url(normalise_database_url(url)), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{private}" WITH (FORCE)'))
    await admin.dispose()


async def phase(kind: str, path: Path, database_url: str | None) -> dict:
    """Run one measured phase in this process and return its figures."""
    from ror_graph.services.finess.parsers import EgRecord, parse

    if kind == "parse":
        started = time.perf_counter()
        with path.open("rb") as stream:
            rows = sum(isinstance(r, EgRecord) for r in parse(stream, "fhir"))
        return {"rows": rows, "seconds": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb()}

    from ror_graph.db import make_engine, session_factory
    from ror_graph.services.finess.importer import import_finess

    url, private = await _fresh_database(database_url, path.parent)
    engine = make_engine(url)
    figures = {}
    try:
        sessions = session_factory(engine)
        for run in ("import", "reimport") if kind == "import" else ("import",):
            base_rss = peak_rss_mb()
            started = time.perf_counter()
            report = await import_finess(sessions, path)
            figures[run] = {
                "rows": report.etablissement.processed, "seconds": time.perf_counter() - started,
                "created": report.etablissement.created, "updated": report.etablissement.updated,
                "unchanged": report.etablissement.unchanged, "rejected": report.rejected,
                "ej_created": report.entite_juridique.created, "peak_rss_mb": peak_rss_mb(),
                "rss_before_mb": base_rss,
            }
    finally:
        await engine.dispose()
        if private:
            await _drop(database_url, private)  # type: ignore[arg-type]
    return figures


def run_phase(kind: str, path: Path, database_url: str | None) -> dict:
    command = [sys.executable, __file__, "--phase", kind, "--file", str(path)]
    if database_url:
        command += ["--database-url", database_url]
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eg", type=int, default=100_000, help="Organizations (EG) in the large file.")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (a private database is created).")
    parser.add_argument("--phase", choices=["parse", "import", "import-small"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(asyncio.run(phase(args.phase.removesuffix("-small"), args.file, args.database_url))))
        return

    with tempfile.TemporaryDirectory(prefix="bench-finess-") as directory:
        large, small = Path(directory) / "large.ndjson", Path(directory) / "small.ndjson"
        started = time.perf_counter()
        lines = build(large, args.eg)
        build(small, args.eg // 5)
        print(f"built {large.name}: {args.eg:,} EG, {lines:,} lines, {large.stat().st_size / 1e6:.0f} MB "
              f"in {time.perf_counter() - started:.1f} s")
        database = "PostgreSQL" if args.database_url else "SQLite"
        baseline = run_phase("parse", large, None)
        figures = run_phase("import", large, args.database_url)
        small_figures = run_phase("import-small", small, args.database_url)["import"]

        def row(label: str, f: dict) -> None:
            print(f"{label:<34} {f['rows']:>8,} {f['seconds']:>8.1f} {f['rows'] / f['seconds']:>9,.0f}"
                  f" {f['peak_rss_mb']:>9.0f}")

        print(f"\n{'phase':<34} {'EG':>8} {'seconds':>8} {'EG/s':>9} {'peak MB':>9}")
        row("baseline: parse only", baseline)
        row(f"import, fresh {database}", figures["import"])
        row(f"re-import (all unchanged), {database}", figures["reimport"])
        row(f"import of a 5x smaller file, {database}", small_figures)
        imported = figures["import"]
        print(f"\nfirst import: {imported['created']:,} EG created, {imported['ej_created']:,} EJ (placeholders), "
              f"{imported['rejected']:,} rejected (categories outside JDV_J55); re-import: "
              f"{figures['reimport']['created']} created, {figures['reimport']['updated']} updated")
        print(f"import / parse time: {imported['seconds'] / baseline['seconds']:.1f}x; "
              f"peak memory large / small file: {imported['peak_rss_mb'] / small_figures['peak_rss_mb']:.2f}x "
              f"(target: ≈100k EG < 60 s, memory flat in file size)")


if __name__ == "__main__":
    main()
