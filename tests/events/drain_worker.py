"""A separate OS process draining one consumer (used by ``test_consumers``).

``python -m tests.events.drain_worker URL CONSUMER TARGET OUT``: prints ``ready``, waits for a line
on stdin (so that both processes start together), then runs batches until the consumer's cursor
reaches TARGET, appending every delivered seq to OUT (an external side effect, like a push to
Meilisearch) before the cursor advances.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from sqlmodel import select

from ror_graph.db import make_engine, session_factory
from ror_graph.models import Consumer
from ror_graph.services.events.consumers import new_owner, run_batch

BATCH = 7


async def main(url: str, name: str, target: int, out: Path) -> None:
    engine = make_engine(url)
    sessions = session_factory(engine)
    owner = new_owner()

    async def deliver(_session, events) -> None:
        with out.open("a") as handle:
            handle.write("".join(f"{e.seq}\n" for e in events))
            handle.flush()
            os.fsync(handle.fileno())

    while True:
        result = await run_batch(sessions, name, owner, deliver, batch_size=BATCH)
        if result.error or result.lost_lease:
            raise SystemExit(f"batch failed: {result.error or 'lease lost'}")
        async with sessions() as session:
            cursor = (await session.exec(select(Consumer.cursor).where(Consumer.name == name))).one()
        if cursor >= target:
            break
        if not result.claimed:
            await asyncio.sleep(0.002)
    await engine.dispose()


if __name__ == "__main__":
    url, name, target, out = sys.argv[1:5]
    print("ready", flush=True)
    sys.stdin.readline()
    asyncio.run(main(url, name, int(target), Path(out)))
