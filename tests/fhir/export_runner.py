"""A separate OS process that starts a FHIR ``$export`` job and hangs in the middle (the test kills it).

``python -m tests.fhir.export_runner URL DATA_DIR LEASE_SECONDS``: writes a public ``$export`` job of
every type, takes it with a lease of LEASE_SECONDS, writes one resource at a time, and after the first
one prints the job id and hangs without renewing its lease, as a process that stopped answering.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path

from ror_graph.api.exports import runs
from ror_graph.app import create_app
from ror_graph.services.export import jobs
from ror_graph.services.fhir import export
from ror_graph.services.fhir.export import types_of
from ror_graph.settings import Settings


async def main(url: str, data_dir: str, lease: float) -> None:
    state = create_app(Settings(database_url=url, meili_managed=False, data_dir=Path(data_dir))).state.ror
    export.BATCH = 1
    async with state.sessions() as session:
        job = await jobs.create_job(session, kind="fhir", profile="public", api_client_id=None, account_id=None,
                                    params={"types": types_of(None), "request": "http://test/fhir/$export"})

    async def hang(self, *, force: bool = False) -> None:
        print(job.id, flush=True)
        await asyncio.sleep(3600)

    jobs.Lease.renew = hang  # type: ignore[method-assign]
    await jobs.run_next(state.sessions, runs(state), Path(data_dir) / "exports", "killed-runner",
                        lease=timedelta(seconds=lease))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
