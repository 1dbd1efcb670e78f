"""Bounce intake: how long the worker's ``rebonds`` job takes over a Maildir full of delivery status
notices (a campaign to every référent and directeur of a country bounces by the thousand).

Builds a fresh database (SQLite by default, ``--database-url`` for PostgreSQL) with ``--mails``
``mail_envoi`` rows, and a Maildir with one notice per mail for ``--share`` of them (80 % permanent
5.1.1, 20 % delayed 4.2.2) plus 5 % forged ones (bad signature). Then it times, in the same run:

* baseline: reading and parsing every file (``lire_avis``), no database;
* the job's first pass (``traiter_maildir``): claim, parse, record each notice once, flag the file;
* a second pass over the same Maildir (nothing new: the steady state of a job run every minute).

    .venv/bin/python bench/rebonds.py --mails 20000
"""

from __future__ import annotations

import argparse
import asyncio
import mailbox
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, insert
from sqlmodel import SQLModel, select

from ror_graph.db import make_engine, session_factory
from ror_graph.models import MailEnvoi, MailRebond, utcnow
from ror_graph.services.mail.rebonds import lire_avis, traiter_maildir
from ror_graph.services.mail.retour import adresse_retour
from ror_graph.settings import normalise_database_url

RETURN_PATH, KEY = "rebonds@ror.example.fr", "bench-key"


def notice(to: str, recipient: str, action: str, status: str) -> bytes:
    return (f"From: MAILER-DAEMON@mx.example.fr\r\nTo: {to}\r\nDelivered-To: {to}\r\n"
            f"Message-ID: <dsn.{recipient}.{status}@mx.example.fr>\r\nSubject: Undelivered Mail\r\n"
            "MIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
            "--B\r\nContent-Type: text/plain\r\n\r\nundeliverable\r\n"
            "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
            f"Reporting-MTA: dns; mx.example.fr\r\n\r\nFinal-Recipient: rfc822; {recipient}\r\nAction: {action}\r\n"
            f"Status: {status}\r\nDiagnostic-Code: smtp; 550 {status} user unknown\r\n\r\n--B--\r\n").encode()


async def build(url: str, maildir: Path, mails: int, share: float) -> int:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
        now = utcnow()
        rows = [{"cle": f"bench:{i}", "kind": "relance", "destinataire": f"personne{i}@example.fr", "sujet": "Campagne",
                 "statut": "envoye", "tentatives": 1, "created_at": now} for i in range(1, mails + 1)]
        for start in range(0, len(rows), 2000):
            await conn.execute(insert(MailEnvoi), rows[start:start + 2000])
    await engine.dispose()
    box = mailbox.Maildir(maildir, create=True)
    bounced = int(mails * share)
    for i in range(1, bounced + 1):
        fatal = i % 5 != 0
        box.add(notice(adresse_retour(RETURN_PATH, KEY, i), f"personne{i}@example.fr", "failed" if fatal else "delayed",
                       "5.1.1" if fatal else "4.2.2"))
    for i in range(1, bounced // 20 + 1):
        box.add(notice(f"rebonds+{i}.0000000000000000@ror.example.fr", f"personne{i}@example.fr", "failed", "5.1.1"))
    return bounced + bounced // 20


async def main(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="bench_rebonds_"))
    url = normalise_database_url(args.database_url or f"sqlite:///{work / 'bench.sqlite3'}")
    maildir = work / "rebonds"
    files = await build(url, maildir, args.mails, args.share)
    print(f"{args.mails} mails, {files} notices in the Maildir ({url.split('://')[0]})")

    start = time.perf_counter()
    parsed = [lire_avis(path.read_bytes(), RETURN_PATH, KEY) for path in sorted((maildir / "new").iterdir())]
    baseline = time.perf_counter() - start
    print(f"baseline: read + parse {len(parsed)} files        {baseline:7.2f} s "
          f"({sum(p is not None for p in parsed)} ours)")

    engine = make_engine(url)
    sessions = session_factory(engine)
    for label in ("first pass (record each once)", "second pass (nothing new)   "):
        async with sessions() as session:
            start = time.perf_counter()
            bilan = await traiter_maildir(session, maildir, return_path=RETURN_PATH, key=KEY, now=utcnow())
            elapsed = time.perf_counter() - start
        print(f"{label}: {elapsed:7.2f} s  ×{elapsed / baseline:5.1f} baseline  [{bilan}]")
    async with sessions() as session:
        recorded = (await session.exec(select(func.count()).select_from(MailRebond))).one()
    print(f"mail_rebond rows: {recorded}")
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=20_000)
    parser.add_argument("--share", type=float, default=0.05, help="Share of the mails that bounce.")
    parser.add_argument("--database-url", default="")
    asyncio.run(main(parser.parse_args()))
