"""Durable bulk export jobs: asked in one request, run by any process's runner, once, restart-safe.

* ``create_job`` writes a ``queued`` row; nothing runs in the request.
* A runner (``run_next``, called in a loop by every server process) **claims** the oldest job that is
  ``queued``, or ``running`` with an expired lease (its runner died), with one atomic ``UPDATE … WHERE
  id = ? AND (queued OR lease expired)`` — the same SQL on SQLite and PostgreSQL, so two runners never
  both take a job. It then calls the job kind's function, which calls ``Lease.renew`` as it writes
  (at most every third of the lease): the lease moves on while the runner is alive; when the renewal
  finds the job cancelled or taken over, the function stops (``LeaseLost``).
* The result is recorded only ``WHERE lease_owner = me``: a runner that lost its lease never
  overwrites the manifest of the one that took over. A job stopped with its process (shutdown) is put
  back in the queue at once; a crashed one waits for its lease to expire. A job starts again from
  scratch (its folder emptied): the files are always those of one complete run.
* ``cancel_job`` (FHIR ``DELETE``) marks the row ``cancelled`` and removes the files; the runner stops at
  its next renewal.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import ExportJob, utcnow

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)
Sessions = async_sessionmaker[AsyncSession]


class LeaseLost(Exception):
    """The job was cancelled or another runner took it over: stop writing."""


@dataclass
class Lease:
    """The runner's hold on one job; ``renew`` as work goes on (cheap: one ``UPDATE`` per third of lease)."""

    sessions: Sessions
    job_id: str
    owner: str
    duration: timedelta = LEASE
    renewed: datetime = field(default_factory=utcnow)

    async def renew(self, *, force: bool = False) -> None:
        now = utcnow()
        if not force and now - self.renewed < self.duration / 3:
            return
        async with self.sessions() as session:
            conn = await session.connection()
            result = await conn.execute(
                update(ExportJob).where(col(ExportJob.id) == self.job_id, col(ExportJob.lease_owner) == self.owner,
                                        col(ExportJob.status) == "running")
                .values(lease_expires_at=now + self.duration))
            await session.commit()
        if result.rowcount != 1:
            raise LeaseLost(self.job_id)
        self.renewed = now


Run = Callable[[ExportJob, Path, Lease], Awaitable[dict[str, Any]]]


def job_folder(root: Path, job_id: str) -> Path:
    return root / job_id


async def create_job(session: AsyncSession, *, kind: str, profile: str, params: dict[str, Any],
                     api_client_id: int | None, account_id: int | None) -> ExportJob:
    """A ``queued`` job (committed): the runners take it from the database."""
    job = ExportJob(id=secrets.token_urlsafe(16), kind=kind, profile=profile, params=params,
                    api_client_id=api_client_id, account_id=account_id)
    session.add(job)
    await session.commit()
    return job


async def get_job(session: AsyncSession, job_id: str, *, api_client_id: int | None,
                  account_id: int | None, kind: str) -> ExportJob | None:
    """The job if ``kind`` and asked by this same caller (API client, account, or both ``None``); else ``None``."""
    job = await session.get(ExportJob, job_id)
    await session.commit()  # the runner updates the row: no stale identity map next time
    if job is None or job.kind != kind or (job.api_client_id, job.account_id) != (api_client_id, account_id):
        return None
    return job


async def cancel_job(session: AsyncSession, job: ExportJob, root: Path) -> None:
    """Mark cancelled (a running runner stops at its next renewal) and remove the files."""
    conn = await session.connection()
    await conn.execute(update(ExportJob).where(col(ExportJob.id) == job.id)
                       .values(status="cancelled", lease_owner=None, lease_expires_at=None, finished_at=utcnow()))
    await session.commit()
    await asyncio.to_thread(shutil.rmtree, job_folder(root, job.id), True)


def _claimable(now: datetime) -> Any:
    return or_(col(ExportJob.status) == "queued",
               and_(col(ExportJob.status) == "running", col(ExportJob.lease_expires_at) <= now))


async def claim(sessions: Sessions, owner: str, *, lease: timedelta = LEASE) -> ExportJob | None:
    """Take the oldest claimable job (queued, or running with an expired lease), or ``None``."""
    async with sessions() as session:
        now = utcnow()
        conn = await session.connection()
        candidates = (await conn.execute(select(col(ExportJob.id)).where(_claimable(now))
                                         .order_by(col(ExportJob.created_at)).limit(5))).scalars().all()
        for job_id in candidates:
            taken = await conn.execute(
                update(ExportJob).where(col(ExportJob.id) == job_id, _claimable(now))
                .values(status="running", lease_owner=owner, lease_expires_at=now + lease, started_at=now,
                        attempts=ExportJob.attempts + 1, error=None))
            await session.commit()
            if taken.rowcount == 1:
                return await session.get(ExportJob, job_id)
        return None


async def _settle(sessions: Sessions, job_id: str, owner: str, **values: Any) -> bool:
    async with sessions() as session:
        conn = await session.connection()
        result = await conn.execute(update(ExportJob).where(col(ExportJob.id) == job_id,
                                                            col(ExportJob.lease_owner) == owner,
                                                            col(ExportJob.status) == "running")
                                    .values(lease_owner=None, lease_expires_at=None, **values))
        await session.commit()
        return result.rowcount == 1


async def run_next(sessions: Sessions, runs: Mapping[str, Run], root: Path, owner: str, *,
                   lease: timedelta = LEASE) -> bool:
    """Claim one job and run it to its end; ``True`` if a job was taken (more may wait)."""
    job = await claim(sessions, owner, lease=lease)
    if job is None:
        return False
    folder = job_folder(root, job.id)
    await asyncio.to_thread(shutil.rmtree, folder, True)  # a job starts again from scratch
    await asyncio.to_thread(folder.mkdir, parents=True)
    try:
        result = await runs[job.kind](job, folder, Lease(sessions, job.id, owner, lease))
    except asyncio.CancelledError:  # the process stops: back to the queue for the next runner
        await asyncio.shield(_settle(sessions, job.id, owner, status="queued"))
        raise
    except LeaseLost:
        log.info("export %s: cancelled or taken over, stopped", job.id)
        return True
    except Exception as exc:  # the row says it failed; the log says why
        log.exception("export %s failed", job.id)
        await _settle(sessions, job.id, owner, status="failed", finished_at=utcnow(),
                      error=f"{type(exc).__name__}: {exc}"[:2000])
        return True
    if not await _settle(sessions, job.id, owner, status="done", finished_at=utcnow(), result=result):
        log.info("export %s: finished after losing its lease; the other run's result stands", job.id)
    return True
