"""A large ``$export`` written by several processes at once: one NDJSON file per part of a type.

Building FHIR resources is CPU-bound Python: one process builds about 4,000 a second, so a national
export (≈ 420k resources) needs every core. A type of more than ``PART_ROWS`` rows is cut into id
ranges of about that many rows (``services.fhir.export.id_ranges``); each range is exported by a worker
process of a pool (``spawn``: no state copied from the server) into its own file, listed in the manifest
as one more ``output`` of that type, as the Bulk Data spec allows.

**One snapshot.** On PostgreSQL the job's transaction exports its snapshot (``pg_export_snapshot()``)
and every worker reads in it (``SET TRANSACTION SNAPSHOT``), so the parts are as consistent as a single
read. SQLite has no such thing: each worker reads the database as of its own start (a few ms apart).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from ror_graph.db import make_engine, session_factory
from ror_graph.services.accounts.auth import caller_for_profile
from ror_graph.services.fhir.export import export_rows
from ror_graph.services.fhir.search import MODELS
from ror_graph.services.fhir.service import load_labels

PART_ROWS = 40_000
_LABELS: dict[str, Any] = {}  # per worker process: code labels, read once for all the parts it writes


@dataclass(frozen=True)
class Part:
    """Rows ``after < id <= upto`` of the ``model``-th table of ``resource``, to ``file``."""

    resource: str
    model: int
    after: int
    upto: int | None
    file: str


def part_files(resource: str, ranges: list[tuple[int, int, int | None]]) -> list[Part]:
    return [Part(resource, model, after, upto, f"{resource}-{n + 1}.ndjson")
            for n, (model, after, upto) in enumerate(ranges)]


async def _export_part(url: str, profile: str, part: Part, folder: str, snapshot: str | None) -> int:
    engine = make_engine(url)
    try:
        async with session_factory(engine)() as session:
            if url not in _LABELS:
                _LABELS[url] = await load_labels(session)
                await session.commit()
            labels = _LABELS[url]
            if snapshot:
                conn = await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
                await conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            else:
                conn = await session.connection()
                await conn.exec_driver_sql("BEGIN")
            with Path(folder, part.file).open("w", encoding="utf-8") as out:  # noqa: ASYNC230 (its own process)
                async def write(lines: list[str]) -> None:
                    out.writelines(lines)

                model = MODELS[part.resource][part.model]
                return await export_rows(conn, caller_for_profile(profile), labels, model, write,
                                         after=part.after, upto=part.upto)
    finally:
        await engine.dispose()


def export_part(url: str, profile: str, part: Part, folder: str, snapshot: str | None) -> int:
    """In a worker process: write one part; its resource count."""
    return asyncio.run(_export_part(url, profile, part, folder, snapshot))


async def run_parts(url: str, profile: str, parts: list[Part], folder: Path, snapshot: str | None,
                    workers: int, renew: Any) -> list[int]:
    """Every part by a pool of ``workers`` processes, renewing the job's lease while they run; the counts."""
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = [loop.run_in_executor(pool, export_part, url, profile, part, str(folder), snapshot)
                   for part in parts]
        try:
            while not all(f.done() for f in futures):
                await asyncio.wait(futures, timeout=5, return_when=asyncio.ALL_COMPLETED)
                await renew()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        return [f.result() for f in futures]
