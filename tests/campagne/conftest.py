"""Campaign tests: the write-path world (EG A Paris with référent + directeur, EG B Lyon), a real SMTP
server in-process (aiosmtpd) that keeps what it receives, and a controlled clock."""

from __future__ import annotations

import asyncio
import email
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

from ror_graph.db import session_factory
from ror_graph.models import Campagne
from ror_graph.services.mail.mailer import MailConfig
from tests.admin.conftest import (  # noqa: F401  (fixtures of the back-office tests)
    accounts,
    admin_app,
    client,
    password_hash,
    settings,
    structures,
    support,
)
from tests.admin.test_browser import server  # noqa: F401  (fixtures)
from tests.live import free_port
from tests.write.conftest import database_url, world  # noqa: F401  (fixtures)

OUVERTURE = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
ECHEANCE = datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
PUBLIC_URL = "https://ror.example.fr"


@dataclass
class Inbox:
    """What the in-process SMTP server received, as parsed messages."""

    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, smtp_server, session, envelope):  # aiosmtpd handler hook
        message = email.message_from_bytes(envelope.content)
        message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    def subjects(self) -> list[tuple[str, str]]:
        return sorted((m["To"], str(email.header.make_header(email.header.decode_header(m["Subject"]))))
                      for m in self.messages)

    def clear(self) -> None:
        self.messages.clear()


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, MailConfig]]:
    """A real SMTP server on a loopback port, and a mailer configured to use it."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, MailConfig(sender="ROR Pays de test <ror@example.fr>", host="127.0.0.1", port=port, timeout=5)
    finally:
        controller.stop()


@pytest.fixture
def sessions(engine):
    return session_factory(engine)


@pytest.fixture
async def campagne(session, world) -> Campagne:  # noqa: F811
    """Campaign 2026 of Île-de-France (région 11): covers EG A only."""
    row = Campagne(nom="Campagne 2026 Île-de-France", region_code="11", ouverture=OUVERTURE, echeance=ECHEANCE)
    session.add(row)
    await session.commit()
    await session.refresh(row)
    return row


async def settle() -> None:
    await asyncio.sleep(0)
