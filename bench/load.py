"""Load benchmark: a mixed workload against ``ror-graph serve`` with 1, then 2 (then more) workers.

    .venv/bin/python bench/load.py [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--offers 300000]
                                   [--workers 1 2] [--seconds 30] [--concurrency 16] [--keep DIR]
                                   [--indexing-memory default 256MiB] [--layout recent direct]

What it does, in one run (the 1-worker line is the baseline of the others, same machine, same data):

1. creates a private PostgreSQL database (dropped at the end unless ``--keep``), with the schema at the
   migrations' head, the reference data and ``--offers`` synthetic offers (``bench/search.py``'s
   generator: real NOS codes per FINESS category on real communes; the national volume is ≈ 130k EG and
   300k offers), plus an admin account; indexes it into an external Meilisearch (a second process) with
   ``reindex``. ``--keep DIR`` keeps the database and the index in DIR and reuses them next time
   (building 300k offers and indexing them takes about 10 minutes on 2 cores);
2. for each ``--indexing-memory`` (Meilisearch restarted with that ``--max-indexing-memory``; ``default``
   is Meilisearch's own, two thirds of the RAM) and each worker count: ``ror-graph serve --workers N``,
   then ``--concurrency`` clients for ``--seconds``, each request drawn at random: 70 % nested directory
   pages (GraphQL établissements → offers → codes, lieux), 20 % searches (``/api/search``, text +
   département + facets), 8 % lookups (``etablissement(finess)``), 2 % writes (``modifierUnite``
   renaming an offer, admin token); after each write a watcher polls ``/api/search`` for the new name:
   write → searchable delay;
   Each line runs with each ``--layout``: ``recent`` (writes go to ``offres_recent``, the default) and
   ``direct`` (``ROR_GRAPH_SEARCH_RECENT_INDEX=false``: straight to the national index); the recent
   layer is compacted into the national index before each line, so every line starts from the same state;
3. prints one table: requests/s, p50/p95/p99 latency, errors (must be 0), write → searchable p50/p95/max,
   and what Meilisearch itself spent: its document batches (count, p50/p95 duration) and the
   "writing geo points" step of their progress trace, the part that grows with the index.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import random
import secrets
import string
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from ror_graph.db import alembic_config  # noqa: E402
from ror_graph.settings import normalise_database_url  # noqa: E402
from search_index.server import INDEXING_MEMORY, ManagedMeili, free_port  # noqa: E402

ADMIN, PASSWORD = "bench@example.org", "un mot de passe de bench"
MIX = (("directory", 70), ("search", 20), ("lookup", 8), ("write", 2))
PAGE = """query($dep: String!) { etablissements(first: 10, filter: {departements: [$dep]}) { nodes {
  finess raisonSociale categorie { code label }
  unites { identifiant nom champActivite { code label } activites { code label } publics { code label }
           lieux { nom adresse { communeCode } } } } pageInfo { endCursor hasNextPage } } }"""
LOOKUP = """query($f: String!) { etablissement(finess: $f) { finess raisonSociale telephone
  categorie { code label } adresse { libelleVoie codePostal communeCode } } }"""
VERSION = "query($i: String!) { unite(identifiant: $i) { version } }"
RENAME = """mutation($i: String!, $v: Int!, $n: String!) { modifierUnite(identifiant: $i, version: $v,
  input: {nom: $n}) { __typename } }"""
LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { ... on LoginPayload { token } } }"
WATCH_SECONDS = 60
TEXTS = ["ehpad", "soins infirmiers", "accueil de jour", "hébergement", "pédiatrie", "addictologie", "ssiad"]


def bench_module(name: str):
    """Another bench script as a module (``bench/`` is not a package)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def generator():
    """``bench/search.py``'s synthetic data builder (same data shape as the search benchmark)."""
    return bench_module("search")


def seconds(value: str) -> float:
    """A Meilisearch duration in seconds (``bench/sync_cost.py`` parses both of its notations)."""
    return bench_module("sync_cost").seconds(value)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    visible: list[float] = field(default_factory=list)
    invisible: int = 0
    batches: list[float] = field(default_factory=list)  # Meilisearch document batches: duration (s)
    geo: list[float] = field(default_factory=list)  # ... of which "writing geo points" (s)


def ror(env: dict, *args: str) -> None:
    done = subprocess.run([str(Path(sys.executable).parent / "ror-graph"), *args], env=env, capture_output=True,
                          text=True, check=False)
    if done.returncode:
        raise SystemExit(f"ror-graph {' '.join(args)}: {done.stderr[-2000:]}")


async def prepare(
    server_url: str, offers: int, workdir: Path, keep: Path | None
) -> tuple[str, dict, ManagedMeili, list, list]:
    """Private database with data, admin account, external Meilisearch indexed; returns what requests need.

    With ``keep`` the database and the Meilisearch data directory outlive the run (building 300k offers
    takes minutes): a later run with the same ``keep`` reuses them instead of building again.
    """
    saved = keep / "state.json" if keep else None
    if saved and saved.exists():
        url = json.loads(saved.read_text())["url"]
        meili = ManagedMeili.shared(keep / "meili", timeout=120)  # type: ignore[operator]
        print(f"reusing {make_url(url).database} and its index")
    else:
        url, meili = await build(server_url, offers, keep or workdir)
        if saved:
            saved.write_text(json.dumps({"url": url, "offers": offers}))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ROR_GRAPH_")},
           "ROR_GRAPH_DATABASE_URL": url, "ROR_GRAPH_MEILI_URL": meili.url, "ROR_GRAPH_MEILI_KEY": meili.master_key,
           "ROR_GRAPH_DATA_DIR": str(workdir / "var"), "ROR_GRAPH_SECRET_KEY": "bench-secret-key",
           "ROR_GRAPH_LOG_FORMAT": "text"}
    ror(env, "migrate")  # a kept database may predate the newest migrations (e.g. 0018 search_shadow)
    if not (saved and saved.exists() and json.loads(saved.read_text()).get("indexed")):
        ror(env, "create-account", "--email", ADMIN, "--role", "admin", "--password", PASSWORD)
        started = time.perf_counter()
        ror(env, "reindex")
        print(f"reindex: {time.perf_counter() - started:.1f} s")
        if saved:
            saved.write_text(json.dumps({"url": url, "offers": offers, "indexed": True}))
    conn = await asyncpg.connect(url)
    finess = [r[0] for r in await conn.fetch("SELECT finess FROM etablissement ORDER BY random() LIMIT 2000")]
    identifiants = [r[0] for r in await conn.fetch(
        "SELECT identifiant FROM unite WHERE NOT unite_sensible ORDER BY random() LIMIT 5000")]
    deps = sorted(r[0] for r in await conn.fetch(
        "SELECT DISTINCT c.departement_code FROM commune c JOIN departement d ON d.code = c.departement_code "
        "WHERE c.latitude IS NOT NULL"))
    await conn.close()
    return url, env, meili, [finess, identifiants], deps


async def build(server_url: str, offers: int, where: Path) -> tuple[str, ManagedMeili]:
    """Create and fill the database (schema stamped at head) and start a Meilisearch in ``where``."""
    name = f"rg_load_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(server_url)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    started = time.perf_counter()
    await generator().build_database(normalise_database_url(url), offers, seed=7)
    print(f"database: {offers:,} offers in {time.perf_counter() - started:.0f} s")
    from alembic import command

    await asyncio.to_thread(command.stamp, alembic_config(normalise_database_url(url)), "head")  # models = head
    return url, ManagedMeili.shared(where / "meili", timeout=120)


async def request(http: httpx.AsyncClient, kind: str, rng: random.Random, ctx: dict, tally: Tally) -> None:
    started = time.perf_counter()
    try:
        if kind == "directory":
            answer = await http.post("/graphql", json={"query": PAGE, "variables": {"dep": rng.choice(ctx["deps"])}})
        elif kind == "search":
            answer = await http.get("/api/search", params={"q": rng.choice(TEXTS), "departement": rng.choice(
                ctx["deps"]), "facets": "typeOffre,champActivite,public"})
        elif kind == "lookup":
            answer = await http.post("/graphql", json={"query": LOOKUP, "variables": {"f": rng.choice(ctx["finess"])}})
        else:
            answer = await write(http, rng, ctx, tally)
        ok = answer.status_code == 200 and not (kind != "search" and answer.json().get("errors"))
    except httpx.HTTPError as exc:
        ok, answer = False, None
        tally.error_samples.append(f"{kind}: {exc!r}")
    tally.latencies.append(time.perf_counter() - started)
    if not ok:
        tally.errors += 1
        if answer is not None and len(tally.error_samples) < 5:
            tally.error_samples.append(f"{kind}: {answer.status_code} {answer.text[:200]}")


async def write(http: httpx.AsyncClient, rng: random.Random, ctx: dict, tally: Tally) -> httpx.Response:
    """Rename an offer not renamed yet in this run, then watch search until the new name is found."""
    identifiant = ctx["identifiants"].pop()
    auth = {"Authorization": f"Bearer {ctx['token']}"}
    version = (await http.post("/graphql", json={"query": VERSION, "variables": {"i": identifiant}},
                               headers=auth)).json()["data"]["unite"]["version"]
    # never seeded: a marker of an earlier line or run (kept database) would be "found" at once
    marker = "zq" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(12))
    answer = await http.post("/graphql", json={"query": RENAME, "variables": {
        "i": identifiant, "v": version, "n": f"Offre {marker}"}}, headers=auth)
    ctx["watchers"].append(asyncio.create_task(watch(http, marker, time.perf_counter(), tally)))
    return answer


async def watch(http: httpx.AsyncClient, marker: str, written: float, tally: Tally) -> None:
    while time.perf_counter() - written < WATCH_SECONDS:
        try:
            if (await http.get("/api/search", params={"q": marker})).json().get("total"):
                tally.visible.append(time.perf_counter() - written)
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.05)
    tally.invisible += 1


async def load(base: str, ctx: dict, seconds: float, concurrency: int, seed: int) -> tuple[Tally, float]:
    tally, deadline = Tally(), time.perf_counter() + seconds
    kinds, weights = [k for k, _ in MIX], [w for _, w in MIX]
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
        login = await http.post("/graphql", json={"query": LOGIN, "variables": {"e": ADMIN, "p": PASSWORD}})
        ctx["token"] = login.json()["data"]["login"]["token"]
        ctx["watchers"] = []

        async def client(number: int) -> None:
            rng = random.Random(seed * 1000 + number)
            while time.perf_counter() < deadline:
                await request(http, rng.choices(kinds, weights)[0], rng, ctx, tally)

        started = time.perf_counter()
        await asyncio.gather(*(client(i) for i in range(concurrency)))
        wall = time.perf_counter() - started
        await asyncio.gather(*ctx["watchers"])
    return tally, wall


def serve(env: dict, workers: int, workdir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([str(Path(sys.executable).parent / "ror-graph"), "serve", "--workers", str(workers),
                                "--port", str(port)], env=env, cwd=workdir,
                               stdout=(workdir / f"serve-{workers}.log").open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise SystemExit(f"server did not start; see {workdir / f'serve-{workers}.log'}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default=os.environ.get("ROR_GRAPH_TEST_DATABASE_URL",
                                                       "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--offers", type=int, default=300_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--keep", type=Path, help="directory keeping the database and index between runs")
    parser.add_argument("--layout", nargs="+", choices=["recent", "direct"], default=["recent", "direct"],
                        help="recent = writes through offres_recent (default setting); direct = straight to offres")
    parser.add_argument("--indexing-memory", nargs="+", default=[INDEXING_MEMORY],
                        help=f"Meilisearch --max-indexing-memory values to compare ('default' = Meilisearch's "
                             f"own, two thirds of the RAM); default: the project's {INDEXING_MEMORY}")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="rg_load_"))
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    url, env, meili, (finess, identifiants), deps = await prepare(args.pg, args.offers, workdir, args.keep)
    rows = []
    try:
        for memory in args.indexing_memory:
            meili = restart_with(meili, memory)
            for layout in args.layout:
                for workers in args.workers:
                    await empty_recent_layer(url, meili)
                    line_env = {**env, "ROR_GRAPH_SEARCH_RECENT_INDEX": str(layout == "recent").lower()}
                    process, base = serve(line_env, workers, workdir)
                    try:
                        ctx = {"deps": deps, "finess": finess, "identifiants": identifiants}
                        since = datetime.now(UTC).isoformat()
                        tally, wall = await load(base, ctx, args.seconds, args.concurrency, seed=workers)
                        await meili_batches(meili, since, tally)
                    finally:
                        process.terminate()
                        process.wait(timeout=60)
                    rows.append((f"{memory} {layout}", workers, tally, wall))
        await empty_recent_layer(url, meili)
    finally:
        meili.stop()
        if not args.keep:
            conn = await asyncpg.connect(args.pg)
            await conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
            await conn.close()
    report(args, rows)


async def empty_recent_layer(url: str, meili: ManagedMeili) -> None:
    """Apply the settings in code to both indexes (a change, e.g. a new filterable attribute, re-indexes
    the national index: seconds at 300k, not to be timed in a line), then compact the recent layer into
    the national index (what the worker does when it is due)."""
    from ror_graph.db import make_engine, session_factory
    from search_index.client import meili_client
    from search_index.indexer import ensure_index
    from search_index.recent import LEASE_WAIT, compact_leased, ensure_recent

    engine = make_engine(normalise_database_url(url))
    try:
        async with meili_client(meili.url, meili.master_key, timeout=120) as client:
            started = time.perf_counter()
            await ensure_index(client, "offres")
            await ensure_recent(client, "offres")
            print(f"index settings applied in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            moved = await compact_leased(session_factory(engine), client, "offres", owner="bench-load",
                                         wait=LEASE_WAIT)
            if moved:
                print(f"compacted {moved} offers of offres_recent into offres in {time.perf_counter() - started:.1f} s")
    finally:
        await engine.dispose()


async def meili_batches(meili: ManagedMeili, since: str, tally: Tally) -> None:
    """Durations of the document batches Meilisearch ran since ``since``, and their geo step (progress trace)."""
    async with httpx.AsyncClient(base_url=meili.url, timeout=30,
                                 headers={"Authorization": f"Bearer {meili.master_key}"}) as http:
        found = (await http.get("/batches", params={"afterStartedAt": since, "limit": 1000, "statuses": "succeeded",
                                                    "types": "documentAdditionOrUpdate,documentDeletion"})).json()
    for batch in found.get("results", []):
        tally.batches.append(seconds(batch["duration"]))
        trace = batch.get("stats", {}).get("progressTrace") or {}
        tally.geo.append(sum(seconds(v) for k, v in trace.items() if k.endswith("> writing geo points")))


def restart_with(meili: ManagedMeili, memory: str) -> ManagedMeili:
    """The same Meilisearch (port, key, data) restarted with another ``--max-indexing-memory``."""
    meili.stop()
    two_thirds = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") * 2 // 3  # Meilisearch's default
    os.environ["MEILI_MAX_INDEXING_MEMORY"] = str(two_thirds) if memory == "default" else memory
    return ManagedMeili.shared(meili.data_dir, timeout=120)


def report(args: argparse.Namespace, rows: list) -> None:
    print(f"\nvolume: {args.offers:,} offers · {args.concurrency} clients · {args.seconds:.0f} s per line · "
          f"mix {', '.join(f'{k} {w} %' for k, w in MIX)} · {os.cpu_count()} CPUs · load average "
          f"{' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(f"{'memory, layout':>16} {'workers':>7} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'errors':>7} {'writes':>7} {'w→s p50 s':>10} {'w→s p95 s':>10} {'w→s max s':>10} "
          f"{'batches':>8} {'batch p50/p95 s':>16} {'geo p50 s':>10}")
    for memory, workers, tally, wall in rows:
        lat, seen = tally.latencies, tally.visible
        print(f"{memory:>16} {workers:>7} {len(lat) / wall:>8.1f} {pct(lat, .5) * 1000:>8.1f} "
              f"{pct(lat, .95) * 1000:>8.1f} {pct(lat, .99) * 1000:>8.1f} {tally.errors:>7} "
              f"{len(seen) + tally.invisible:>7} {pct(seen, .5):>10.2f} {pct(seen, .95):>10.2f} "
              f"{max(seen, default=float('nan')):>10.2f} {len(tally.batches):>8} "
              f"{pct(tally.batches, .5):>7.2f}/{pct(tally.batches, .95):<8.2f} {pct(tally.geo, .5):>10.2f}")
        for sample in tally.error_samples[:3]:
            print(f"        error: {sample}")
        if tally.invisible:
            print(f"        {tally.invisible} writes not searchable within {WATCH_SECONDS} s")
    for memory in sorted({m for m, _, _, _ in rows}):
        lines = [(w, t, wall) for m, w, t, wall in rows if m == memory]
        if len(lines) > 1 and lines[0][2]:
            base_rate = len(lines[0][1].latencies) / lines[0][2]
            print(f"{memory}: speed-up vs {lines[0][0]} worker(s): " + ", ".join(
                f"{w} workers ×{len(t.latencies) / wall / base_rate:.2f}" for w, t, wall in lines[1:]))

if __name__ == "__main__":
    asyncio.run(main())
