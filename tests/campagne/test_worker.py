"""``ror-graph worker --once`` in two real processes at the same time: each job runs once, each person
gets the reminder once, the quality rules ran, and the jobs are recorded for the back office."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from ror_graph.models import Anomalie, ScheduledJob
from tests.campagne.test_reset_mail import run_cli

REFERENT, DIRECTEUR = "referent.a@example.fr", "directeur.a@example.fr"


async def test_two_worker_processes_send_each_reminder_once(database_url, session, world, campagne, smtp, tmp_path):
    inbox, mail = smtp
    env = {"ROR_GRAPH_DATABASE_URL": database_url, "ROR_GRAPH_DATA_DIR": str(tmp_path),
           "ROR_GRAPH_SMTP_HOST": mail.host, "ROR_GRAPH_SMTP_PORT": str(mail.port)}
    # when two workers start at once (the campaign is open, its deadline passed: a late reminder is due)
    results = await asyncio.gather(run_cli(env, "worker", "--once"), run_cli(env, "worker", "--once"))
    assert [code for code, _, _ in results] == [0, 0], results
    # then the référent and the directeur of EG A got one mail each
    assert sorted(m["To"] for m in inbox.messages) == [DIRECTEUR, REFERENT]
    # and every job ran exactly once, with its next run scheduled
    jobs = {j.name: j for j in (await session.exec(select(ScheduledJob))).all()}
    assert set(jobs) == {"relances", "snapshot-indicateurs", "purge-evenements", "qualite-ecritures", "qualite-nuit"}
    assert {j.runs for j in jobs.values()} == {1} and all(j.lease_owner is None for j in jobs.values())
    assert all(j.last_error is None for j in jobs.values()), {j.name: j.last_error for j in jobs.values()}
    # the nightly quality pass ran too
    assert (await session.exec(select(Anomalie))).first() is not None
    # a third run right after finds nothing due
    code, _, _ = await run_cli(env, "worker", "--once")
    assert code == 0 and len(inbox.messages) == 2
