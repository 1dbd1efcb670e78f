"""GraphQL read speed over HTTP on ≥ 10,000 établissements (targets: page p95 ≤ 50 ms, lookup p95 ≤ 10 ms).

Builds (or reuses) a SQLite database with N EGs and their offers, activités, lieux, capacities and
contacts (SQLAlchemy Core bulk inserts, deterministic seed), starts the real app with
``uvicorn ror_graph.app:create_app --factory`` in a subprocess (no Meilisearch), then times over HTTP:

* (a) ``page``: the nested page query, 15 EGs with their offers, activités and lieux, at random cursors;
* (b) ``lookup``: one EG by FINESS (identity, catégorie, address).

Baselines in the same run: ``/health`` (HTTP only), ``{ __typename }`` (a GraphQL request with no
data: planned, ``api/plans.py``), ``{ __type(name: "Query") }`` (introspection: the whole Strawberry
pipeline, extensions and executor, with no data), and the floor: the same data read with raw SQL
(stdlib sqlite3) + ``json.dumps``.

    .venv/bin/python bench/graphql.py                      # 10,000 EGs, 300 requests per case and mode
    .venv/bin/python bench/graphql.py --etablissements 20000 --requests 500 --concurrency 4
    .venv/bin/python bench/graphql.py --before ../other-checkout   # both served, timed in turn ("[before]")
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

# This script is named like the graphql-core package: keep its folder off sys.path so that any
# `import graphql` (strawberry) finds the library, not this file.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import httpx  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

from ror_graph.db import make_engine, session_factory  # noqa: E402
from ror_graph.models import (  # noqa: E402
    Capacite,
    Contact,
    EntiteJuridique,
    Etablissement,
    Lieu,
    Telecom,
    Unite,
    UniteCode,
    UniteLieu,
    coded,
)
from ror_graph.resolvers.pagination import encode_cursor  # noqa: E402
from ror_graph.services.reference.loader import load_reference  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEPARTEMENTS = ["44", "49", "53", "72", "85", "75", "69", "13", "33", "59", "67", "31", "35", "29", "06", "34"]
CATEGORIES = ["500", "355", "101", "106", "109", "114"]
BATCH = 5_000

QUERY_PAGE = """
query($after: String) {
  etablissements(first: 15, after: $after) {
    edges { node {
      finess raisonSociale categorie { code label }
      unites { identifiant nom champActivite { code label } activites { code label }
               lieux { nom adresse { communeCode } } }
    } }
    pageInfo { endCursor hasNextPage }
  }
}
"""
QUERY_LOOKUP = """
query($finess: String!) {
  etablissement(finess: $finess) {
    finess raisonSociale telephone categorie { code label }
    adresse { libelleVoie codePostal communeCode }
  }
}
"""


def stamps(now: datetime) -> dict:
    return {"version": 1, "created_at": now, "updated_at": now}


def rows(count: int, seed: int) -> dict[type, list[dict]]:
    """Deterministic rows: ``count`` EGs (1..5 offers each, 2 % sensitive), their EJs, lieux, codes, contacts."""
    rng, now = random.Random(seed), datetime(2025, 1, 1, tzinfo=UTC)
    out: dict[type, list[dict]] = {m: [] for m in (EntiteJuridique, Etablissement, Lieu, Capacite, Contact, Telecom,
                                                   Unite, UniteLieu, UniteCode)}
    for n in range(count // 5):
        out[EntiteJuridique].append({"id": n + 1, "finess": f"{DEPARTEMENTS[n % 16]}{n:07d}",
                                     "raison_sociale": f"EJ {n}", "placeholder": False, **stamps(now)})
    for n in range(count):
        dep, eg = rng.choice(DEPARTEMENTS), n + 1
        commune = f"{dep}{rng.randint(1, 40):03d}"
        out[Etablissement].append({
            "id": eg, "finess": f"{dep}8{n:06d}", "entite_juridique_id": rng.randint(1, count // 5),
            "raison_sociale": f"ETABLISSEMENT {rng.randint(1, 999)} {n}", "categorie_code": rng.choice(CATEGORIES),
            "departement_code": dep, "region_code": "52", "commune_code": commune, "ferme": False,
            "telephone": f"02{n:08d}", "libelle_voie": "RUE DE LA PAIX", "code_postal": f"{dep}000",
            "statut_description": "a_completer", **stamps(now)})
        out[Lieu].append({"id": eg, "etablissement_id": eg, "nom": f"Site {n}", "commune_code": commune,
                          "statut_code": "3", **stamps(now)})
        out[Capacite] += [{"lieu_id": eg, "nature_code": "02", "statut_code": status, "temporalite_code": "01",
                           "affectation_code": "01", "source_code": "01", "nombre": rng.randint(5, 80),
                           "updated_at": now} for status in ("01", "02")]
        out[Contact].append({"id": eg, "etablissement_id": eg, "nom": "Accueil", "confidentialite": 1, **stamps(now)})
        out[Telecom].append({"contact_id": eg, "canal_code": "2", "valeur": f"02{n:08d}", "confidentialite": 1})
        for _ in range(rng.randint(1, 5)):
            unite = len(out[Unite]) + 1
            out[Unite].append({
                "id": unite, "identifiant": f"52/{unite}", "etablissement_id": eg, "nom": f"Offre {rng.randint(1, 99)}",
                "champ_activite_code": rng.choice(["01", "02", "03", "04"]), "mode_prise_en_charge_code": "09",
                "age_min": 0, "age_max": 120, "unite_sensible": rng.random() < 0.02, "ferme": False, "demo": False,
                **stamps(now)})
            out[UniteLieu].append({"unite_id": unite, "lieu_id": eg})
            out[UniteCode] += [{"unite_id": unite, "attribute": "activite", "system": coded.ACTIVITE, "code": code}
                               for code in rng.sample(["001", "003", "004", "058", "115", "147"], rng.randint(1, 3))]
            out[UniteCode].append({"unite_id": unite, "attribute": "public", "system": coded.PUBLIC, "code": "01"})
    return out


async def build(url: str, count: int, seed: int) -> None:
    """Create the schema, the reference data and the generated rows in the database at ``url``.

    ``bench/peer.py`` builds the same directory in PostgreSQL with it.
    """
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    async with session_factory(engine)() as session:
        await load_reference(session)
    async with engine.begin() as conn:
        for model, batch in rows(count, seed).items():
            for start in range(0, len(batch), BATCH):
                await conn.execute(insert(model.__table__), batch[start : start + BATCH])  # type: ignore[attr-defined]
    await engine.dispose()


def existing_count(path: Path) -> int:
    """EGs already in the bench file (0 when absent or unreadable: it is rebuilt)."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            return db.execute("SELECT count(*) FROM etablissement").fetchone()[0]
    except sqlite3.Error:
        return 0


class Floor:
    """The same data as the GraphQL queries, read with stdlib sqlite3 and serialised with json.dumps."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)
        self.labels = {(s, c): label for s, c, label in self.db.execute("SELECT system, code, label FROM nomenclature")}

    def concept(self, system: str, code: str | None) -> dict | None:
        return None if code is None else {"code": code, "label": self.labels.get((system, code))}

    def page(self, after: tuple[str, int]) -> str:
        egs = self.db.execute(
            "SELECT id, finess, raison_sociale, categorie_code FROM etablissement WHERE finess > ? OR "
            "(finess = ? AND id > ?) ORDER BY finess, id LIMIT 16",
            (after[0], after[0], after[1]),
        ).fetchall()
        ids = [r[0] for r in egs[:15]]
        marks = ",".join("?" * len(ids))
        unites = self.db.execute(
            f"SELECT id, etablissement_id, identifiant, nom, champ_activite_code FROM unite "
            f"WHERE etablissement_id IN ({marks}) AND unite_sensible = 0 ORDER BY nom, id",
            ids,
        ).fetchall()
        uids = [u[0] for u in unites]
        umarks = ",".join("?" * len(uids))
        activites: dict[int, list] = {}
        for uid, system, code in self.db.execute(
            f"SELECT unite_id, system, code FROM unite_code WHERE unite_id IN ({umarks}) AND attribute = "
            f"'activite' ORDER BY code, id",
            uids,
        ):
            activites.setdefault(uid, []).append(self.concept(system, code))
        lieux: dict[int, list] = {}
        for uid, nom, commune in self.db.execute(
            f"SELECT ul.unite_id, l.nom, l.commune_code FROM unite_lieu ul JOIN lieu l ON l.id = ul.lieu_id "
            f"WHERE ul.unite_id IN ({umarks}) ORDER BY ul.unite_id, l.id",
            uids,
        ):
            lieux.setdefault(uid, []).append({"nom": nom, "adresse": {"communeCode": commune}})
        by_eg: dict[int, list] = {}
        for uid, eg_id, identifiant, nom, champ in unites:
            by_eg.setdefault(eg_id, []).append(
                {
                    "identifiant": identifiant,
                    "nom": nom,
                    "champActivite": self.concept(coded.CHAMP, champ),
                    "activites": activites.get(uid, []),
                    "lieux": lieux.get(uid, []),
                }
            )
        edges = [
            {
                "node": {
                    "finess": f,
                    "raisonSociale": rs,
                    "categorie": self.concept(coded.CATEGORIE_EG, cat),
                    "unites": by_eg.get(i, []),
                }
            }
            for i, f, rs, cat in egs[:15]
        ]
        return json.dumps({"data": {"etablissements": {"edges": edges, "pageInfo": {"hasNextPage": len(egs) > 15}}}})

    def lookup(self, finess: str) -> str:
        row = self.db.execute(
            "SELECT finess, raison_sociale, telephone, categorie_code, libelle_voie, code_postal, "
            "commune_code FROM etablissement WHERE finess = ?",
            (finess,),
        ).fetchone()
        eg = {
            "finess": row[0],
            "raisonSociale": row[1],
            "telephone": row[2],
            "categorie": self.concept(coded.CATEGORIE_EG, row[3]),
            "adresse": {"libelleVoie": row[4], "codePostal": row[5], "communeCode": row[6]},
        }
        return json.dumps({"data": {"etablissement": eg}})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(path: Path, port: int, code: Path = ROOT) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": str(code),
        "ROR_GRAPH_DATABASE_URL": f"sqlite+aiosqlite:///{path}",
        "ROR_GRAPH_MEILI_MANAGED": "false",
        "ROR_GRAPH_MEILI_URL": "",
        "ROR_GRAPH_DATA_DIR": str(path.parent),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "ror_graph.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=code,
    )


async def wait_ready(client: httpx.AsyncClient, server: subprocess.Popen) -> None:
    for _ in range(200):
        if server.poll() is not None:
            raise SystemExit("the server exited during start-up")
        try:
            if (await client.get("/health")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise SystemExit("the server did not start")


async def timed(call: Callable[[int], Awaitable[None]], requests: int, concurrency: int) -> tuple[list[float], float]:
    """Run ``call(i)`` for i < requests with ``concurrency`` workers; per-call latencies (s) and wall time."""
    latencies: list[float] = []
    counter = iter(range(requests))

    async def worker() -> None:
        for i in counter:
            start = time.perf_counter()
            await call(i)
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - start


def report(name: str, latencies: list[float], wall: float) -> None:
    ms = sorted(x * 1000 for x in latencies)
    p95 = statistics.quantiles(ms, n=20)[18] if len(ms) >= 20 else ms[-1]
    print(f"{name:<51} p50 {statistics.median(ms):7.2f} ms   p95 {p95:7.2f} ms   {len(ms) / wall:8.1f} req/s")


def make_cases(client: httpx.AsyncClient, starts: list, lookups: list) -> list[tuple[str, Callable]]:
    """The timed cases against one server: three baselines, then (a) and (b)."""

    async def post(query: str, variables: dict) -> None:
        response = await client.post("/graphql", json={"query": query, "variables": variables})
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, body

    async def page(i: int) -> None:
        await post(QUERY_PAGE, {"after": encode_cursor("finess", *starts[i])})

    async def lookup(i: int) -> None:
        await post(QUERY_LOOKUP, {"finess": lookups[i]})

    async def health(i: int) -> None:
        assert (await client.get("/health")).status_code == 200

    async def typename(i: int) -> None:
        await post("{ __typename }", {})

    async def pipeline(i: int) -> None:
        await post('{ __type(name: "Query") { name } }', {})

    return [
        ("baseline: GET /health", health),
        ("baseline: { __typename }", typename),
        ("baseline: { __type(name) } (whole pipeline)", pipeline),
        ("(a) page: 15 EG + offers/activités/lieux", page),
        ("(b) lookup: one EG by FINESS", lookup),
    ]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--etablissements", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--path", type=Path, default=ROOT / "var" / "bench" / "graphql.sqlite3")
    parser.add_argument("--before", type=Path, help="another checkout, served beside this one and timed in turn")
    args = parser.parse_args()

    args.path.parent.mkdir(parents=True, exist_ok=True)
    if existing_count(args.path) != args.etablissements:
        args.path.unlink(missing_ok=True)
        started = time.perf_counter()
        await build(f"sqlite+aiosqlite:///{args.path}", args.etablissements, args.seed)
        print(f"built {args.path} with {args.etablissements} EGs in {time.perf_counter() - started:.1f} s")
    floor = Floor(args.path)
    egs = floor.db.execute("SELECT finess, id FROM etablissement ORDER BY finess, id").fetchall()
    units = floor.db.execute("SELECT count(*) FROM unite").fetchone()[0]
    print(f"database: {len(egs)} établissements, {units} offers; {args.requests} requests per case")
    rng = random.Random(args.seed)
    starts = [egs[rng.randrange(len(egs) - 20)] for _ in range(args.requests)]
    lookups = [egs[rng.randrange(len(egs))][0] for _ in range(args.requests)]

    checkouts = [("", ROOT)] + ([(" [before]", args.before.resolve())] if args.before else [])
    servers, clients = [], []
    try:
        for _, code in checkouts:
            port = free_port()
            servers.append(start_server(args.path, port, code))
            clients.append(httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30))
            await wait_ready(clients[-1], servers[-1])
        cases = [make_cases(client, starts, lookups) for client in clients]
        for per_server in cases:  # warm-up: caches, connection pool, code paths
            for _, call in per_server[1:]:
                for i in range(10):
                    await call(i)
        for title, concurrency in (("latency: one request at a time", 1),
                                   (f"throughput: {args.concurrency} concurrent clients", args.concurrency)):
            print(title)
            for n in range(len(cases[0])):
                for (label, _), per_server in zip(checkouts, cases, strict=True):  # interleaved: A, B, A, B…
                    name, call = per_server[n]
                    report(name + label, *await timed(call, args.requests, concurrency))
        sizes = [len((await clients[0].post("/graphql", json={
            "query": QUERY_PAGE, "variables": {"after": encode_cursor("finess", *starts[i])}})).content)
            for i in range(5)]
        print(f"page response ≈ {statistics.mean(sizes) / 1024:.1f} KiB")
    finally:
        for client in clients:
            await client.aclose()
        for server in servers:
            server.terminate()
            server.wait(timeout=10)

    async def floor_page(i: int) -> None:
        floor.page(starts[i])

    async def floor_lookup(i: int) -> None:
        floor.lookup(lookups[i])

    print("floor: in-process, stdlib sqlite3, no HTTP")
    report("floor: (a) raw SQL + json.dumps", *await timed(floor_page, args.requests, 1))
    report("floor: (b) raw SQL + json.dumps", *await timed(floor_lookup, args.requests, 1))


if __name__ == "__main__":
    asyncio.run(main())
