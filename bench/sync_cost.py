"""What one small update batch costs Meilisearch on a big offers index, step by step.

    .venv/bin/python bench/sync_cost.py --meili http://127.0.0.1:7700 --key KEY [--index offres]
                                        [--updates 20] [--size 1] [--gap 0.5] [--target base recent]

Sends ``--updates`` batches of ``--size`` documents (existing documents of the index, renamed) the
way the search consumer does (one ``add_documents`` task per batch, then wait), and prints for each
the client-side delay (send → task succeeded), Meilisearch's ``duration`` and ``enqueuedAt → finishedAt``,
then, summed over the run, the slowest steps of the batches' ``progressTrace`` (Meilisearch ≥ 1.14):
the steps to remove. Run it against the index ``bench/load.py --keep`` left (300k offers) while the
load runs, or idle, to compare the two in one sitting.

``--target`` says where the batches go, one table each: ``base`` (the national index itself, the
layout with ``ROR_GRAPH_SEARCH_RECENT_INDEX=false``) and/or ``recent`` (``<index>_recent``, created with
the settings in code if missing, the default layout: the same documents, sent where the search
consumer sends them). The recent index is left with the renamed copies: empty it with ``reindex``, or
let the worker compact it (the base copies stay the originals).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import httpx

ROOT = str(Path(__file__).resolve().parent.parent)


def seconds(value: str) -> float:
    """Meilisearch durations: ISO 8601 (``PT0.123S``) in tasks, humantime (``1.2ms``, ``3s``) in traces."""
    if value.startswith("P"):
        match = re.match(r"PT(?:(\d+)M)?([\d.]+)S", value)
        return (int(match.group(1) or 0) * 60 + float(match.group(2))) if match else 0.0
    units = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}
    match = re.match(r"([\d.]+)\s*(ns|µs|us|ms|s|m)$", value)
    return float(match.group(1)) * units[match.group(2)] if match else 0.0


def stamp(value: str) -> datetime:
    return datetime.fromisoformat(re.sub(r"(\.\d{6})\d*", r"\1", value).replace("Z", "+00:00"))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def wait(http: httpx.AsyncClient, uid: int) -> dict:
    while True:
        task = (await http.get(f"/tasks/{uid}")).json()
        if task["status"] in ("succeeded", "failed", "canceled"):
            return task
        await asyncio.sleep(0.01)


async def ensure_recent(url: str, key: str | None, index: str) -> str:
    """``<index>_recent`` with the settings in code (what the search worker creates at start-up)."""
    sys.path.insert(0, ROOT)
    from search_index.client import meili_client
    from search_index.recent import ensure_recent as ensure
    from search_index.recent import recent_uid

    async with meili_client(url, key, timeout=120) as client:
        await ensure(client, index)
    return recent_uid(index)


async def run(http: httpx.AsyncClient, source: str, target: str, args: argparse.Namespace) -> None:
    rng = random.Random(1)
    total = (await http.get(f"/indexes/{source}/stats")).json()["numberOfDocuments"]
    held = (await http.get(f"/indexes/{target}/stats")).json()["numberOfDocuments"]
    print(f"\n→ {target} ({held:,} documents; source {source}: {total:,}); {args.updates} batches of {args.size}")
    client, durations, queued, steps = [], [], [], defaultdict(float)
    for number in range(args.updates):
        offset = rng.randrange(max(1, total - args.size))
        docs = (await http.get(f"/indexes/{source}/documents", params={"offset": offset,
                                                                       "limit": args.size})).json()["results"]
        for doc in docs:
            doc["nom"] = f"Offre zq{number:04d}{rng.randrange(10**6):06d}"
        started = time.perf_counter()
        uid = (await http.post(f"/indexes/{target}/documents", json=docs)).json()["taskUid"]
        task = await wait(http, uid)
        client.append(time.perf_counter() - started)
        durations.append(seconds(task["duration"]))
        queued.append((stamp(task["finishedAt"]) - stamp(task["enqueuedAt"])).total_seconds())
        batch = (await http.get(f"/batches/{task['batchUid']}")).json()
        for step, value in (batch.get("stats", {}).get("progressTrace") or {}).items():
            steps[step] += seconds(value)
        await asyncio.sleep(args.gap)
    print(f"{'':24}{'p50 s':>8}{'p95 s':>8}{'max s':>8}")
    for label, values in (("client send→succeeded", client), ("task duration", durations),
                          ("enqueuedAt→finishedAt", queued)):
        print(f"{label:24}{pct(values, .5):>8.3f}{pct(values, .95):>8.3f}{max(values):>8.3f}")
    print("slowest steps (mean per batch, leaves of the progress trace):")
    leaves = {s: v for s, v in steps.items() if not any(o.startswith(s + " >") for o in steps)}
    for step, value in sorted(leaves.items(), key=lambda item: -item[1])[:8]:
        print(f"  {value / args.updates * 1000:>8.1f} ms  {step}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meili", required=True)
    parser.add_argument("--key")
    parser.add_argument("--index", default="offres")
    parser.add_argument("--updates", type=int, default=20)
    parser.add_argument("--size", type=int, default=1)
    parser.add_argument("--gap", type=float, default=0.5, help="seconds between batches")
    parser.add_argument("--target", nargs="+", choices=["base", "recent"], default=["base", "recent"],
                        help="where the batches go: the index itself and/or its recent index")
    args = parser.parse_args()
    headers = {"Authorization": f"Bearer {args.key}"} if args.key else {}
    async with httpx.AsyncClient(base_url=args.meili, headers=headers, timeout=120) as http:
        for target in args.target:
            uid = await ensure_recent(args.meili, args.key, args.index) if target == "recent" else args.index
            await run(http, args.index, uid, args)


if __name__ == "__main__":
    asyncio.run(main())
