"""1,000 writes from two OS processes while a reader follows the feed: each change once, in commit order."""

from __future__ import annotations

import asyncio
import os
import sys
from asyncio.subprocess import PIPE
from pathlib import Path

from ror_graph.models import Unite
from ror_graph.services.accounts.auth import caller_for_profile
from ror_graph.services.feed.changes import FeedFilter, read_changes
from tests.feed.conftest import RETENTION, follow
from tests.write.conftest import version_of

ROOT = Path(__file__).resolve().parents[2]
WRITES = 500  # per process
REGULATION = caller_for_profile("regulation")


async def start_writers(database_url: str, world) -> list:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    account_id = world.callers["support"].account_id
    writers = [await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.feed.write_worker", database_url, identifiant, str(WRITES), str(account_id),
        cwd=ROOT, env=env, stdin=PIPE, stdout=PIPE, stderr=PIPE) for identifiant in (world.unite_a, world.unite_b)]
    for writer in writers:
        assert await writer.stdout.readline() == b"ready\n", (await writer.stderr.read()).decode()
    for writer in writers:
        writer.stdin.write(b"go\n")
        await writer.stdin.drain()
    return writers


async def test_two_writer_processes_and_a_following_reader(session, database_url, world):
    # given a reader at the end of the log and the offers' versions
    _, cursor = await follow(session, REGULATION)
    start = {key: await version_of(session, Unite, identifiant=key) for key in (world.unite_a, world.unite_b)}
    # when two processes write 500 times each while the reader follows the feed in small pages
    writers = await start_writers(database_url, world)
    seen, only_offers, done = [], FeedFilter(entites=frozenset({"unite"})), False
    while not done:
        done = all(w.returncode is not None for w in writers)  # one last full read after both ended
        page = await read_changes(session, REGULATION, after=cursor, first=37, filter=only_offers,
                                  retention=RETENTION)
        await session.commit()
        seen.extend(page.items)
        cursor = page.cursor
        if not page.has_more:
            await asyncio.sleep(0.01)
        done = done and not page.has_more
    outputs = [await w.communicate() for w in writers]
    assert [w.returncode for w in writers] == [0, 0], [err.decode() for _out, err in outputs]
    # then every write came exactly once, in commit order, each offer's versions one by one
    assert len(seen) == 2 * WRITES
    assert [i.seq for i in seen] == sorted({i.seq for i in seen})
    for key, first_version in start.items():
        versions = [i.version for i in seen if i.key == key]
        assert versions == list(range(first_version + 1, first_version + WRITES + 1))
    assert {tuple(i.fields) for i in seen} == {("commentaire",)}
    # and a second reader starting over gets the same sequence
    again, _ = await follow(session, REGULATION, filter=only_offers, first=100)
    assert [i.seq for i in again][-2 * WRITES:] == [i.seq for i in seen]
