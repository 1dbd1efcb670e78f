"""FINESS import (all three formats through one path) and support corrections of FINESS fields.

``import_finess`` detects the format, streams the parser's records in batches of
``BATCH_SIZE`` and applies each batch in its own transaction (``FinessBatchWriter``), so a national
file never sits in memory and a crash loses at most the batch in progress; an ``ImportRun`` row
records the report. A dry run goes through exactly the same code in a single transaction that is
rolled back, so its report is the real one and nothing is kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from time import perf_counter
from typing import BinaryIO

from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import ImportRun, utcnow
from ror_graph.models.base import table_of
from ror_graph.services.core.errors import BadInputError
from ror_graph.services.finess.activites_batch import ActivitesBatchWriter
from ror_graph.services.finess.batch import FinessBatchWriter
from ror_graph.services.finess.correction import correct_finess_field
from ror_graph.services.finess.parsers import (
    FINESS_ACTIVITES,
    CapacitesRecord,
    EgRecord,
    EjRecord,
    FinessFormatError,
    Rejected,
    check_format,
    parse,
)
from ror_graph.services.finess.reference import FinessReference
from ror_graph.services.finess.report import EntityCounts, ImportReport, RejectedLine

#: Records per transaction: large enough for bulk statements, small enough to bound memory and locks.
BATCH_SIZE = 1000

__all__ = [
    "BATCH_SIZE",
    "EntityCounts",
    "ImportReport",
    "RejectedLine",
    "correct_finess_field",
    "import_finess",
]

Writer = FinessBatchWriter | ActivitesBatchWriter


async def _analyze(session: AsyncSession) -> None:
    """Refresh PostgreSQL planner statistics of the EJ/EG tables.

    Right after a bulk load the statistics still describe near-empty tables, and the planner then
    answers every ``finess IN (…1000 numbers…)`` with a sequential scan: a re-import of a national
    file went from ~10 s to ~2 min. ANALYZE samples the tables in a fraction of a second.
    """
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        await conn.execute(text("ANALYZE entitejuridique, etablissement, finess_field_state"))
        await session.commit()


async def _finish_run(session: AsyncSession, run_id: int | None, report: ImportReport) -> None:
    if run_id is None:
        return
    table = table_of(ImportRun)
    conn = await session.connection()
    await conn.execute(update(table).where(table.c.id == run_id).values(
        finished_at=utcnow(), status=report.status, report=json.dumps(report.to_dict(), ensure_ascii=False)))
    await session.commit()


async def _open_run(session: AsyncSession, report: ImportReport, path: Path, now: datetime) -> Writer:
    """Check the reference data, record the ``ImportRun`` (unless dry run) and pick the format's writer."""
    reference = await FinessReference.load(session)
    # "FINESS Activités" only touches EGs already imported: no reference data needed.
    if report.format != FINESS_ACTIVITES and (not reference.categories or not reference.communes):
        raise BadInputError("Données de référence absentes (nomenclatures, communes): "
                            "lancer d'abord `ror-graph load-reference`.", field="reference")
    await _analyze(session)
    if not report.dry_run:
        run = ImportRun(started_at=now, source=str(path)[-500:], format=report.format)
        session.add(run)
        await session.commit()
        report.run_id = run.id
    motif = f"Import FINESS {report.format} {path.name}"[:2000]
    if report.format == FINESS_ACTIVITES:
        return ActivitesBatchWriter(session, report, now=now, motif=motif)
    return FinessBatchWriter(session, reference, report, now=now, motif=motif)


async def _write(writer: Writer, batch: list[EjRecord | EgRecord | CapacitesRecord]) -> None:
    """Hand the batch to its writer (a file holds one format, so nothing is filtered out)."""
    if isinstance(writer, ActivitesBatchWriter):
        await writer.write([r for r in batch if isinstance(r, CapacitesRecord)])
    else:
        await writer.write([r for r in batch if not isinstance(r, CapacitesRecord)])


async def _stream(session: AsyncSession, writer: Writer, stream: BinaryIO, report: ImportReport, *,
                  progress: Callable[[int], None] | None, batch_size: int) -> None:
    """Parse ``stream`` and write it batch by batch, one transaction each (rolled back by a dry run)."""
    batch: list[EjRecord | EgRecord | CapacitesRecord] = []

    async def flush() -> None:
        await _write(writer, batch)
        if not report.dry_run:
            await session.commit()
        session.expunge_all()
        batch.clear()
        if progress is not None:
            progress(stream.tell())

    for record in parse(stream, report.format):
        if isinstance(record, Rejected):
            report.reject(record)
            continue
        batch.append(record)
        if len(batch) >= batch_size:
            await flush()
    await flush()


async def import_finess(
    sessions: async_sessionmaker[AsyncSession],
    path: Path,
    *,
    fmt: str = "auto",
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    batch_size: int = BATCH_SIZE,
    now: datetime | None = None,
) -> ImportReport:
    """Import a FINESS file (FINESS+ JSON, etalab CSV, FHIR NDJSON, or FINESS+ "Activités") and return its report.

    ``progress`` receives the number of bytes of the file read so far. Raises ``BadInputError``
    (nothing written) when the file is missing or in none of the formats.
    """
    path = Path(path)
    if not path.is_file():
        raise BadInputError(f"Fichier introuvable: {path}", field="path")
    started, now = perf_counter(), now or utcnow()
    # A batch job: the parsers read synchronously (bounded chunks), the database work is awaited.
    with path.open("rb") as stream:  # noqa: ASYNC230
        try:
            detected = check_format(stream, fmt)
        except FinessFormatError as exc:
            raise BadInputError(str(exc), field="format") from exc
        report = ImportReport(source=str(path), format=detected, dry_run=dry_run)
        async with sessions() as session:
            writer = await _open_run(session, report, path, now)
            try:
                await _stream(session, writer, stream, report, progress=progress, batch_size=batch_size)
            except BaseException as exc:
                await session.rollback()
                report.status, report.seconds = "failed", perf_counter() - started
                await _finish_run(session, report.run_id, report)
                if isinstance(exc, FinessFormatError):
                    raise BadInputError(str(exc), field="file") from exc
                raise
            report.seconds = perf_counter() - started
            if dry_run:
                await session.rollback()
                report.status = "dry-run"
            else:
                report.status = "done"
                await _finish_run(session, report.run_id, report)
                await _analyze(session)
    return report
