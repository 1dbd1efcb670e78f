"""Back-office list and search speed on 100,000 établissements (target: every page p95 ≤ 100 ms).

Builds a fresh database (SQLite by default, ``--database-url`` for PostgreSQL), bulk-inserts the
reference data and N EGs (with their EJs) through SQLAlchemy Core, starts the real app with
``uvicorn ror_graph.app:create_app --factory`` in a subprocess, logs in as support and times the EG
list over HTTP (first page, a deep page, searches by FINESS, name fragment and commune, filters),
the EJ list and its search, the EG page. Baselines measured in the same run: the raw SELECT of the
same page, the unbounded ``COUNT(*)`` SQLAdmin would run on every page, and the name search as a
plain ``LIKE '%…%'`` scan next to the trigram index lookup (FTS5 / pg_trgm) the list uses.

    .venv/bin/python bench/admin.py                    # 100,000 EGs, SQLite
    .venv/bin/python bench/admin.py --database-url postgresql://postgres@127.0.0.1:5432/bench_admin
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from ror_graph.admin.name_search import name_or_commune
from ror_graph.db import make_engine, session_factory
from ror_graph.models import Account, Commune, Departement, EntiteJuridique, Etablissement, Nomenclature
from ror_graph.models.coded import CATEGORIE_EG
from ror_graph.services.accounts.accounts import hash_password
from ror_graph.services.core.validation import luhn_ok
from ror_graph.services.reference.loader import load_reference
from ror_graph.settings import normalise_database_url

EMAIL, PASSWORD = "bench.support@ars.test", "bench password 2026"
WORDS = ["LES TILLEULS", "LES GLYCINES", "SAINT JOSEPH", "LA ROSERAIE", "LE CLOS FLEURI", "BEL AIR", "LES CEDRES",
         "RESIDENCE DU PARC", "LES JARDINS", "VAL DE LOIRE", "LES MIMOSAS", "SAINTE MARIE"]
KINDS = ["EHPAD", "CENTRE HOSPITALIER", "SSIAD", "FOYER", "IME", "CLINIQUE", "MAS", "ESAT"]
BATCH = 5_000
TARGET_MS = 100


def _finess(dep: str, n: int) -> str:
    prefix = f"{dep[:2]}{n:06d}"[:8].ljust(8, "0")
    return next(prefix + str(d) for d in range(10) if luhn_ok(prefix + str(d)))


async def build(url: str, rows: int) -> dict:
    """Schema, reference data, ``rows`` EGs (one EJ per five EGs), one support account."""
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    async with session_factory(engine)() as session:
        await load_reference(session)
    rnd = random.Random(7)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        deps = (await conn.execute(select(Departement.code, Departement.region_code))).all()
        communes: dict[str, list[str]] = {}
        for code, dep in (await conn.execute(select(Commune.code, Commune.departement_code))).all():
            communes.setdefault(dep, []).append(code)
        cats = list((await conn.execute(
            select(Nomenclature.code).where(Nomenclature.system == CATEGORIE_EG))).scalars())
        deps = [(d, r) for d, r in deps if d in communes and d[:2].isdigit()]
        await conn.execute(insert(Account).values(email=EMAIL, role="support", password_hash=hash_password(PASSWORD),
                                                  active=True, created_at=now))
        started = time.perf_counter()
        for start in range(0, rows, BATCH):
            size = min(BATCH, rows - start)
            ej_rows, eg_rows = [], []
            for i in range(start, start + size, 5):
                dep, _ = deps[i % len(deps)]
                ej_rows.append(dict(finess=_finess(dep, 500_000 + i // 5), raison_sociale=f"ASSOCIATION {i // 5}",
                                    created_at=now, updated_at=now, version=1, placeholder=False))
            ej_ids = (await conn.execute(
                insert(EntiteJuridique).returning(EntiteJuridique.id), ej_rows)).scalars().all()
            for i in range(start, start + size):
                dep, region = deps[i % len(deps)]
                validated = None if rnd.random() < 0.3 else now - timedelta(days=rnd.randint(1, 900))
                eg_rows.append(dict(
                    finess=_finess(dep, i), entite_juridique_id=ej_ids[(i - start) // 5],
                    raison_sociale=f"{rnd.choice(KINDS)} {rnd.choice(WORDS)} {i}", categorie_code=rnd.choice(cats),
                    departement_code=dep, region_code=region, commune_code=rnd.choice(communes[dep]),
                    ferme=rnd.random() < 0.05, derniere_validation_at=validated, created_at=now, updated_at=now,
                    version=1, statut_description="valide" if validated else "a_completer"))
            await conn.execute(insert(Etablissement), eg_rows)
        load_s = time.perf_counter() - started
    if url.startswith("postgresql"):
        async with engine.connect() as conn:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text("ANALYZE"))
    else:
        async with engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
    await engine.dispose()
    return {"load_s": load_s, "sample_finess": _finess(deps[1234 % len(deps)][0], 1234), "sample_id": 1235}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "ROR_GRAPH_DATABASE_URL": url, "ROR_GRAPH_MEILI_MANAGED": "false", "ROR_GRAPH_DEBUG": "true",
           "ROR_GRAPH_SECRET_KEY": os.urandom(16).hex()}  # debug: plain-http cookies (no Secure flag) for the client
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "ror_graph.app:create_app", "--factory", "--host",
                             "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"], env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) the server process has used: unlike wall time, not inflated by other
    processes competing for the same cores."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def time_pages(base: str, pages: dict[str, tuple[str, dict]], repeat: int,
               pid: int) -> tuple[dict[str, list[float]], dict[str, float]]:
    results: dict[str, list[float]] = {}
    cpu: dict[str, float] = {}
    with httpx.Client(base_url=base, timeout=30) as http:
        login = http.get("/admin/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
        response = http.post("/admin/login", data={"username": EMAIL, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302, response.text[:300]
        for name, (path, params) in pages.items():
            samples = []
            http.get(path, params=params)  # warms the caches, not timed
            cpu_before = server_cpu(pid)
            for _ in range(repeat):
                started = time.perf_counter()
                page = http.get(path, params=params)
                samples.append(time.perf_counter() - started)
                assert page.status_code == 200, (name, page.status_code)
            results[name] = samples
            cpu[name] = (server_cpu(pid) - cpu_before) / repeat
    return results, cpu


async def baselines(url: str, repeat: int, offset: int) -> dict[str, list[float]]:
    engine = create_async_engine(url)
    page = select(Etablissement).order_by(Etablissement.id).limit(25)
    stmts = {
        "raw SELECT page 1": page,
        f"raw SELECT offset {offset}": page.offset(offset),
        "unbounded COUNT(*) (SQLAdmin default)": select(func.count()).select_from(select(Etablissement).subquery()),
        "name 'glycines': LIKE scan, first 25 (peer)": select(Etablissement.id).where(
            Etablissement.raison_sociale.ilike("%glycines%")).order_by(Etablissement.id).limit(25),
        "name 'glycines': trigram index, first 25": select(Etablissement.id).where(
            name_or_commune(make_url(url).get_backend_name(), "glycines")).order_by(Etablissement.id).limit(25),
    }
    out: dict[str, list[float]] = {}
    async with engine.connect() as conn:
        for name, stmt in stmts.items():
            samples = []
            for _ in range(repeat + 1):
                started = time.perf_counter()
                (await conn.execute(stmt)).all()
                samples.append(time.perf_counter() - started)
            out[name] = samples[1:]
    await engine.dispose()
    return out


async def prepare_pg(url: str) -> None:
    admin_url = make_url(url).set(database="postgres")
    name = make_url(url).database
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="Établissements to insert.")
    parser.add_argument("--repeat", type=int, default=20, help="Timed requests per page.")
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (database recreated); default SQLite.")
    parser.add_argument("--keep", action="store_true", help="Keep the SQLite file (its path is printed).")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="bench_admin_")
    url = normalise_database_url(args.database_url) if args.database_url else f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
    if url.startswith("postgresql"):
        asyncio.run(prepare_pg(url))
    built = asyncio.run(build(url, args.rows))
    print(f"database: {url.split('@')[-1]} — {args.rows:,} EGs inserted in {built['load_s']:.1f} s")
    deep = (args.rows // 25) // 2  # a page in the middle of the table
    eg_list, ej_list = "/admin/etablissement/list", "/admin/entite-juridique/list"
    pages = {
        "EG list: first page": (eg_list, {}),
        f"EG list: page {deep} (offset {(deep - 1) * 25:,})": (eg_list, {"page": deep}),
        "EG search FINESS": (eg_list, {"search": built["sample_finess"]}),
        "EG search name ('glycines')": (eg_list, {"search": "glycines"}),
        "EG search name fragment ('ines 12')": (eg_list, {"search": "ines 12"}),
        "EG search commune name ('lyon')": (eg_list, {"search": "lyon"}),
        "EG filter département 69": (eg_list, {"departement": "69"}),
        "EG filter à mettre à jour + ouverts": (eg_list, {"a_mettre_a_jour": "oui", "etat": "ouverts"}),
        "EG filter dép. 13 + à mettre à jour, page 5": (eg_list, {"departement": "13", "a_mettre_a_jour": "oui",
                                                                   "page": 5}),
        "EJ list: first page": (ej_list, {}),
        "EJ search name ('association 123')": (ej_list, {"search": "association 123"}),
        "EG page (identity, units, timeline)": (f"/admin/etablissement/details/{built['sample_id']}", {}),
    }
    proc, base = start_server(url)
    try:
        timings, cpu = time_pages(base, pages, args.repeat, proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    base_timings = asyncio.run(baselines(url, args.repeat, (deep - 1) * 25))
    load = os.getloadavg()[0]
    print(f"\nload average {load:.1f} on {os.cpu_count()} cores: wall times include waiting for a core; "
          "'server CPU' is the mean CPU time the server spent per request")
    print(f"{'back-office page over HTTP (25 rows)':<52}{'p50 ms':>9}{'p95 ms':>9}{'server CPU ms':>15}"
          f"  target p95 <= {TARGET_MS} ms")
    for name, samples in timings.items():
        p50, p95 = percentiles(samples)
        print(f"{name:<52}{p50 * 1000:>9.1f}{p95 * 1000:>9.1f}{cpu[name] * 1000:>15.1f}"
              f"  {'ok' if p95 * 1000 <= TARGET_MS else 'SLOW'}")
    print(f"\n{'baseline (same process, no HTTP)':<52}{'p50 ms':>9}{'p95 ms':>9}")
    for name, samples in base_timings.items():
        p50, p95 = percentiles(samples)
        print(f"{name:<52}{p50 * 1000:>9.1f}{p95 * 1000:>9.1f}")
    if not args.database_url and not args.keep:
        Path(tmp, "bench.sqlite3").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
