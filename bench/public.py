"""Public site benchmark: /recherche first load, shipped JS + CSS (gzipped), keystroke → results round trip.

    .venv/bin/python bench/public.py [--rounds 20] [--no-browser]

What it does, in one run (baselines measured on the same machine, same moment):

1. loads the demo (``ror-graph demo``: real FINESS subset of Maine-et-Loire + demo offers) into a
   temporary data folder and starts the real server (``ror-graph serve``, managed Meilisearch), then
   waits until the search worker has indexed it;
2. **first load**: Debian's chromium (Playwright) opens ``/recherche?q=ehpad`` in a fresh context (empty
   cache) until the ``load`` event, N times; peer: the landing page ``/`` the same way;
3. **shipped size**: every script and stylesheet of the search page, gzipped (-9), summed; peer: GraphiQL's;
4. **keystroke → results**: "ehpad angers" typed one character at a time; each keystroke asks what the
   page's script asks (the results fragment, and the suggestions, concurrently); p50/p95 over N rounds;
   baseline: the bare JSON ``/api/search`` of the same query with the same facets.

Targets (issue 16): first load ≤ 1 s, JS + CSS ≤ 200 KB gzipped (map library included), keystroke p95 ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
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

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
HAS_CHROMIUM = CHROMIUM.exists()
TYPED = "ehpad angers"
FACETS = "categorie,champActivite,public,modePriseEnCharge,temporalite,activite,departement"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def line(name: str, values: list[float]) -> str:
    return f"  {name:<44} p50 {statistics.median(values):7.1f} ms   p95 {pct(values, 95):7.1f} ms   (n={len(values)})"


async def wait_indexed(base: str) -> None:
    deadline = time.monotonic() + 120
    async with httpx.AsyncClient(base_url=base) as http:
        while time.monotonic() < deadline:
            try:
                found = await http.get("/api/search", params={"q": "ehpad"})
                if found.status_code == 200 and found.json()["total"] > 0:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)
    raise RuntimeError("the server did not index the demo within 2 minutes")


async def assets_size(http: httpx.AsyncClient, path: str) -> tuple[int, int, list[str]]:
    """(raw bytes, gzipped bytes, asset paths) of the scripts and stylesheets ``path`` loads."""
    html = (await http.get(path, headers={"Accept": "text/html"})).text
    urls = re.findall(r'<script[^>]+src="([^"]+)"', html)
    urls += re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html)
    raw = zipped = 0
    for url in urls:
        body = (await http.get(url)).content
        raw, zipped = raw + len(body), zipped + len(gzip.compress(body, 9))
    return raw, zipped, [u.split("?")[0] for u in urls]


async def keystrokes(http: httpx.AsyncClient, rounds: int) -> tuple[list[float], list[float]]:
    page, bare = [], []
    for _ in range(rounds):
        for i in range(1, len(TYPED) + 1):
            text = TYPED[:i]
            start = time.perf_counter()
            await asyncio.gather(http.get("/recherche/resultats", params={"q": text}),
                                 http.get("/recherche/suggestions", params={"q": text}))
            page.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            await http.get("/api/search", params={"q": text, "perPage": 15, "facets": FACETS})
            bare.append((time.perf_counter() - start) * 1000)
    return page, bare


async def first_loads(base: str, rounds: int) -> dict[str, list[float]]:
    from playwright.async_api import async_playwright

    result: dict[str, list[float]] = {"/recherche?q=ehpad": [], "/": []}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                           args=["--no-sandbox", "--disable-gpu"])
        for _ in range(rounds):
            for path, times in result.items():
                context = await browser.new_context()  # empty cache each time
                page = await context.new_page()
                start = time.perf_counter()
                await page.goto(base + path, wait_until="load")
                times.append((time.perf_counter() - start) * 1000)
                await context.close()
        await browser.close()
    return result


async def measure(base: str, args: argparse.Namespace) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        raw, zipped, urls = await assets_size(http, "/recherche")
        graphiql = await assets_size(http, "/graphql")
        print("Shipped JS + CSS of /recherche (target ≤ 200 KB gzipped, map library included):")
        print(f"  {len(urls)} files {', '.join(urls)}")
        print(f"  {raw / 1024:.1f} KB raw, {zipped / 1024:.1f} KB gzipped   (peer, GraphiQL page: "
              f"{graphiql[1] / 1024:.1f} KB gzipped)")
        for _ in range(3):  # warm-up: reference snapshot, connections
            await http.get("/recherche/resultats", params={"q": "e"})
        page, bare = await keystrokes(http, args.rounds)
        print(f"Keystroke → results, '{TYPED}' typed one character at a time (target p95 ≤ 100 ms):")
        print(line("page: results fragment + suggestions", page))
        print(line("baseline: /api/search JSON, same facets", bare))
    if args.browser and HAS_CHROMIUM:
        loads = await first_loads(base, args.rounds)
        print("First load in chromium, empty cache, until the load event (target ≤ 1 s):")
        print(line("/recherche?q=ehpad (list + map, no tiles)", loads["/recherche?q=ehpad"]))
        print(line("peer: landing page /", loads["/"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="Rounds of each measure.")
    parser.add_argument("--no-browser", dest="browser", action="store_false", help="Skip the chromium first loads.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ror-bench-public-") as tmp:
        env = {**os.environ, "ROR_GRAPH_DATA_DIR": tmp, "ROR_GRAPH_MAP_TILE_URL": "",
               "ROR_GRAPH_SECURE_COOKIES": "false", "PYTHONPATH": str(ROOT)}
        env.pop("ROR_GRAPH_DATABASE_URL", None)
        env.pop("ROR_GRAPH_MEILI_URL", None)
        subprocess.run([str(BIN / "ror-graph"), "demo"], env=env, check=True, capture_output=True)
        port = free_port()
        server = subprocess.Popen([str(BIN / "ror-graph"), "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            asyncio.run(wait_indexed(base))
            asyncio.run(measure(base, args))
        finally:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
