"""Bounces: delivery status notices (DSN, RFC 3464) received for our e-mails, recorded once each.

A server that accepted a message and refuses it later (unknown mailbox, full mailbox, policy…) sends
a ``multipart/report; report-type=delivery-status`` to the message's envelope sender — our signed
per-message return path (``retour``), which the MTA of the return domain (Postfix, Dovecot…) delivers
into a Maildir: ``ROR_GRAPH_BOUNCE_MAILDIR``. The worker's ``rebonds`` job reads it:

* the notice must be addressed (``Delivered-To``, ``X-Original-To``, ``To``…) to a return address
  whose HMAC checks: otherwise it is ignored (forged, unsigned, or not about our mail);
* ``Action: failed`` with a ``5.x.x`` status is permanent: the ``mail_envoi`` becomes ``rebond``;
  ``delayed`` / ``4.x.x`` is recorded (status, diagnostic) but the e-mail stays ``envoye``;
* the address is put « en échec » (``AdresseEchec``) for support, and the campaign follow-up counts
  the reminders that bounced.

Exactly once across processes: each notice gets a ``mail_rebond`` row with a unique ``cle`` (e-mail
id + hash of the notice's Message-ID), inserted in the same transaction as its effects; a second
worker reading the same file inserts nothing and changes nothing. Files are moved from ``new/`` to
``cur/`` (atomic rename) and flagged seen once recorded.
"""

from __future__ import annotations

import contextlib
import email
import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from email.policy import compat32
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import AdresseEchec, MailEnvoi, MailRebond
from ror_graph.services.mail.outbox import REBOND
from ror_graph.services.mail.retour import mail_id_de

ADDRESS_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")
FATAL_ACTIONS, TRANSIENT_ACTIONS = {"failed"}, {"delayed"}
BATCH = 200


@dataclass(frozen=True)
class Notice:
    """What a DSN says about one recipient of one of our e-mails."""

    mail_id: int
    cle: str
    destinataire: str
    action: str
    code: str
    diagnostic: str | None

    @property
    def definitif(self) -> bool:
        return self.action in FATAL_ACTIONS and self.code.startswith("5")


def _recipient_fields(report: Message) -> Message | None:
    """The first per-recipient group of the ``message/delivery-status`` part that has an ``Action``."""
    for part in report.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for group in part.get_payload() or []:
            if isinstance(group, Message) and group.get("Action"):
                return group
    return None


def _clean(value: object, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit]


def lire_avis(raw: bytes, return_path: str, key: str) -> Notice | None:
    """The notice in ``raw`` if it is a DSN about one of our e-mails (signed return address); else ``None``."""
    message = email.message_from_bytes(raw, policy=compat32)
    if message.get_content_type() != "multipart/report" or message.get_param("report-type") != "delivery-status":
        return None
    mail_id = next((found for header in ADDRESS_HEADERS for value in message.get_all(header) or []
                    for _, address in email.utils.getaddresses([str(value)])
                    if (found := mail_id_de(return_path, key, address)) is not None), None)
    fields = _recipient_fields(message)
    if mail_id is None or fields is None:
        return None
    action = _clean(fields.get("Action"), 20).lower()
    code = _clean(fields.get("Status"), 12)
    if action not in FATAL_ACTIONS | TRANSIENT_ACTIONS or code[:1] not in {"4", "5"}:
        return None
    recipient = _clean(fields.get("Final-Recipient") or fields.get("Original-Recipient"), 300).split(";")[-1].strip()
    diagnostic = _clean(fields.get("Diagnostic-Code"), 1000).split(";", 1)[-1].strip() or None
    ident = hashlib.sha256((message.get("Message-ID") or "").encode() or raw).hexdigest()[:40]
    return Notice(mail_id, f"{mail_id}:{ident}", recipient.lower(), action, code, diagnostic)


async def _record(session: AsyncSession, notice: Notice, now: datetime) -> bool:
    """Insert the notice's row and apply its effects in the current transaction, unless already recorded."""
    conn = await session.connection()
    envoi = (await conn.execute(select(MailEnvoi.destinataire).where(col(MailEnvoi.id) == notice.mail_id))).first()
    if envoi is None:
        return False
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    address = (notice.destinataire or envoi[0]).lower()[:200]
    created = await conn.execute(dialect_insert(MailRebond).values(
        cle=notice.cle, mail_envoi_id=notice.mail_id, destinataire=address, action=notice.action, code=notice.code,
        diagnostic=notice.diagnostic, definitif=notice.definitif, recu_at=now).on_conflict_do_nothing(
        index_elements=["cle"]))
    if created.rowcount != 1:
        return False
    values = {"rebond_at": now, "rebond_code": notice.code, "rebond_diagnostic": notice.diagnostic}
    await conn.execute(update(MailEnvoi).where(col(MailEnvoi.id) == notice.mail_id)
                       .values(**values, **({"statut": REBOND} if notice.definitif else {})))
    await conn.execute(dialect_insert(AdresseEchec).values(
        email=address, definitif=notice.definitif, code=notice.code, diagnostic=notice.diagnostic, rebonds=1,
        dernier_mail_envoi_id=notice.mail_id, premier_at=now, dernier_at=now).on_conflict_do_update(
        index_elements=["email"], set_={
            "definitif": True if notice.definitif else AdresseEchec.definitif, "code": notice.code,
            "diagnostic": notice.diagnostic, "rebonds": AdresseEchec.rebonds + 1,
            "dernier_mail_envoi_id": notice.mail_id, "dernier_at": now}))
    return True


async def enregistrer(session: AsyncSession, notice: Notice, now: datetime) -> bool:
    """Record ``notice`` and its effects in one transaction; ``False`` if it was already (or names no e-mail)."""
    done = await _record(session, notice, now)
    await session.commit()
    return done


@dataclass
class BilanRebonds:
    """What one pass over the bounce Maildir did."""

    definitifs: int = 0
    temporaires: int = 0
    ignores: int = 0
    deja_vus: int = 0

    def __str__(self) -> str:
        return (f"rebonds définitifs {self.definitifs}, temporaires {self.temporaires}, ignorés {self.ignores}, "
                f"déjà enregistrés {self.deja_vus}")


def _claim_new(maildir: Path) -> None:
    """Move what the MTA delivered from ``new/`` to ``cur/`` (a rename: atomic, one process wins each file)."""
    for entry in os.scandir(maildir / "new"):
        with contextlib.suppress(FileNotFoundError):  # another worker moved it first
            os.rename(entry.path, maildir / "cur" / f"{entry.name}:2,")


def _unseen(maildir: Path) -> list[Path]:
    return sorted(Path(e.path) for e in os.scandir(maildir / "cur") if "S" not in e.name.rpartition(":2,")[2])


async def traiter_maildir(session: AsyncSession, maildir: Path, *, return_path: str, key: str,
                          now: datetime) -> BilanRebonds:
    """Read every unseen notice of ``maildir``, record ours once, flag each file seen (the job ``rebonds``).

    ``BATCH`` files per transaction: their files are flagged only after it committed, so a crash leaves
    them unseen and the next pass records what was not (the unique ``cle`` skips what was).
    """
    bilan = BilanRebonds()
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    _claim_new(maildir)
    paths = _unseen(maildir)
    for start in range(0, len(paths), BATCH):
        done = []
        for path in paths[start:start + BATCH]:
            try:
                notice = lire_avis(path.read_bytes(), return_path, key)
            except FileNotFoundError:  # flagged by another worker meanwhile
                continue
            done.append(path)
            if notice is None:
                bilan.ignores += 1
            elif await _record(session, notice, now):
                bilan.definitifs += notice.definitif
                bilan.temporaires += not notice.definitif
            else:
                bilan.deja_vus += 1
        await session.commit()
        for path in done:
            with contextlib.suppress(FileNotFoundError):
                os.rename(path, path.with_name(path.name + "S"))
    return bilan
