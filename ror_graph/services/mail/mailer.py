"""Send one message over SMTP, or drop it into a local Maildir when no SMTP host is configured.

``smtplib`` runs in a worker thread so a slow relay never stalls the event loop; the standard library
is enough (no extra dependency). Errors are raised as ``MailError`` with a one-line reason, which the
callers store on the ``MailEnvoi`` row for support to see.
"""

from __future__ import annotations

import asyncio
import mailbox
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path


class MailError(Exception):
    """The message could not be handed over (connection refused, relay refusal, bad address...)."""


@dataclass(frozen=True)
class MailConfig:
    """Where messages go: SMTP ``host`` (empty = the ``mailbox_dir`` Maildir) and how to reach it."""

    sender: str = "ROR <ne-pas-repondre@localhost>"
    host: str = ""
    port: int = 25
    starttls: bool = False
    username: str = ""
    password: str = ""
    timeout: float = 20.0
    mailbox_dir: Path | None = None
    return_path: str = ""  # base of the per-message envelope sender (``retour``); empty = the sender's address
    signing_key: str = ""  # signs that envelope sender (HMAC), so forged bounces name no e-mail


def envelope_sender(config: MailConfig, mail_id: int | None) -> str | None:
    """The envelope sender (``MAIL FROM``) of e-mail ``mail_id``: its signed return path when configured."""
    from ror_graph.services.mail.retour import adresse_retour

    if not config.return_path or mail_id is None:
        return None
    return adresse_retour(config.return_path, config.signing_key, mail_id)


def build_message(config: MailConfig, *, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text UTF-8 message from the configured sender."""
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="ror-graph")
    message.set_content(body, charset="utf-8")
    return message


def _smtp_send(config: MailConfig, message: EmailMessage, envelope: str | None) -> None:
    try:
        with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as smtp:
            if config.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.username:
                smtp.login(config.username, config.password)
            refused = smtp.send_message(message, from_addr=envelope)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}"[:500]) from exc
    if refused:
        raise MailError(f"refused recipients: {', '.join(refused)}"[:500])


def _mailbox_send(config: MailConfig, message: EmailMessage, envelope: str | None) -> None:
    if envelope:
        message["Return-Path"] = f"<{envelope}>"  # what the final delivery would record
    if config.mailbox_dir is None:
        raise MailError("no SMTP host and no mailbox folder configured")
    try:
        box = mailbox.Maildir(config.mailbox_dir, create=True)
        box.add(message)
    except OSError as exc:
        raise MailError(f"{type(exc).__name__}: {exc}"[:500]) from exc


async def send(config: MailConfig, *, to: str, subject: str, body: str, mail_id: int | None = None) -> None:
    """Hand one message over (envelope sender naming ``mail_id`` when set); ``MailError`` when it could not be."""
    message = build_message(config, to=to, subject=subject, body=body)
    sender = _smtp_send if config.host else _mailbox_send
    await asyncio.to_thread(sender, config, message, envelope_sender(config, mail_id))
