"""The password-reset link goes out through the same mailer (and the same ``mail_envoi`` record)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from sqlmodel import select

from ror_graph.models import MailEnvoi, PasswordReset
from ror_graph.services.accounts.tokens import hash_token


async def run_cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    cli = Path(sys.executable).parent / "ror-graph"
    process = await asyncio.create_subprocess_exec(str(cli), *args, env={**os.environ, **env},
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_reset_password_send_mails_the_link(database_url, session, world, smtp, tmp_path):
    # given the SMTP relay settings of the deployment
    inbox, mail = smtp
    env = {"ROR_GRAPH_DATABASE_URL": database_url, "ROR_GRAPH_PUBLIC_URL": "https://ror.example.fr",
           "ROR_GRAPH_SMTP_HOST": mail.host, "ROR_GRAPH_SMTP_PORT": str(mail.port),
           "ROR_GRAPH_MAIL_SENDER": "ROR <ror@example.fr>", "ROR_GRAPH_DATA_DIR": str(tmp_path)}
    # when support sends a reset link to a référent
    code, out, err = await run_cli(env, "reset-password", "Referent.A@example.fr", "--send")
    # then the référent receives it, in French, and it is the stored one-time token
    assert code == 0, err
    assert out == "" and "e-mailed" in err
    [message] = inbox.messages
    assert message["To"] == "referent.a@example.fr" and message["From"] == "ROR <ror@example.fr>"
    body = message.get_payload(decode=True).decode("utf-8")
    assert "Réinitialisation" in body or "réinitialisation" in body
    link = next(line for line in body.splitlines() if line.startswith("https://ror.example.fr/admin/reset/"))
    row = (await session.exec(select(PasswordReset))).one()
    assert row.token_hash == hash_token(link.rsplit("/", 1)[1])
    sent = (await session.exec(select(MailEnvoi))).one()
    assert (sent.kind, sent.statut, sent.destinataire) == ("reset", "envoye", "referent.a@example.fr")


async def test_without_smtp_host_mails_land_in_the_local_mailbox(database_url, world, tmp_path):
    # given no SMTP host (as with `make run`)
    env = {"ROR_GRAPH_DATABASE_URL": database_url, "ROR_GRAPH_DATA_DIR": str(tmp_path), "ROR_GRAPH_SMTP_HOST": ""}
    code, _, err = await run_cli(env, "reset-password", "referent.a@example.fr", "--send")
    assert code == 0, err
    # then the message is a file of the Maildir in the data dir
    files = list((tmp_path / "mailbox" / "new").iterdir())
    assert len(files) == 1 and "referent.a@example.fr" in files[0].read_text()
