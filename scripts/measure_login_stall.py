"""Measure how much login attempts stall the event loop: ``/health`` latency while logins run.

Not a test (figures depend on the machine). Runs the real app in-process over ASGI on a temporary
SQLite database, so every request shares one event loop, as in one uvicorn worker:

* scenario ``aliases``: one GraphQL request carrying 30 ``login`` aliases (wrong passwords);
* scenario ``parallel``: 30 concurrent single-``login`` requests (30 e-mails, wrong passwords);
* scenario ``baseline``: no login for 3 s (what the machine's load alone costs ``/health``).

Meanwhile ``/health`` is called back to back; the script prints its worst and median latency.
Run it on a code base with ``PYTHONPATH=<worktree> python scripts/measure_login_stall.py``.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from sqlmodel import SQLModel

from ror_graph.app import create_app
from ror_graph.db import make_engine, session_factory
from ror_graph.services.accounts.accounts import create_account
from ror_graph.settings import Settings

ATTEMPTS = 30
PASSWORD = "correct horse battery"


async def _seed(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    async with session_factory(engine)() as session:
        await create_account(session, email="agent@ars.test", password=PASSWORD, role="support")
    await engine.dispose()


def _login(alias: str, email: str) -> str:
    return f'{alias}: login(email: "{email}", password: "wrong password!") {{ __typename }}'


async def _probe(http: httpx.AsyncClient, stop: asyncio.Event) -> list[float]:
    latencies = []
    while not stop.is_set():
        start = time.perf_counter()
        await http.get("/health")
        latencies.append(time.perf_counter() - start)
        await asyncio.sleep(0.005)
    return latencies


def _outcome(response: httpx.Response) -> str:
    body = response.json()
    if body.get("errors"):
        return f"HTTP {response.status_code} error {body['errors'][0].get('extensions', {}).get('code')}"
    return f"HTTP {response.status_code} " + "/".join(sorted({v["__typename"] for v in body["data"].values()}))


async def _scenario(http: httpx.AsyncClient, name: str) -> None:
    if name == "baseline":
        requests = [asyncio.sleep(3)]
    elif name == "aliases":
        document = "mutation { " + " ".join(_login(f"a{i}", "agent@ars.test") for i in range(ATTEMPTS)) + " }"
        requests = [http.post("/graphql", json={"query": document})]
    else:
        requests = [http.post("/graphql", json={"query": "mutation { " + _login("a", f"user{i}@ars.test") + " }"})
                    for i in range(ATTEMPTS)]
    stop = asyncio.Event()
    probe = asyncio.create_task(_probe(http, stop))
    await asyncio.sleep(0.05)
    start = time.perf_counter()
    responses = await asyncio.gather(*requests)
    elapsed = time.perf_counter() - start
    stop.set()
    latencies = await probe
    outcomes = sorted({_outcome(r) for r in responses if isinstance(r, httpx.Response)}) or ["no request"]
    print(f"{name:9s} logins took {elapsed:6.2f} s ({', '.join(outcomes)}); /health over {len(latencies)} calls: "
          f"worst {max(latencies) * 1000:7.1f} ms, median {statistics.median(latencies) * 1000:6.1f} ms")


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'stall.sqlite3'}"
        await _seed(url)
        app = create_app(Settings(database_url=url, meili_managed=False, secret_key="measure", debug=False))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:
            for name in ("baseline", "aliases", "parallel"):
                await _scenario(http, name)
        await app.state.ror.engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
