"""How long a costly GraphQL query stalls the other requests of the (single) worker.

Uses the database of ``bench/graphql.py`` (built if absent), starts ``uvicorn`` on the code in
``--code`` (this checkout by default; pass another checkout to compare before/after), then for each
heavy query sends it while a second client sends ``{ __typename }`` every 10 ms, and reports the
heavy query's status, time and size, and the ``__typename`` latencies meanwhile (the stall).

    .venv/bin/python bench/graphql_stall.py                         # this checkout
    .venv/bin/python bench/graphql_stall.py --code ../main          # another checkout, same database
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

# Named like graphql-core's folder neighbour: keep this folder off sys.path (see bench/graphql.py).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import httpx  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NESTED = "etablissements(first: 100) { nodes { finess raisonSociale unites { identifiant nom } } }"
HEAVY = {
    "25 aliases × 100 EG with offers": "{ " + " ".join(f"a{n}: {NESTED}" for n in range(25)) + " }",
    "1 × 100 EG with offers": "{ " + NESTED + " }",
    "100 EG + offers, activités, lieux": """{ etablissements(first: 100) { edges { node {
        finess raisonSociale categorie { code label }
        unites { identifiant nom champActivite { code label } activites { code label }
                 lieux { nom adresse { communeCode } } } } } } }""",
}


def start_server(code: Path, database: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(code), "ROR_GRAPH_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
           "ROR_GRAPH_MEILI_MANAGED": "false", "ROR_GRAPH_MEILI_URL": "", "ROR_GRAPH_DATA_DIR": str(database.parent)}
    command = [sys.executable, "-m", "uvicorn", "ror_graph.app:create_app", "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--log-level", "warning", "--no-access-log"]
    return subprocess.Popen(command, env=env, cwd=code)


async def stall(client: httpx.AsyncClient, query: str) -> tuple[httpx.Response, float, list[float]]:
    """Send ``query``; meanwhile ping ``{ __typename }`` every 10 ms. Returns its answer, time and ping latencies."""
    pings: list[float] = []
    done = asyncio.Event()

    async def ping() -> None:
        async with httpx.AsyncClient(base_url=client.base_url, timeout=60) as other:
            while not done.is_set():
                start = time.perf_counter()
                await other.post("/graphql", json={"query": "{ __typename }"})
                pings.append(time.perf_counter() - start)
                await asyncio.sleep(0.01)

    pinger = asyncio.create_task(ping())
    await asyncio.sleep(0.1)
    start = time.perf_counter()
    response = await client.post("/graphql", json={"query": query})
    elapsed = time.perf_counter() - start
    done.set()
    await pinger
    return response, elapsed, pings


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose ror_graph the server runs")
    parser.add_argument("--path", type=Path, default=ROOT / "var" / "bench" / "graphql.sqlite3")
    parser.add_argument("--etablissements", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from bench.graphql import build, existing_count, free_port  # the same generated database

    args.path.parent.mkdir(parents=True, exist_ok=True)
    if existing_count(args.path) != args.etablissements:
        args.path.unlink(missing_ok=True)
        await build(f"sqlite+aiosqlite:///{args.path}", args.etablissements, 42)
    port = free_port()
    server = start_server(args.code.resolve(), args.path, port)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            for _ in range(200):
                try:
                    if (await client.get("/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            print(f"server code: {args.code.resolve()}")
            for name, query in HEAVY.items():
                for _ in range(args.runs):
                    response, elapsed, pings = await stall(client, query)
                    ms = sorted(p * 1000 for p in pings)
                    code = (response.json().get("errors") or [{}])[0].get("extensions", {}).get("code", "ok")
                    print(f"{name:<36} {response.status_code} {code:<17} {elapsed * 1000:7.0f} ms "
                          f"{len(response.content) / 1024:7.0f} KiB | {{__typename}} meanwhile: "
                          f"n={len(ms):3d} median {statistics.median(ms):6.1f} ms  max {ms[-1]:6.1f} ms")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    asyncio.run(main())
