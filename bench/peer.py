"""ror_graph against PostGraphile 4 on the same PostgreSQL data, same queries, identical JSON (issue 13).

Builds (or reuses) the ``bench/graphql.py`` directory (10,000 EG, ~30,000 units, ~90,000 unit codes)
in a PostgreSQL database of its own, installs PostGraphile 4 from npm into ``.cache/bench/`` (a
bench-only tool: ``make run`` and ``make test`` never need it), serves both on that database, checks
that both answer the same JSON for each query (25 variable sets each), then drives both with ``wrk``
(``apt-get install wrk``) in interleaved A/B rounds with 1 and 4 clients:

* (a) 15 EG of a département + their visible units + activité / public codes + lieux;
* (b) one EG by FINESS + its visible units;
* (c) 100 visible units of one département;
* (d) the 100-EG full page: units, activités, publics, contacts, telecoms, horaires, lieux, capacités.

PostGraphile sees the same rules as the anonymous caller of ror_graph through its ``condition``
arguments (no sensitive unit, contacts of level 1) and a SQL function for (c); its connections'
``nodes`` wrappers and ``_`` aliases are unwrapped before comparing. The floor: the same JSON built
by one PostgreSQL statement per request through asyncpg, in-process, without HTTP nor GraphQL.

    .venv/bin/python bench/peer.py                       # 2 rounds of 5 s per cell
    .venv/bin/python bench/peer.py --rounds 3 --seconds 10 --workers 1,2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

# This folder holds bench/graphql.py, named like the graphql-core package: keep it off sys.path.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from bench.graphql import build, free_port  # noqa: E402

CACHE = ROOT / ".cache" / "bench" / "postgraphile"
POSTGRAPHILE = "postgraphile@4"
DEPARTEMENTS = ["44", "49", "53", "72", "85", "75", "69", "13", "33", "59", "67", "31", "35", "29", "06", "34"]

UNITE_A = "identifiant nom activites { code } publics { code } lieux { nom }"
PEER_UNITE_A = (
    'identifiant nom activites: uniteCodesByUniteId(condition: {attribute: "activite"}, orderBy: [CODE_ASC, ID_ASC])'
    ' { nodes { code } } publics: uniteCodesByUniteId(condition: {attribute: "public"}, orderBy: [CODE_ASC, ID_ASC])'
    " { nodes { code } } lieux: uniteLieusByUniteId(orderBy: LIEU_ID_ASC) { nodes { _: lieuByLieuId { nom } } }"
)
PEER_UNITES = "unites: unitesByEtablissementId(condition: {uniteSensible: false}, orderBy: [NOM_ASC, ID_ASC])"
UNITE_D = (
    "identifiant nom ageMin ageMax activites { code } publics { code } contacts { nom telecoms { valeur } }"
    " horaires { jour } lieux { nom capacites { nombre } }"
)
PEER_UNITE_D = (
    'identifiant nom ageMin ageMax activites: uniteCodesByUniteId(condition: {attribute: "activite"},'
    ' orderBy: [CODE_ASC, ID_ASC]) { nodes { code } } publics: uniteCodesByUniteId(condition: {attribute:'
    ' "public"}, orderBy: [CODE_ASC, ID_ASC]) { nodes { code } } contacts: contactsByUniteId(condition:'
    " {confidentialite: 1}, orderBy: ID_ASC) { nodes { nom telecoms: telecomsByContactId(condition:"
    " {confidentialite: 1}, orderBy: ID_ASC) { nodes { valeur } } } } horaires: horairesByUniteId(orderBy:"
    " [JOUR_ASC, HEURE_DEBUT_ASC, ID_ASC]) { nodes { jour } } lieux: uniteLieusByUniteId(orderBy: LIEU_ID_ASC)"
    " { nodes { _: lieuByLieuId { nom capacites: capacitesByLieuId(orderBy: [NATURE_CODE_ASC, STATUT_CODE_ASC,"
    " ID_ASC]) { nodes { nombre } } } } }"
)
QUERIES = {
    "a": (
        "query($dep: String!) { etablissements(first: 15, filter: {departements: [$dep]}) { nodes {"
        f" finess raisonSociale unites {{ {UNITE_A} }} }} }} }}",
        "query($dep: String!) { etablissements: allEtablissements(first: 15, condition: {departementCode: $dep},"
        f" orderBy: [FINESS_ASC, ID_ASC]) {{ nodes {{ finess raisonSociale {PEER_UNITES} {{ nodes {{ {PEER_UNITE_A}"
        " } } } } }",
    ),
    "b": (
        "query($finess: String!) { etablissement(finess: $finess) { finess raisonSociale telephone"
        " unites { identifiant nom ageMin ageMax } } }",
        "query($finess: String!) { etablissement: etablissementByFiness(finess: $finess) { finess raisonSociale"
        f" telephone {PEER_UNITES} {{ nodes {{ identifiant nom ageMin ageMax }} }} }} }}",
    ),
    "c": (
        "query($dep: String!) { unites(first: 100, filter: {departements: [$dep]}) { nodes {"
        " identifiant nom ageMin ageMax } } }",
        "query($dep: String!) { unites: unitesOfDepartement(dep: $dep, first: 100) { nodes {"
        " identifiant nom ageMin ageMax } } }",
    ),
    "d": (
        "query($dep: String!) { etablissements(first: 100, filter: {departements: [$dep]}) { nodes {"
        f" finess raisonSociale unites {{ {UNITE_D} }} }} }} }}",
        "query($dep: String!) { etablissements: allEtablissements(first: 100, condition: {departementCode: $dep},"
        f" orderBy: [FINESS_ASC, ID_ASC]) {{ nodes {{ finess raisonSociale {PEER_UNITES} {{ nodes {{ {PEER_UNITE_D}"
        " } } } } }",
    ),
}
TITLES = {"a": "(a) 15 EG + units + codes + lieux", "b": "(b) one EG by FINESS + units",
          "c": "(c) 100 units of one département", "d": "(d) 100-EG full page"}

# PostgreSQL-side objects the peer needs to express the same reads: finess as a unique *constraint*
# (PostGraphile 4 derives ``etablissementByFiness`` from constraints, not from unique indexes), and (c).
PEER_SQL = [
    """DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'etablissement_finess_key') THEN
       ALTER TABLE etablissement ADD CONSTRAINT etablissement_finess_key UNIQUE USING INDEX ix_etablissement_finess;
       END IF; END $$""",
    """CREATE OR REPLACE FUNCTION unites_of_departement(dep text) RETURNS SETOF unite AS $$
       SELECT u.* FROM unite u WHERE u.unite_sensible IS NOT TRUE
       AND u.etablissement_id IN (SELECT e.id FROM etablissement e WHERE e.departement_code = dep) ORDER BY u.id
       $$ LANGUAGE sql STABLE""",
    "ANALYZE",
]

# The floor: each response built by PostgreSQL in one statement (what PostGraphile does), via asyncpg.
_CODES = ("(SELECT coalesce(json_agg(json_build_object('code', c.code) ORDER BY c.code, c.id), '[]') FROM unite_code c"
          " WHERE c.unite_id = u.id AND c.attribute = '{}')")
FLOOR_SQL = {
    "a": "SELECT json_build_object('data', json_build_object('etablissements', json_build_object('nodes', coalesce(("
         "SELECT json_agg(json_build_object('finess', e.finess, 'raisonSociale', e.raison_sociale, 'unites', (SELECT"
         " coalesce(json_agg(json_build_object('identifiant', u.identifiant, 'nom', u.nom, 'activites', "
         + _CODES.format("activite") + ", 'publics', " + _CODES.format("public") + ", 'lieux', (SELECT coalesce("
         "json_agg(json_build_object('nom', l.nom) ORDER BY l.id), '[]') FROM unite_lieu ul JOIN lieu l ON l.id ="
         " ul.lieu_id WHERE ul.unite_id = u.id)) ORDER BY u.nom, u.id), '[]') FROM unite u WHERE u.etablissement_id"
         " = e.id AND u.unite_sensible IS NOT TRUE)) ORDER BY e.finess, e.id) FROM (SELECT * FROM etablissement"
         " WHERE departement_code = $1 ORDER BY finess, id LIMIT 15) e), '[]'))))::text",
    "b": "SELECT json_build_object('data', json_build_object('etablissement', (SELECT json_build_object('finess',"
         " e.finess, 'raisonSociale', e.raison_sociale, 'telephone', e.telephone, 'unites', (SELECT coalesce("
         "json_agg(json_build_object('identifiant', u.identifiant, 'nom', u.nom, 'ageMin', u.age_min, 'ageMax',"
         " u.age_max) ORDER BY u.nom, u.id), '[]') FROM unite u WHERE u.etablissement_id = e.id AND u.unite_sensible"
         " IS NOT TRUE)) FROM etablissement e WHERE e.finess = $1)))::text",
    "c": "SELECT json_build_object('data', json_build_object('unites', json_build_object('nodes', coalesce((SELECT"
         " json_agg(json_build_object('identifiant', u.identifiant, 'nom', u.nom, 'ageMin', u.age_min, 'ageMax',"
         " u.age_max) ORDER BY u.id) FROM (SELECT * FROM unites_of_departement($1) LIMIT 100) u), '[]'))))::text",
}

WRK_SCRIPT = """
local bodies, i = {}, 0
for line in io.lines(os.getenv("BODIES")) do bodies[#bodies + 1] = line end
request = function()
  i = i + 1
  return wrk.format("POST", "/graphql", {["Content-Type"] = "application/json"}, bodies[(i % #bodies) + 1])
end
done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout
  io.write(string.format("RESULT %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), bad))
end
"""


@dataclass
class Cell:
    """wrk results of one (query, clients, server) cell over the rounds."""

    requests: int = 0
    micros: int = 0
    p50: list[float] = field(default_factory=list)
    p95: list[float] = field(default_factory=list)
    errors: int = 0

    def add(self, requests: int, micros: int, p50: int, p95: int, errors: int) -> None:
        self.requests, self.micros, self.errors = self.requests + requests, self.micros + micros, self.errors + errors
        self.p50.append(p50 / 1000)
        self.p95.append(p95 / 1000)

    @property
    def rate(self) -> float:
        return self.requests / (self.micros / 1e6) if self.micros else 0.0

    def text(self) -> str:
        return f"{statistics.median(self.p50):7.2f} {max(self.p95):7.2f} {self.rate:8.1f}"


# --- the database ---------------------------------------------------------------------------------


async def ensure_database(admin_url: str, name: str, count: int, seed: int) -> str:
    """The URL of database ``name`` holding the generated directory of ``count`` EGs (built when absent)."""
    base = admin_url.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    admin = await asyncpg.connect(admin_url)
    try:
        present = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if present:
            db = await asyncpg.connect(url)
            try:
                have = await db.fetchval("SELECT count(*) FROM etablissement")
            except asyncpg.PostgresError:
                have = -1
            finally:
                await db.close()
            if have == count:
                return url
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    started = time.perf_counter()
    await build(url.replace("postgresql://", "postgresql+asyncpg://", 1), count, seed)
    db = await asyncpg.connect(url)
    try:
        for statement in PEER_SQL:
            await db.execute(statement)
    finally:
        await db.close()
    print(f"built {name} with {count} EGs in {time.perf_counter() - started:.1f} s")
    return url


# --- the servers ----------------------------------------------------------------------------------


def ensure_postgraphile() -> Path:
    """The PostGraphile 4 command line, installed from npm into the bench cache when missing."""
    cli = CACHE / "node_modules" / ".bin" / "postgraphile"
    if not cli.exists():
        if shutil.which("npm") is None:
            raise SystemExit("npm is needed to install PostGraphile for this bench")
        CACHE.mkdir(parents=True, exist_ok=True)
        (CACHE / "package.json").write_text('{"private": true}\n')
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(CACHE), POSTGRAPHILE], check=True)
    return cli


def start_ror_graph(url: str, port: int, workers: int, stack: str, code: Path = ROOT) -> subprocess.Popen:
    """What ``ror-graph serve --workers N`` runs, on the checkout ``code``; ``stack`` "asyncio": stdlib loop and h11."""
    env = {**os.environ, "PYTHONPATH": str(code), "ROR_GRAPH_DATABASE_URL": url, "ROR_GRAPH_MEILI_MANAGED": "false",
           "ROR_GRAPH_MEILI_URL": "",
           "ROR_GRAPH_DATA_DIR": tempfile.gettempdir(), "ROR_GRAPH_SECRET_KEY": "bench-peer",
           "ROR_GRAPH_MAX_QUERY_COST": "100000"}  # (d) is estimated at 77,801 nodes; the default limit is 25,000
    loop = ["--loop", "asyncio", "--http", "h11"] if stack == "asyncio" else ["--loop", "auto", "--http", "auto"]
    command = [sys.executable, "-m", "uvicorn", "ror_graph.app:create_app", "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log", *loop]
    return subprocess.Popen(command, env=env, cwd=code, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def start_postgraphile(cli: Path, url: str, port: int) -> subprocess.Popen:
    command = [str(cli), "-c", url, "-s", "public", "-n", "127.0.0.1", "-p", str(port), "--disable-query-log",
               "--disable-graphiql", "--disable-default-mutations", "--no-setof-functions-contain-nulls"]
    return subprocess.Popen(command, cwd=CACHE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def wait_graphql(base: str, server: subprocess.Popen) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=5) as client:
        for _ in range(300):
            if server.poll() is not None:
                raise SystemExit(f"the server at {base} exited during start-up")
            try:
                if (await client.post("/graphql", json={"query": "{ __typename }"})).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise SystemExit(f"the server at {base} did not start")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


# --- same JSON ------------------------------------------------------------------------------------


def unwrap(value):
    """The peer's JSON in ror_graph's shape: ``{"nodes": [...]}`` and ``{"_": x}`` become their content."""
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) in ("nodes", "_"):
            key = next(iter(value))
            if key == "_" or isinstance(value[key], list):
                return unwrap(value[key])
        return {k: unwrap(v) for k, v in value.items()}
    return value


def variables(query: str, finess: list[str], n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    if query == "b":
        return [{"finess": rng.choice(finess)} for _ in range(n)]
    return [{"dep": DEPARTEMENTS[i % len(DEPARTEMENTS)]} for i in range(n)]


async def check_same(ror: str, peer: str, query: str, sets: list[dict]) -> int:
    """Ask both servers; raise unless every answer is the same JSON. Returns the bytes of one answer."""
    ours, theirs = QUERIES[query]
    size = 0
    async with httpx.AsyncClient(timeout=60) as client:
        for v in sets:
            a = (await client.post(f"{ror}/graphql", json={"query": ours, "variables": v})).json()
            b = (await client.post(f"{peer}/graphql", json={"query": theirs, "variables": v})).json()
            for key, root in (b.get("data") or {}).items():  # the root connection keeps its "nodes"
                b["data"][key] = {k: unwrap(x) for k, x in root.items()} if isinstance(root, dict) else root
            if a != b or "errors" in a:
                raise SystemExit(f"({query}) answers differ for {v}:\n ror_graph {json.dumps(a)[:600]}\n"
                                 f" PostGraphile {json.dumps(b)[:600]}")
            size = len(json.dumps(a))
    return size


# --- load -----------------------------------------------------------------------------------------


def drive(base: str, bodies: Path, script: Path, clients: int, seconds: float) -> tuple[int, int, int, int, int]:
    """One ``wrk`` run of ``clients`` connections for ``seconds``: requests, µs, p50 µs, p95 µs, errors."""
    command = ["wrk", "-t1", f"-c{clients}", f"-d{seconds:g}s", "--timeout", "30s", "-s", str(script), base]
    out = subprocess.run(command, env={**os.environ, "BODIES": str(bodies)}, capture_output=True, text=True,
                         check=True).stdout
    found = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+)", out)
    if not found:
        raise SystemExit(f"wrk said:\n{out}")
    requests, micros, p50, p95, errors = map(int, found.groups())
    return requests, micros, p50, p95, errors


async def floor(url: str, query: str, sets: list[dict], repeat: int) -> tuple[float, float]:
    """p50 / p95 ms of the same JSON built by one PostgreSQL statement (asyncpg), one request at a time."""
    db = await asyncpg.connect(url)
    try:
        times = []
        for i in range(repeat):
            v = next(iter(sets[i % len(sets)].values()))
            start = time.perf_counter()
            json.loads(await db.fetchval(FLOOR_SQL[query], v))
            times.append((time.perf_counter() - start) * 1000)
    finally:
        await db.close()
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


async def check_floor(url: str, ror: str, query: str, sets: list[dict]) -> None:
    """The floor's SQL answers what ror_graph answers (else its figure would mean nothing)."""
    db = await asyncpg.connect(url)
    try:
        async with httpx.AsyncClient(timeout=60) as client:
            for v in sets[:5]:
                a = (await client.post(f"{ror}/graphql", json={"query": QUERIES[query][0], "variables": v})).json()
                if json.loads(await db.fetchval(FLOOR_SQL[query], next(iter(v.values())))) != a:
                    raise SystemExit(f"({query}) the floor's SQL answers differently for {v}")
    finally:
        await db.close()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="an existing database to connect to for creating the bench database")
    parser.add_argument("--name", default="ror_graph_bench_peer", help="the bench database (built when absent)")
    parser.add_argument("--etablissements", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--queries", default="abcd")
    parser.add_argument("--clients", default="1,4")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--workers", default="1", help="ror_graph worker counts to measure, e.g. 1,2")
    parser.add_argument("--before", type=Path, help="another checkout of ror_graph to measure beside this one")
    parser.add_argument("--stacks", default="uvloop", help="uvloop (uvloop + httptools), asyncio (h11), or both")
    return parser.parse_args()


async def main() -> None:
    args = parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed to drive the servers (apt-get install wrk)")
    url = await ensure_database(args.database, args.name, args.etablissements, args.seed)
    cli = ensure_postgraphile()
    db = await asyncpg.connect(url)
    finess = [r[0] for r in await db.fetch("SELECT finess FROM etablissement ORDER BY id")]
    counts = await db.fetchrow("SELECT (SELECT count(*) FROM etablissement), (SELECT count(*) FROM unite),"
                               " (SELECT count(*) FROM unite_code)")
    await db.close()
    print(f"database: {counts[0]} EG, {counts[1]} units, {counts[2]} unit codes")
    queries, clients = list(args.queries), [int(c) for c in args.clients.split(",")]
    sets = {q: variables(q, finess, 100, args.seed) for q in queries}
    ours = [(f"ror_graph w{w}" + ("" if stack == "uvloop" else " asyncio/h11"), w, stack, ROOT)
            for stack in args.stacks.split(",") for w in map(int, args.workers.split(","))]
    if args.before:
        ours.append(("ror_graph before, w1", 1, "uvloop", args.before.resolve()))
    work = Path(tempfile.mkdtemp(prefix="peer-bench-"))
    script = work / "post.lua"
    script.write_text(WRK_SCRIPT)
    bodies: dict[tuple[str, str], Path] = {}
    for q in queries:
        for side, text in (("ror", QUERIES[q][0]), ("peer", QUERIES[q][1])):
            bodies[q, side] = work / f"{q}-{side}.ndjson"
            bodies[q, side].write_text("".join(json.dumps({"query": text, "variables": v}) + "\n" for v in sets[q]))
    peer_port = free_port()
    peer = start_postgraphile(cli, url, peer_port)
    servers: dict[str, subprocess.Popen] = {}
    bases = {"PostGraphile 4": f"http://127.0.0.1:{peer_port}"}
    try:
        await wait_graphql(bases["PostGraphile 4"], peer)
        for name, workers, stack, code in ours:
            port = free_port()
            servers[name] = start_ror_graph(url, port, workers, stack, code)
            bases[name] = f"http://127.0.0.1:{port}"
            await wait_graphql(bases[name], servers[name])
        reference = bases[ours[0][0]]
        for q in queries:
            size = await check_same(reference, bases["PostGraphile 4"], q, sets[q][:25])
            print(f"{TITLES[q]}: identical JSON from both on 25 requests (≈ {size / 1024:.1f} KiB each)")
        cells = {(q, c, name): Cell() for q in queries for c in clients for name in bases}
        names = list(bases)
        for r in range(args.rounds):
            for q in queries:
                for c in clients:
                    order = names if r % 2 == 0 else names[::-1]  # interleaved A/B, alternating who goes first
                    for name in order:
                        side = "peer" if name == "PostGraphile 4" else "ror"
                        drive(bases[name], bodies[q, side], script, c, 1)  # warm-up
                        cells[q, c, name].add(*drive(bases[name], bodies[q, side], script, c, args.seconds))
        floors = {}
        for q in queries:
            if q in FLOOR_SQL:
                await check_floor(url, reference, q, sets[q])
                floors[q] = await floor(url, q, sets[q], 200)
    finally:
        for server in (peer, *servers.values()):
            stop(server)
        shutil.rmtree(work, ignore_errors=True)
    report(cells, queries, clients, names, floors, args)


def report(cells: dict, queries: list[str], clients: list[int], names: list[str], floors: dict, args) -> None:
    print(f"\n{args.rounds} interleaved rounds of {args.seconds:g} s per cell (wrk, 1 thread); "
          "p50 = median of the rounds' p50, p95 = worst round's p95 (ms)")
    print(f"{'query':<36} {'clients':>7} {'server':<26} {'p50':>7} {'p95':>7} {'req/s':>8} "
          f"{'req/s vs peer':>13} {'p50 vs peer':>11}")
    for q in queries:
        for c in clients:
            peer = cells[q, c, "PostGraphile 4"]
            for name in names:
                cell = cells[q, c, name]
                ratios = ""
                if name != "PostGraphile 4" and peer.rate:
                    ratios = (f"{cell.rate / peer.rate:12.2f}x "
                              f"{statistics.median(cell.p50) / statistics.median(peer.p50):10.2f}x")
                errors = f"  ({cell.errors} errors)" if cell.errors else ""
                print(f"{TITLES[q]:<36} {c:>7} {name:<26} {cell.text()} {ratios}{errors}")
        if q in floors:
            print(f"{TITLES[q]:<36} {1:>7} {'floor: asyncpg, SQL JSON':<26} {floors[q][0]:7.2f} {floors[q][1]:7.2f}")


if __name__ == "__main__":
    asyncio.run(main())
