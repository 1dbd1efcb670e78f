"""Back-office list and search speed on 100,000 établissements (target: every page p95 ≤ 100 ms).

Builds a database (SQLite by default, ``--database-url`` for PostgreSQL; ``bench/admin_data.py``:
100,000 EGs, 20,000 EJs, one unit and one history row per EG, 20,000 anomalies, 2,000 accounts),
starts the real app with ``uvicorn ror_graph.app:create_app --factory`` in a subprocess, logs in as
support (admin for the accounts) and times every back-office list over HTTP: EGs (first page, a deep
page, searches by FINESS, name fragment and commune, filters, a search inside a filter), EJs, units,
anomalies, history, accounts, and the EG page.

``--before DIR`` (a checkout of the code to compare with, e.g. ``git worktree add /tmp/before main``)
serves the same database from that code at the same time; each page is requested from both servers
in turn (A, B, A, B…), so both see the same machine load. Baselines measured in the same run: the raw
SELECT of a page, the unbounded ``COUNT(*)`` SQLAdmin would run on every page, and the name search as
a plain ``LIKE '%…%'`` scan.

    .venv/bin/python bench/admin.py                    # 100,000 EGs, SQLite
    .venv/bin/python bench/admin.py --sqlite-path var/bench_admin.sqlite3 --before ../before  # kept, reused
    .venv/bin/python bench/admin.py --database-url postgresql://postgres@127.0.0.1:5432/bench_admin [--reuse]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.admin_data import ADMIN_EMAIL, EMAIL, PASSWORD, build, prepare_pg, samples
from ror_graph.models import Etablissement
from ror_graph.settings import normalise_database_url

TARGET_MS = 100


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url: str, tree: Path) -> tuple[subprocess.Popen, str]:
    """The app of the source tree ``tree`` on ``url`` (debug: plain-http cookies for the client)."""
    port = _free_port()
    env = {**os.environ, "ROR_GRAPH_DATABASE_URL": url, "ROR_GRAPH_MEILI_MANAGED": "false", "ROR_GRAPH_DEBUG": "true",
           "ROR_GRAPH_SECRET_KEY": os.urandom(16).hex(), "PYTHONPATH": str(tree)}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "ror_graph.app:create_app", "--factory", "--host",
                             "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
                            env=env, cwd=tree)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # a loaded machine takes its time to import the app
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def percentiles(samples_: list[float]) -> tuple[float, float]:
    ordered = sorted(samples_)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) the server process has used: unlike wall time, not inflated by other
    processes competing for the same cores."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_cpu(database: str) -> float:
    """CPU seconds used so far by the PostgreSQL backends of ``database`` (found by their process title,
    ``postgres: user database host(port) state``): the database's share of a request, which the server's
    own CPU does not hold. The bench sends one request at a time, so the difference around a request is
    that request's. 0 for SQLite (its work is in the server's CPU) or a database on another machine."""
    if not database:
        return 0.0
    total, marker = 0.0, f" {database} ".encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if (proc / "cmdline").read_bytes().startswith(b"postgres: ") and marker in (proc / "cmdline").read_bytes():
                total += server_cpu(int(proc.name))
        except (OSError, ValueError):
            continue
    return total


def login(base: str, email: str) -> httpx.Client:
    http = httpx.Client(base_url=base, timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', http.get("/admin/login").text).group(1)
    response = http.post("/admin/login", data={"username": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.text[:300]
    return http


def time_pages(servers: dict[str, tuple[subprocess.Popen, str]], pages: dict[str, tuple[str, str, dict]],
               repeat: int, database: str) -> dict[str, dict[str, tuple[list[float], float]]]:
    """For each page and server: wall times of ``repeat`` requests and mean CPU (server + PostgreSQL
    backends), servers in turn."""
    clients = {(name, role): login(base, ADMIN_EMAIL if role == "admin" else EMAIL)
               for name, (_, base) in servers.items() for role in ("support", "admin")}
    results: dict[str, dict[str, tuple[list[float], float]]] = {}
    for page, (role, path, params) in pages.items():
        walls: dict[str, list[float]] = {name: [] for name in servers}
        cpu: dict[str, float] = dict.fromkeys(servers, 0.0)
        for name in servers:
            clients[name, role].get(path, params=params)  # warms the caches, not timed
        for _ in range(repeat):
            for name, (proc, _) in servers.items():
                before = server_cpu(proc.pid) + database_cpu(database)
                started = time.perf_counter()
                response = clients[name, role].get(path, params=params)
                walls[name].append(time.perf_counter() - started)
                cpu[name] += server_cpu(proc.pid) + database_cpu(database) - before
                assert response.status_code == 200, (name, page, response.status_code)
        results[page] = {name: (walls[name], cpu[name] / repeat) for name in servers}
    for client in clients.values():
        client.close()
    return results


async def baselines(url: str, repeat: int, offset: int) -> dict[str, list[float]]:
    engine = create_async_engine(url)
    page = select(Etablissement).order_by(Etablissement.id).limit(25)
    stmts = {
        "raw SELECT page 1": page,
        f"raw SELECT offset {offset}": page.offset(offset),
        "unbounded COUNT(*) (SQLAdmin default)": select(func.count()).select_from(select(Etablissement).subquery()),
        "name 'glycines': LIKE scan, first 25": select(Etablissement.id).where(
            Etablissement.raison_sociale.ilike("%glycines%")).order_by(Etablissement.id).limit(25),
        "name 'glycines': LIKE scan, count": select(func.count()).where(
            Etablissement.raison_sociale.ilike("%glycines%")),
    }
    out: dict[str, list[float]] = {}
    async with engine.connect() as conn:
        for name, stmt in stmts.items():
            timings = []
            for _ in range(repeat + 1):
                started = time.perf_counter()
                (await conn.execute(stmt)).all()
                timings.append(time.perf_counter() - started)
            out[name] = timings[1:]
    await engine.dispose()
    return out


def pages_for(sample: dict) -> dict[str, tuple[str, str, dict]]:
    """Page name → (role, path, query) of every back-office list timed."""
    deep = (sample["rows"] // 25) // 2  # a page in the middle of the table
    eg, ej, unite = "/admin/etablissement/list", "/admin/entite-juridique/list", "/admin/unite/list"
    return {
        "EG list: first page": ("support", eg, {}),
        f"EG list: page {deep} (offset {(deep - 1) * 25:,})": ("support", eg, {"page": deep}),
        "EG search FINESS": ("support", eg, {"search": sample["finess"]}),
        "EG search name ('glycines')": ("support", eg, {"search": "glycines"}),
        "EG search name fragment ('ines 12')": ("support", eg, {"search": "ines 12"}),
        "EG search commune name ('lyon')": ("support", eg, {"search": "lyon"}),
        "EG search nothing found ('zzqx')": ("support", eg, {"search": "zzqx"}),
        "EG search 'glycines' in dép. 13": ("support", eg, {"search": "glycines", "departement": "13"}),
        "EG search 'glycines', page 15": ("support", eg, {"search": "glycines", "page": 15}),
        "EG filter département 69": ("support", eg, {"departement": "69"}),
        "EG filter à mettre à jour + ouverts": ("support", eg, {"a_mettre_a_jour": "oui", "etat": "ouverts"}),
        "EG filter dép. 13 + à mettre à jour, page 5": ("support", eg, {"departement": "13",
                                                                         "a_mettre_a_jour": "oui", "page": 5}),
        "EJ list: first page": ("support", ej, {}),
        "EJ search name ('association 123')": ("support", ej, {"search": "association 123"}),
        "Unit list: first page": ("support", unite, {}),
        "Unit search identifier": ("support", unite, {"search": sample["unite"]}),
        "Unit search name ('jour 4321')": ("support", unite, {"search": "jour 4321"}),
        "Anomalies: first page": ("support", "/admin/anomalie/list", {}),
        "Anomalies: ouvertes": ("support", "/admin/anomalie/list", {"statut": "ouverte"}),
        "History: first page": ("support", "/admin/audit-log/list", {}),
        "History search FINESS": ("support", "/admin/audit-log/list", {"search": sample["finess"]}),
        "Accounts: first page": ("admin", "/admin/account/list", {}),
        "Accounts search ('referent12')": ("admin", "/admin/account/list", {"search": "referent12"}),
        "EG page (identity, units, timeline)": ("support", f"/admin/etablissement/details/{sample['eg_id']}", {}),
    }


def report(timings: dict, base_timings: dict[str, list[float]]) -> None:
    load = os.getloadavg()[0]
    print(f"\nload average {load:.1f} on {os.cpu_count()} cores: wall times include waiting for a core; "
          "'CPU' is the mean CPU time the server (and PostgreSQL's backends) spent per request")
    names = list(next(iter(timings.values())))
    header = "".join(f"{name + ' p50':>12}{name + ' p95':>12}{name + ' CPU':>12}" for name in names)
    print(f"{'back-office page over HTTP (25 rows), ms':<48}{header}  target p95 <= {TARGET_MS} ms ({names[0]})")
    for page, by_server in timings.items():
        cells = ""
        for samples_, cpu in by_server.values():
            p50, p95 = percentiles(samples_)
            cells += f"{p50 * 1000:>12.1f}{p95 * 1000:>12.1f}{cpu * 1000:>12.1f}"
        p95_after = percentiles(by_server[names[0]][0])[1] * 1000
        print(f"{page:<48}{cells}  {'ok' if p95_after <= TARGET_MS else 'SLOW'}")
    print(f"\n{'baseline (same process, no HTTP)':<48}{'p50 ms':>12}{'p95 ms':>12}")
    for name, samples_ in base_timings.items():
        p50, p95 = percentiles(samples_)
        print(f"{name:<48}{p50 * 1000:>12.1f}{p95 * 1000:>12.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="Établissements to insert.")
    parser.add_argument("--repeat", type=int, default=20, help="Timed requests per page and server.")
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (recreated unless --reuse); default SQLite.")
    parser.add_argument("--sqlite-path", default="", help="SQLite file to build and keep (reused with --reuse).")
    parser.add_argument("--reuse", action="store_true", help="Time the database already built by a previous run.")
    parser.add_argument("--before", default="", help="Source tree of the code to compare with, served in turn.")
    args = parser.parse_args()
    path = Path(args.sqlite_path or Path(tempfile.mkdtemp(prefix="bench_admin_")) / "bench.sqlite3").resolve()
    url = normalise_database_url(args.database_url) if args.database_url else f"sqlite+aiosqlite:///{path}"
    if not args.reuse:
        if url.startswith("postgresql"):
            asyncio.run(prepare_pg(url))
        else:
            path.unlink(missing_ok=True)
        built = asyncio.run(build(url, args.rows))
        print(f"database: {url.split('@')[-1]} — {args.rows:,} EGs and satellites inserted in {built['load_s']:.1f} s")
    sample = asyncio.run(samples(url))
    trees = {"after": Path(__file__).resolve().parent.parent}
    if args.before:
        trees["before"] = Path(args.before).resolve()
    servers: dict[str, tuple[subprocess.Popen, str]] = {}
    try:
        for name, tree in trees.items():
            servers[name] = start_server(url, tree)
        database = make_url(url).database if url.startswith("postgresql") else ""
        timings = time_pages(servers, pages_for(sample), args.repeat, database or "")
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(timeout=10)
    deep = (sample["rows"] // 25) // 2
    report(timings, asyncio.run(baselines(url, args.repeat, (deep - 1) * 25)))
    if not args.database_url and not args.sqlite_path:
        path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
