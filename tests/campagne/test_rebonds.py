"""Bounces end to end: a reminder leaves with its signed return path, the relay accepts it and later
refuses it with a delivery status notice (RFC 3464) sent over SMTP to the return domain's server, which
delivers it into the bounce Maildir; two worker processes record it once; support sees « adresse en
échec », the campaign follow-up and GraphQL count it. Forged or unsigned notices change nothing."""

from __future__ import annotations

import asyncio
import mailbox
import re
import smtplib
import threading
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import update
from sqlmodel import select

from ror_graph.models import AdresseEchec, AuditLog, MailEnvoi, MailRebond, ScheduledJob, utcnow
from ror_graph.services.campagne.relances import relancer
from ror_graph.services.mail.rebonds import enregistrer, lire_avis, traiter_maildir
from ror_graph.services.mail.retour import adresse_retour
from tests.admin.conftest import page_token
from tests.campagne.conftest import ECHEANCE, PUBLIC_URL
from tests.campagne.test_graphql import gql  # noqa: F401  (fixture)
from tests.campagne.test_reset_mail import run_cli
from tests.live import free_port

REFERENT, DIRECTEUR = "referent.a@example.fr", "directeur.a@example.fr"
RETURN_PATH, SECRET = "rebonds@ror.example.fr", "secret-de-test-des-rebonds"
VERP = re.compile(r"rebonds\+(\d+)\.[0-9a-f]{16}@ror\.example\.fr")
# What the receiving server says later about each recipient: (Action, Status, Diagnostic-Code)
LATER = {DIRECTEUR: ("failed", "5.1.1", "smtp; 550 5.1.1 <directeur.a@example.fr>: Recipient address rejected: "
                     "User unknown in virtual mailbox table"),
         REFERENT: ("delayed", "4.2.2", "smtp; 452 4.2.2 Mailbox full")}


def dsn(to: str, recipient: str, action: str, status: str, diagnostic: str) -> bytes:
    """A delivery status notice as Postfix writes it (multipart/report, RFC 3464)."""
    return (f"From: MAILER-DAEMON@mx.example.fr (Mail Delivery System)\r\nTo: {to}\r\n"
            f"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn.{status}.{recipient}@mx.example.fr>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status;\r\n"
            ' boundary="B0UND"\r\n\r\n--B0UND\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n'
            "I'm sorry to have to inform you that your message could not be delivered.\r\n\r\n"
            "--B0UND\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.fr\r\n\r\n"
            f"Final-Recipient: rfc822; {recipient}\r\nOriginal-Recipient: rfc822;{recipient}\r\n"
            f"Action: {action}\r\nStatus: {status}\r\nDiagnostic-Code: {diagnostic}\r\n\r\n"
            "--B0UND\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <x@ror-graph>\r\n"
            "Subject: Campagne\r\n\r\n--B0UND--\r\n").encode()


@dataclass
class ReturnDomainMX:
    """The server of the return domain: delivers each message into the bounce Maildir, as Postfix's
    local delivery does (``Return-Path``, ``Delivered-To`` per recipient)."""

    maildir: Path

    async def handle_DATA(self, server, session, envelope):
        box = mailbox.Maildir(self.maildir, create=True)
        for rcpt in envelope.rcpt_tos:
            box.add(f"Return-Path: <{envelope.mail_from}>\r\nDelivered-To: {rcpt}\r\n".encode() + envelope.content)
        return "250 2.0.0 delivered"


@dataclass
class Relay:
    """The relay the application sends through: accepts every reminder, then later (once ``later`` is
    set, from another thread) sends the notice of ``LATER`` to the envelope sender via the return domain's MX."""

    mx_port: int
    received: list[tuple[str, list[str]]] = field(default_factory=list)
    later: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos)))
        for rcpt in envelope.rcpt_tos:
            if rcpt in LATER:
                threading.Thread(target=self._bounce, args=(envelope.mail_from, rcpt), daemon=True).start()
        return "250 2.0.0 queued"

    def _bounce(self, return_path: str, rcpt: str) -> None:
        self.later.wait(timeout=60)
        with smtplib.SMTP("127.0.0.1", self.mx_port, timeout=5) as smtp:
            smtp.sendmail("", [return_path], dsn(return_path, rcpt, *LATER[rcpt]))


@pytest.fixture
def mail_hops(tmp_path):
    """The return domain's MX (into a Maildir) and the relay that bounces later; both real SMTP servers."""
    maildir = tmp_path / "rebonds"
    mx = Controller(ReturnDomainMX(maildir), hostname="127.0.0.1", port=free_port())
    mx.start()
    relay = Relay(mx.port)
    relay_server = Controller(relay, hostname="127.0.0.1", port=free_port())
    relay_server.start()
    try:
        yield relay, relay_server.port, mx.port, maildir
    finally:
        relay_server.stop()
        mx.stop()


async def _wait_for(maildir: Path, count: int) -> None:
    for _ in range(200):
        if (maildir / "new").exists() and len(list((maildir / "new").iterdir())) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{count} notices expected in {maildir}")


async def test_a_bounced_reminder_is_recorded_once_and_shown(database_url, session, world, campagne, mail_hops,
                                                             tmp_path, support, gql):  # noqa: F811
    relay, relay_port, mx_port, maildir = mail_hops
    campagne_id = campagne.id
    env = {"ROR_GRAPH_DATABASE_URL": database_url, "ROR_GRAPH_DATA_DIR": str(tmp_path),
           "ROR_GRAPH_SMTP_HOST": "127.0.0.1", "ROR_GRAPH_SMTP_PORT": str(relay_port),
           "ROR_GRAPH_MAIL_RETURN_PATH": RETURN_PATH, "ROR_GRAPH_BOUNCE_MAILDIR": str(maildir),
           "ROR_GRAPH_SECRET_KEY": SECRET}
    # given the workers sent the late reminder of EG A to its référent and directeur
    results = await asyncio.gather(run_cli(env, "worker", "--once"), run_cli(env, "worker", "--once"))
    assert [code for code, _, _ in results] == [0, 0], results
    mails = {m.destinataire: m for m in (await session.exec(select(MailEnvoi))).all()}
    assert set(mails) >= {REFERENT, DIRECTEUR} and {mails[a].statut for a in (REFERENT, DIRECTEUR)} == {"envoye"}
    # each left with its own signed return path, naming its mail_envoi row
    senders = {rcpts[0]: sender for sender, rcpts in relay.received}
    for address in (REFERENT, DIRECTEUR):
        match = VERP.fullmatch(senders[address])
        assert match and int(match.group(1)) == mails[address].id, senders
    # and later the receiving server refuses one for good (5.1.1) and delays the other (4.2.2), over SMTP
    relay.later.set()
    await _wait_for(maildir, 2)
    # forged notices reach the same Maildir: a wrong signature (claiming the référent's mail failed), none at all
    forged = f"rebonds+{mails[REFERENT].id}.0000000000000000@ror.example.fr"
    with smtplib.SMTP("127.0.0.1", mx_port, timeout=5) as smtp:
        smtp.sendmail("", [forged], dsn(forged, REFERENT, "failed", "5.1.1", "smtp; 550 forged"))
        smtp.sendmail("", [RETURN_PATH], dsn(RETURN_PATH, REFERENT, "failed", "5.1.1", "smtp; 550 unsigned"))
    await _wait_for(maildir, 4)

    # when the bounce job is due (the test moves its schedule) and two worker processes run at once
    conn = await session.connection()
    await conn.execute(update(ScheduledJob).where(ScheduledJob.name == "rebonds").values(next_run_at=utcnow()))
    await session.commit()
    results = await asyncio.gather(run_cli(env, "worker", "--once"), run_cli(env, "worker", "--once"))
    assert [code for code, _, _ in results] == [0, 0], results
    reports = [line for _, _, err in results for line in err.splitlines() if line.startswith("rebonds:")]
    assert reports == ["rebonds: rebonds définitifs 1, temporaires 1, ignorés 2, déjà enregistrés 0"], results

    # then each notice is recorded once: the directeur's mail bounced, the référent's is only delayed
    session.expire_all()
    assert len((await session.exec(select(MailRebond))).all()) == 2
    mails = {m.destinataire: m for m in (await session.exec(select(MailEnvoi))).all()}
    assert (mails[DIRECTEUR].statut, mails[DIRECTEUR].rebond_code) == ("rebond", "5.1.1")
    assert "User unknown" in (mails[DIRECTEUR].rebond_diagnostic or "")
    assert (mails[REFERENT].statut, mails[REFERENT].rebond_code) == ("envoye", "4.2.2")  # the forged 5.1.1 ignored
    echecs = {a.email: a for a in (await session.exec(select(AdresseEchec))).all()}
    assert set(echecs) == {REFERENT, DIRECTEUR}
    assert (echecs[DIRECTEUR].definitif, echecs[REFERENT].definitif) == (True, False)
    # and the MTA delivering the same notice again changes nothing
    again = next(p for p in (maildir / "cur").iterdir() if b"5.1.1 <directeur" in p.read_bytes())
    mailbox.Maildir(maildir).add(again.read_bytes())
    bilan = await traiter_maildir(session, maildir, return_path=RETURN_PATH, key=SECRET, now=utcnow())
    assert (bilan.definitifs, bilan.deja_vus) == (0, 1)
    assert len((await session.exec(select(MailRebond))).all()) == 2
    assert (await session.exec(select(AdresseEchec.rebonds).where(AdresseEchec.email == DIRECTEUR))).one() == 1

    # and support sees the address en échec, the bounced mail, and the campaign's follow-up counts it
    page = await support.get("/admin/adresse-echec/list")
    assert page.status_code == 200 and DIRECTEUR in page.text and "User unknown" in page.text
    page = await support.get(f"/admin/mail-envoi/list?statut=rebond&campagne={campagne_id}")
    assert DIRECTEUR in page.text and REFERENT not in page.text and "5.1.1" in page.text
    page = await support.get(f"/admin/etablissement/details/{world.eg_a}")
    failed = page.text.split('id="relances-echec"', 1)[1].split("</ul>", 1)[0]
    assert DIRECTEUR in failed and "adresse en échec" in failed and "5.1.1" in failed and REFERENT not in failed
    page = await support.get(f"/admin/campagne/tableau?id={campagne_id}")
    assert re.search(r'id="relances-rebond">1 rejetées', page.text), page.text[-3000:]
    # and so does GraphQL (counts only, no address)
    data = await gql("{ campagnes { relances { envoyees echecs rebonds retardees } } }")
    assert data["campagnes"][0]["relances"] == {"envoyees": 2, "echecs": 0, "rebonds": 1, "retardees": 1}


async def test_a_refused_address_gets_no_reminder_until_support_restores_it(session, sessions, world, campagne, smtp,
                                                                           support):
    inbox, plain = smtp
    mail = replace(plain, return_path=RETURN_PATH, signing_key=SECRET)

    async def remind(week: int):
        inbox.clear()
        async with sessions() as fresh:
            bilan = await relancer(fresh, mail, public_url=PUBLIC_URL, now=ECHEANCE + timedelta(days=7 * week, hours=1))
        return bilan, sorted(m["To"] for m in inbox.messages if m["To"] in (REFERENT, DIRECTEUR))

    # given the first late reminder went to both, and the directeur's came back refused for good
    assert (await remind(0))[1] == [DIRECTEUR, REFERENT]
    envoi_id = (await session.exec(select(MailEnvoi.id).where(MailEnvoi.destinataire == DIRECTEUR))).one()
    raw = dsn(adresse_retour(RETURN_PATH, SECRET, envoi_id), DIRECTEUR, "failed", "5.1.1", "smtp; 550 unknown")
    assert await enregistrer(session, lire_avis(raw, RETURN_PATH, SECRET), utcnow())  # type: ignore[arg-type]
    # when the next weekly step is due, the refused address is skipped (and counted), the référent reminded
    bilan, sent = await remind(1)
    assert sent == [REFERENT] and bilan.suspendus == 1

    # when support puts it back in service, with a motif (required)
    [row_id] = (await session.exec(select(AdresseEchec.id).where(AdresseEchec.email == DIRECTEUR))).all()
    url = f"/admin/adresse-echec/retablir?pks={row_id}"
    form = {"csrf_token": await page_token(support, url), "pks": str(row_id)}
    assert (await support.post("/admin/adresse-echec/retablir", data={**form, "motif": ""})).status_code == 400
    done = await support.post("/admin/adresse-echec/retablir", data={**form, "motif": "Boîte recréée, ticket 42"})
    assert done.status_code == 303, done.text[-1500:]
    session.expire_all()
    assert (await session.exec(select(AdresseEchec).where(AdresseEchec.email == DIRECTEUR))).first() is None
    [audit] = (await session.exec(select(AuditLog).where(AuditLog.entity == "adresse_echec"))).all()
    assert (audit.actor, audit.motif, audit.new_value) == ("support@ars.test", "Boîte recréée, ticket 42",
                                                           "remise en service")
    assert DIRECTEUR in (audit.old_value or "")
    # then the following step reaches the directeur again
    bilan, sent = await remind(2)
    assert sent == [DIRECTEUR, REFERENT] and bilan.suspendus == 0
