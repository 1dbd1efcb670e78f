"""FHIR read speed (target: p95 ≤ 100 ms) on a generated directory, in process (httpx ASGI transport).

Reuses the deterministic rows of ``bench/graphql.py`` (N EGs, 1-5 offers each, activités, lieux,
capacities, contacts; 2 % sensitive), with lieu positions added (those of Maine-et-Loire around
Angers, the others spread over metropolitan France). Times, for an anonymous client:

* (a) ``near``: ``HealthcareService?specialty=<R211>|003&location.near=47.47|-0.55|20|km
  &_include=HealthcareService:organization`` (the issue's query);
* (b) ``sync``: a ``_lastUpdated`` page, ``HealthcareService?_lastUpdated=ge2024-01-01&_count=200`` at a
  random ``_after`` position (a page of a client walking the ``next`` links of an incremental sync: the
  pages share the search's total while the event log does not move, see ``services/fhir/totals.py``);
* (b') ``sync-1st``: the first page of such a sync, each with another ``_lastUpdated`` date, so its total is
  always counted (the whole directory);

and, as the baseline of the same run, ``/fhir/metadata`` (the HTTP + FHIR pipeline with no data);
then (c) a whole-directory ``$export`` (kick-off to manifest, every type, public profile: the job row,
the app's export runner, Core rows to NDJSON), with its wall and CPU time. Baseline of the same run
(``--baseline-etablissements``, default 10,000, on a second database): every type exported in process
through the Core path and through the former ORM path (the old one is too slow to run at 300k on a
shared machine each time).

    .venv/bin/python bench/fhir.py                          # 100,000 EGs ≈ 300,000 offers
    .venv/bin/python bench/fhir.py --etablissements 5000 --requests 50
    .venv/bin/python bench/fhir.py --requests 1 --path /somewhere/fhir.sqlite3   # mostly the $export figures
    .venv/bin/python bench/fhir.py --database-url postgresql://postgres@127.0.0.1:5432/bench_fhir --no-export

The load average is printed with the figures: on a shared machine, compare runs made at the same load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

from bench.graphql import BATCH, existing_count, rows  # noqa: E402
from ror_graph.db import make_engine, session_factory  # noqa: E402
from ror_graph.models import Lieu  # noqa: E402
from ror_graph.models.coded import fhir_system_url  # noqa: E402
from ror_graph.services.reference.loader import load_reference  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ANGERS = (47.4712, -0.5518)
R211 = fhir_system_url("TRE_R211-ActiviteOperationnelle")


async def pg_count(url: str) -> int:
    """EGs already in the PostgreSQL bench database (0 when it does not exist yet)."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text("SELECT count(*) FROM etablissement"))).scalar_one()
    except Exception:  # missing database or table: rebuilt
        return 0
    finally:
        await engine.dispose()


async def pg_recreate(url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine

    name = make_url(url).database
    admin = create_async_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()


async def build(url: str, count: int, seed: int) -> None:
    """The rows of ``bench/graphql.py`` plus a position for every lieu."""
    rng = random.Random(seed + 1)
    data = rows(count, seed)
    for lieu in data[Lieu]:
        if lieu["commune_code"].startswith("49"):
            lieu["latitude"], lieu["longitude"] = ANGERS[0] + rng.uniform(-0.5, 0.5), ANGERS[1] + rng.uniform(-0.7, 0.7)
        else:
            lieu["latitude"], lieu["longitude"] = rng.uniform(43.0, 50.5), rng.uniform(-4.5, 7.5)
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    async with session_factory(engine)() as session:
        await load_reference(session)
    async with engine.begin() as conn:
        for model, batch in data.items():
            for start in range(0, len(batch), BATCH):
                await conn.execute(insert(model.__table__), batch[start: start + BATCH])  # type: ignore[attr-defined]
    if url.startswith("postgresql"):  # explicit ids: move the sequences past them, refresh the statistics
        async with engine.begin() as conn:
            for table in SQLModel.metadata.sorted_tables:
                if "id" in table.c and table.c.id.autoincrement is not False and table.c.id.primary_key:
                    await conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                            f"coalesce(max(id), 0) + 1, false) FROM {table.name}"))
        async with engine.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text("VACUUM ANALYZE"))
    await engine.dispose()


def report(name: str, latencies: list[float], cpu: list[float], sizes: list[int]) -> None:
    ordered = sorted(latencies)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(f"{name:<10} n={len(ordered):4d}  p50 {statistics.median(ordered):7.1f} ms  p95 {p95:7.1f} ms  "
          f"max {ordered[-1]:7.1f} ms  CPU p50 {statistics.median(cpu):6.1f} ms  "
          f"entries/answer {statistics.mean(sizes):6.1f}")


async def case(client: httpx.AsyncClient, name: str, urls: list[str]) -> None:
    """Wall time per request, and the CPU time of this process (what waiting for a core on a loaded machine
    does not inflate; PostgreSQL's own CPU is not in it)."""
    latencies, cpu, sizes = [], [], []
    for url in urls:
        start, start_cpu = time.perf_counter(), time.process_time()
        response = await client.get(url)
        latencies.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, response.text
        sizes.append(len(response.json().get("entry", [])))
    report(name, latencies, cpu, sizes)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--etablissements", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--path", type=Path, default=ROOT / "var" / "bench" / "fhir.sqlite3")
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (database rebuilt when its size "
                        "differs); default: the SQLite file --path")
    parser.add_argument("--export", action=argparse.BooleanOptionalAction, default=True,
                        help="also time a whole-directory $export")
    parser.add_argument("--baseline-etablissements", type=int, default=10_000,
                        help="EGs of the database where the Core and ORM export paths are compared (0: skip)")
    args = parser.parse_args()
    args.path.parent.mkdir(parents=True, exist_ok=True)
    from ror_graph.app import create_app
    from ror_graph.settings import Settings, normalise_database_url

    url = normalise_database_url(args.database_url) if args.database_url else f"sqlite+aiosqlite:///{args.path}"
    pg = url.startswith("postgresql")
    if pg and await pg_count(url) != args.etablissements:
        await pg_recreate(url)
        started = time.perf_counter()
        await build(url, args.etablissements, args.seed)
        print(f"built {args.etablissements} EGs in {time.perf_counter() - started:.0f} s")
    elif not pg:
        await ensure(args.path, args.etablissements, args.seed)
    if args.export and args.baseline_etablissements:
        baseline = args.path.with_name(f"{args.path.stem}-{args.baseline_etablissements}.sqlite3")
        await ensure(baseline, args.baseline_etablissements, args.seed)
        await export_paths(baseline)
    print(f"database: {'PostgreSQL' if pg else 'SQLite'}; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    app = create_app(Settings(database_url=url, meili_managed=False, data_dir=args.path.parent))
    rng = random.Random(args.seed)
    async with (app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client):
        total = (await client.get("/fhir/HealthcareService?_summary=count")).json()["total"]
        print(f"{total} offers visible to a public client; {args.requests} requests per case, one at a time")
        await client.get("/fhir/metadata")  # labels cache, first connection
        await case(client, "metadata", ["/fhir/metadata"] * args.requests)
        near = [f"/fhir/HealthcareService?specialty={R211}|003&location.near={ANGERS[0] + rng.uniform(-0.1, 0.1):.4f}"
                f"|{ANGERS[1] + rng.uniform(-0.1, 0.1):.4f}|20|km&_include=HealthcareService:organization"
                for _ in range(args.requests)]
        await case(client, "near", near)
        sync = [f"/fhir/HealthcareService?_lastUpdated=ge2024-01-01&_count=200&_after=0.{rng.randrange(0, total)}"
                for _ in range(args.requests)]
        await case(client, "sync", sync)
        first = [f"/fhir/HealthcareService?_lastUpdated=ge{date(2000, 1, 1) + timedelta(days=day)}&_count=200"
                 for day in rng.sample(range(0, 365 * 24), args.requests)]
        await case(client, "sync-1st", first)
        print(f"load average {os.getloadavg()[0]:.1f}")
        if args.export:
            await export(client)


async def ensure(path: Path, count: int, seed: int) -> None:
    """Build the database of ``count`` EGs at ``path`` unless it is there already."""
    if existing_count(path) != count:
        await asyncio.to_thread(path.unlink, missing_ok=True)
        started = time.perf_counter()
        await build(f"sqlite+aiosqlite:///{path}", count, seed)
        print(f"built {count} EGs in {time.perf_counter() - started:.0f} s")
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as conn:  # tables added since the database was built (e.g. export jobs)
        await conn.run_sync(SQLModel.metadata.create_all)
    await engine.dispose()


async def export_paths(path: Path) -> None:
    """Same-run baseline: every type exported in process through the Core path, then the former ORM path."""
    from ror_graph.services.accounts.auth import caller_for_profile
    from ror_graph.services.fhir.export import export_type, export_type_orm
    from ror_graph.services.fhir.search import MODELS
    from ror_graph.services.fhir.service import load_labels

    async def discard(lines: list[str]) -> None:
        sink.write("".join(lines).encode())

    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    caller, totals = caller_for_profile("public"), {}
    with await asyncio.to_thread(open, os.devnull, "wb") as sink:
        async with session_factory(engine)() as session:
            labels = await load_labels(session)
            for name in ("core", "orm"):
                wall, cpu, counts = time.perf_counter(), time.process_time(), {}
                for resource in MODELS:
                    if name == "core":
                        async with engine.connect() as conn:
                            counts[resource] = await export_type(conn, caller, labels, resource, discard)
                    else:
                        counts[resource] = await export_type_orm(session, caller, labels, resource, discard)
                totals[name] = (time.perf_counter() - wall, time.process_time() - cpu)
                print(f"$export path {name:<4} on {path.name}: {totals[name][0]:6.1f} s (CPU {totals[name][1]:6.1f} s)"
                      f"  {counts}")
    await engine.dispose()
    print(f"  → Core / ORM: wall ×{totals['orm'][0] / totals['core'][0]:.2f} faster, "
          f"CPU ×{totals['orm'][1] / totals['core'][1]:.2f} less")


async def export(client: httpx.AsyncClient) -> None:
    """A whole-directory ``$export`` (every type, public profile): kick-off to manifest, through the job runner."""
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores shared: CPU seconds are the fairer figure)")
    started, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
    kick = await client.get("/fhir/$export", headers={"prefer": "respond-async"})
    for _ in range(7200):  # polls the status URL as a Bulk Data client does
        status = await client.get(kick.headers["content-location"])
        if status.status_code != 202:
            break
        await asyncio.sleep(0.5)
    manifest = status.json()
    counts = ", ".join(f"{o['type']} {o['count']}" for o in manifest["output"])
    await asyncio.sleep(1)  # the worker pool is shut down (its processes reaped) just after the manifest
    print(f"$export    {time.perf_counter() - started:7.1f} s (CPU: server process {time.process_time() - cpu:6.1f} s, "
          f"worker processes {_children_cpu() - children:6.1f} s)  ({counts})")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    asyncio.run(main())
