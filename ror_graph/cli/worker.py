"""``ror-graph worker``: runs due jobs (campaign reminders, quality rules, daily snapshots, event-log purge,
bounces) once across processes.

Start as many workers as wanted (or none while testing): each job's lease row in the database makes
sure only one of them runs a given job at a time, and its ``next_run_at`` that it runs once per period.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import timedelta

import typer
from rich.console import Console

from ror_graph.cli import app
from ror_graph.cli.common import engine_for, mail_config, run, settings
from ror_graph.db import session_factory
from ror_graph.services.scheduler.jobs import Job, Sessions, SystemClock, new_owner, run_due, run_forever
from ror_graph.settings import Settings

console = Console(stderr=True)


def default_jobs(config: Settings) -> list[Job]:
    """The jobs of a worker: reminders hourly, snapshot and purge daily."""
    from ror_graph.services.campagne.relances import relancer
    from ror_graph.services.campagne.snapshot import prendre_snapshot
    from ror_graph.services.events.log import purge_events

    mail = mail_config(config)

    async def relances(sessions: Sessions, now):
        async with sessions() as session:
            return await relancer(session, mail, public_url=config.public_url, now=now)

    async def snapshot(sessions: Sessions, now):
        async with sessions() as session:
            return await prendre_snapshot(session, now=now)

    async def purge(sessions: Sessions, now):
        async with sessions() as session:
            removed = await purge_events(session, before=now - timedelta(days=config.event_retention_days))
            await session.commit()
            return f"{removed} events purged"

    return [Job("relances", timedelta(hours=1), relances), Job("snapshot-indicateurs", timedelta(days=1), snapshot),
            Job("purge-evenements", timedelta(days=1), purge), *quality_jobs(), *bounce_jobs(config)]


def bounce_jobs(config: Settings) -> list[Job]:
    """With ``ROR_GRAPH_BOUNCE_MAILDIR`` (and a return path): read the delivery status notices every minute."""
    from ror_graph.services.mail.rebonds import traiter_maildir

    maildir, mail = config.bounce_maildir, mail_config(config)
    if maildir is None or not mail.return_path:
        return []

    async def rebonds(sessions: Sessions, now):
        async with sessions() as session:
            return await traiter_maildir(session, maildir, return_path=mail.return_path, key=mail.signing_key, now=now)

    return [Job("rebonds", timedelta(minutes=1), rebonds)]


def quality_jobs() -> list[Job]:
    """Quality rules: on write (drain the ``qualite`` event consumer, every minute) and nightly over everything."""
    from ror_graph.services.events.consumers import new_owner as consumer_owner
    from ror_graph.services.events.consumers import run_batch
    from ror_graph.services.qualite.moteur import evaluer, sur_evenements

    owner = consumer_owner()

    async def on_write(sessions: Sessions, now):
        done = 0
        while True:  # drain what is waiting; the consumer's own lease keeps it once across processes
            result = await run_batch(sessions, "qualite", owner, sur_evenements, batch_size=500)
            done += len(result.events)
            if result.error:
                raise RuntimeError(result.error)
            if not result.events or result.lost_lease:
                return f"{done} events"

    async def nightly(sessions: Sessions, now):
        async with sessions() as session:
            bilan = await evaluer(session, None, now=now)
            await session.commit()
            return bilan

    return [Job("qualite-ecritures", timedelta(minutes=1), on_write), Job("qualite-nuit", timedelta(days=1), nightly)]


@app.command(help="Run scheduled jobs (campaign reminders, quality rules, daily indicators, event purge).")
def worker(once: bool = typer.Option(False, "--once", help="Run the due jobs once, then exit.")) -> None:
    config = settings()
    logging.basicConfig(level=logging.INFO)

    async def go() -> None:
        async with engine_for() as engine:
            sessions = session_factory(engine)
            jobs = default_jobs(config)
            if once:
                done = await run_due(sessions, jobs, new_owner(), SystemClock())
                for name, result in done.items():
                    console.print(f"{name}: {result}", markup=False, highlight=False)
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await run_forever(sessions, jobs, SystemClock(), poll=config.worker_poll_seconds, stop=stop)

    run(go())
