"""Consume the directory: bulk export, feed throughput, write→feed latency, webhook latency.

Builds fresh SQLite databases (reference data, EJ/EG/offers with codes and contacts, bulk-inserted through
SQLAlchemy Core) at two volumes, then measures:

* **export**: the NDJSON export in a child process per volume, through the Core-row path (what
  ``ror-graph export`` runs) and, as the same-run baseline, through the former ORM path: wall time, CPU
  time and peak RSS of the child (``wait4``; CPU is the fairer figure on a shared machine), offers/s,
  and the time extrapolated to the national volume (≈ 100k EG, 300k offers). Floor in the same run: a
  raw gzip dump of the offer table (one SELECT, no form, no policy). ``--national PATH`` also exports
  an existing database of national size (e.g. the one ``bench/fhir.py`` builds) through the Core path.
* **feed throughput**: changes/s served by the feed (public profile, pages of 1,000) over N events.
* **write→feed p95**: real offer writes, a reader polling the feed every 5 ms; commit → item seen.
* **webhook p95**: the server's webhook worker (woken by the commit) POSTing to a real local HTTP
  receiver; commit → request received.

    .venv/bin/python bench/feed.py                     # 2,500 and 10,000 EGs (3 offers each)
    .venv/bin/python bench/feed.py --egs 33000         # about the national offer count / 3
    .venv/bin/python bench/feed.py --export-only --national var/bench/fhir.sqlite3
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlmodel import SQLModel
from sqlmodel import select as select_rows

from ror_graph.db import make_engine, session_factory
from ror_graph.models import (
    Account,
    ApiClient,
    Contact,
    Departement,
    EntiteJuridique,
    Etablissement,
    Event,
    Telecom,
    Unite,
    UniteCode,
)
from ror_graph.models.coded import ACTIVITE
from ror_graph.services.reference.loader import load_reference

# Run as a script, this folder comes first on sys.path and its graphql.py would shadow the graphql package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
NATIONAL_OFFERS = 300_000
PER_EG = 3
BATCH = 2_000


async def build(url: str, egs: int) -> None:
    """Schema, reference data, ``egs`` EGs (one EJ per 5), 3 offers each with 2 codes and 1 contact."""
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    async with session_factory(engine)() as session:
        await load_reference(session)
    rnd, now = random.Random(7), datetime.now(UTC)
    async with engine.begin() as conn:
        deps = [(d, r) for d, r in (await conn.execute(select(Departement.code, Departement.region_code))).all()]
        await conn.execute(insert(Account).values(email="admin@bench.test", role="admin", password_hash="-",
                                                  active=True, created_at=now))
        for start in range(0, egs, BATCH):
            size = min(BATCH, egs - start)
            ej_ids = (await conn.execute(insert(EntiteJuridique).returning(EntiteJuridique.id), [
                dict(finess=f"E{start + i:08d}", raison_sociale=f"ASSOCIATION {start + i}", created_at=now,
                     updated_at=now, version=1, placeholder=False) for i in range(0, size, 5)])).scalars().all()
            eg_rows = []
            for i in range(size):
                dep, region = deps[(start + i) % len(deps)]
                eg_rows.append(dict(
                    finess=f"G{start + i:08d}", entite_juridique_id=ej_ids[i // 5], raison_sociale=f"EHPAD {start + i}",
                    categorie_code="500", departement_code=dep, region_code=region, created_at=now, updated_at=now,
                    version=1, statut_description="valide", ferme=False))
            eg_ids = (await conn.execute(insert(Etablissement).returning(Etablissement.id), eg_rows)).scalars().all()
            unite_ids = (await conn.execute(insert(Unite).returning(Unite.id), [
                dict(etablissement_id=eg, identifiant=f"B/{eg}/{k}", nom=f"Offre {k} de l'EG {eg}",
                     type_offre_code="21", champ_activite_code="04", mode_prise_en_charge_code="46", age_min=60,
                     age_max=120,
                     unite_sensible=rnd.random() < 0.03, ferme=False, demo=False, created_at=now, updated_at=now,
                     version=1) for eg in eg_ids for k in range(PER_EG)])).scalars().all()
            await conn.execute(insert(UniteCode), [dict(unite_id=u, attribute="activite", system=ACTIVITE, code=c)
                                                   for u in unite_ids for c in ("003", "006")])
            contact_ids = (await conn.execute(insert(Contact).returning(Contact.id), [
                dict(unite_id=u, nom="Accueil", nature_code="06", confidentialite=rnd.choice((1, 1, 2)),
                     created_at=now, updated_at=now, version=1) for u in unite_ids])).scalars().all()
            await conn.execute(insert(Telecom), [dict(contact_id=c, canal_code="2", valeur="0241000000",
                                                      confidentialite=1) for c in contact_ids])
    async with engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
    await engine.dispose()


EXPORT_CHILD = """
import asyncio, sys
from pathlib import Path
from ror_graph.db import make_engine, session_factory
from ror_graph.services.export.snapshot import export_directory

async def main(url, out, core):
    engine = make_engine(url)
    async with session_factory(engine)() as session:
        await export_directory(session, fmt="ndjson", profile="public", out=Path(out), core=core == "core")
    await engine.dispose()

asyncio.run(main(*sys.argv[1:4]))
"""


def export_child(url: str, out: Path, path: str = "core") -> tuple[float, float, float, dict]:
    """(seconds, CPU seconds, peak RSS MB, manifest) of a public NDJSON export in a child process."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", EXPORT_CHILD, url, str(out), path], stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    assert status == 0, f"export failed ({status})"
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, cpu, usage.ru_maxrss / 1024, json.loads((out / "manifest.json").read_text())


def export_figures(folder: Path, egs_list: list[int], national: Path | None) -> None:
    """The export lines of the report: Core vs ORM per volume, the raw floor, the national database."""
    rows = []
    for egs in egs_list:
        url = f"sqlite+aiosqlite:///{folder / f'db{egs}.sqlite3'}"
        floor = asyncio.run(raw_dump(url, folder / f"raw{egs}.ndjson.gz"))
        for path in ("core", "orm"):
            seconds, cpu, rss, manifest = export_child(url, folder / f"export{egs}-{path}", path)
            offers = manifest["counts"]["unite"]
            rows.append((path, offers, seconds, cpu, rss))
            print(f"export {path:<4} {egs:>7,} EG {offers:>7,} offers: {seconds:6.1f} s (CPU {cpu:6.1f} s)  "
                  f"{offers / seconds:8,.0f} offers/s  peak RSS {rss:6.0f} MB   | raw offer-table dump: {floor:5.1f} s")
    for path in ("core", "orm"):
        _p, offers, seconds, cpu, rss = [r for r in rows if r[0] == path][-1]
        print(f"  → {path}: national volume ({NATIONAL_OFFERS:,} offers, linear): about "
              f"{seconds * NATIONAL_OFFERS / offers:.0f} s (CPU {cpu * NATIONAL_OFFERS / offers:.0f} s)")
    if national is not None:
        seconds, cpu, rss, manifest = export_child(f"sqlite+aiosqlite:///{national}", folder / "national", "core")
        counts = ", ".join(f"{n:,} {entity}" for entity, n in manifest["counts"].items())
        print(f"export core national database ({counts}): {seconds:6.1f} s (CPU {cpu:6.1f} s), "
              f"peak RSS {rss:6.0f} MB")


async def raw_dump(url: str, out: Path) -> float:
    """The floor: every offer row as one JSON line, gzip, no form and no policy."""
    engine = make_engine(url)
    started = time.perf_counter()
    async with engine.connect() as conn:
        result = await conn.stream(select(Unite.__table__))  # type: ignore[attr-defined]
        with gzip.open(out, "wt", compresslevel=5) as handle:
            async for row in result:
                handle.write(json.dumps(dict(row._mapping), default=str) + "\n")
    await engine.dispose()
    return time.perf_counter() - started


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def feed_throughput(url: str, events: int) -> tuple[float, int]:
    """(changes/s, items) served to a public reader over ``events`` offer events, pages of 1,000."""
    from datetime import timedelta

    from ror_graph.services.accounts.auth import caller_for_profile
    from ror_graph.services.events.log import last_seq
    from ror_graph.services.feed.changes import read_changes
    from ror_graph.services.feed.cursor import issue

    engine = make_engine(url)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        ids = (await conn.execute(select(Unite.id).order_by(Unite.id).limit(events))).scalars().all()
        await conn.execute(insert(Event), [dict(at=now, entity="unite", entity_id=i, entity_key=f"x{i}", op="update",
                                               version=2, fields=["commentaire"]) for i in ids])
    sessions = session_factory(engine)
    async with sessions() as session:
        after, served = issue(await last_seq(session) - len(ids), now), 0
        started = time.perf_counter()
        while True:
            page = await read_changes(session, caller_for_profile("public"), after=after, first=1000,
                                      retention=timedelta(days=400))
            await session.commit()
            served, after = served + len(page.items), page.cursor
            if not page.has_more:
                break
        elapsed = time.perf_counter() - started
    await engine.dispose()
    return served / elapsed, served


async def _writes(sessions, count: int, commits: dict[int, float], *, pause: float) -> None:
    """``count`` real updates of one offer, recording each new version's commit time."""
    from ror_graph.services.accounts.principal import Principal
    from ror_graph.services.core.write import parse
    from ror_graph.services.unite.inputs import UniteUpdate
    from ror_graph.services.unite.write import update_unite

    async with sessions() as session:
        account_id = (await session.exec(select_rows(Account.id))).one()
        unite = (await session.exec(select_rows(Unite).where(Unite.unite_sensible.is_(False)).limit(1))).one()
        await session.commit()
        principal = Principal(kind="account", name="admin@bench.test", role="admin", source="api",
                              account_id=account_id, level=3)
        for n in range(count):
            written = await update_unite(session, principal, identifiant=unite.identifiant, version=unite.version,
                                         data=parse(UniteUpdate, {"commentaire": f"bench {n}"}))
            commits[written.version] = time.perf_counter()
            unite = written
            await asyncio.sleep(pause)


async def write_to_feed(url: str, count: int) -> list[float]:
    """Latencies (s) between a write's commit and the moment a reader polling every 5 ms sees it."""
    from datetime import timedelta

    from ror_graph.services.accounts.auth import caller_for_profile
    from ror_graph.services.feed.changes import FeedFilter, read_changes

    engine = make_engine(url)
    sessions = session_factory(engine)
    commits: dict[int, float] = {}
    seen: dict[int, float] = {}
    async with sessions() as session:
        page = await read_changes(session, caller_for_profile("regulation"), after=None, first=1000,
                                  retention=timedelta(days=400))
        while page.has_more:
            page = await read_changes(session, caller_for_profile("regulation"), after=page.cursor, first=1000,
                                      retention=timedelta(days=400))
        await session.commit()
        cursor = page.cursor
        writer = asyncio.create_task(_writes(sessions, count, commits, pause=0.02))
        only = FeedFilter(entites=frozenset({"unite"}))
        while not writer.done() or (len(seen) < count and writer.exception() is None):
            page = await read_changes(session, caller_for_profile("regulation"), after=cursor, first=100,
                                      filter=only, retention=timedelta(days=400))
            await session.commit()
            for item in page.items:
                seen.setdefault(item.version or 0, time.perf_counter())
            cursor = page.cursor
            await asyncio.sleep(0.005)
        await writer
    await engine.dispose()
    return [seen[v] - commits[v] for v in commits if v in seen]


class _Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        received: dict[int, float] = {}

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                for change in body["changes"]:
                    received.setdefault(change["version"], time.perf_counter())
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.received = received


async def webhook_latency(url: str, count: int) -> list[float]:
    """Latencies (s) between a write's commit and the webhook POST reaching a real local receiver."""
    from ror_graph.api.changes import webhook_worker
    from ror_graph.services.clients.settings import configure_feed
    from ror_graph.services.core.changes import Actor
    from ror_graph.settings import Settings
    from ror_graph.state import AppState

    receiver = _Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    engine = make_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session:
        account_id = (await session.exec(select_rows(Account.id))).one()
        client = ApiClient(name="bench", profile="regulation", token_hash=os.urandom(32).hex())
        session.add(client)
        await session.commit()
        await configure_feed(session, actor=Actor(name="admin@bench.test", role="admin", source="cli",
                                                  account_id=account_id), client_id=client.id or 0, regions=[],
                             webhook_url=f"http://127.0.0.1:{receiver.server_address[1]}/hook")
    state = AppState(settings=Settings(database_url=url, meili_managed=False), engine=engine, sessions=sessions)
    commits: dict[int, float] = {}
    async with webhook_worker(state):
        await asyncio.sleep(0.3)
        await _writes(sessions, count, commits, pause=0.05)
        for _ in range(200):
            if len(receiver.received) >= count:
                break
            await asyncio.sleep(0.05)
    receiver.shutdown()
    await engine.dispose()
    return [receiver.received[v] - commits[v] for v in commits if v in receiver.received]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--egs", type=int, default=10_000, help="EGs of the large database (3 offers each)")
    parser.add_argument("--events", type=int, default=20_000, help="events read for the feed throughput")
    parser.add_argument("--writes", type=int, default=200, help="writes timed for the latencies")
    parser.add_argument("--national", type=Path, help="also export this national-size SQLite database (Core path)")
    parser.add_argument("--export-only", action="store_true", help="only the export figures")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench_feed_"))
    volumes = [args.egs // 4, args.egs]
    for egs in volumes:
        asyncio.run(build(f"sqlite+aiosqlite:///{folder / f'db{egs}.sqlite3'}", egs))
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores shared: CPU seconds are the fairer figure)")
    export_figures(folder, volumes, args.national)
    if args.export_only:
        return
    url = f"sqlite+aiosqlite:///{folder / f'db{args.egs}.sqlite3'}"
    rate, served = asyncio.run(feed_throughput(url, args.events))
    print(f"feed throughput (public, pages of 1,000): {rate:,.0f} changes/s over {served:,} changes")
    latencies = asyncio.run(write_to_feed(url, args.writes))
    print(f"write→feed (poll every 5 ms): p50 {statistics.median(latencies) * 1000:.0f} ms, "
          f"p95 {p95(latencies) * 1000:.0f} ms over {len(latencies)} writes")
    hooks = asyncio.run(webhook_latency(url, args.writes))
    print(f"write→webhook received: p50 {statistics.median(hooks) * 1000:.0f} ms, p95 {p95(hooks) * 1000:.0f} ms "
          f"over {len(hooks)} of {args.writes} writes")


if __name__ == "__main__":
    main()
