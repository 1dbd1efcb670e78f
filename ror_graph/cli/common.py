"""Helpers shared by CLI commands: settings, an engine for one command, coroutine running."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine

from ror_graph.db import make_engine
from ror_graph.services.mail.mailer import MailConfig
from ror_graph.settings import Settings, get_settings

T = TypeVar("T")


def settings() -> Settings:
    return get_settings()


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@asynccontextmanager
async def engine_for(url: str | None = None) -> AsyncIterator[AsyncEngine]:
    """An engine for the duration of one command."""
    engine = make_engine(url or settings().database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


def mail_config(config: Settings | None = None) -> MailConfig:
    """The mailer's settings: the SMTP relay if set, else the Maildir ``<data_dir>/mailbox``."""
    config = config or settings()
    return MailConfig(sender=config.mail_sender, host=config.smtp_host, port=config.smtp_port,
                      starttls=config.smtp_starttls, username=config.smtp_username, password=config.smtp_password,
                      mailbox_dir=config.data_dir / "mailbox", return_path=config.mail_return_path,
                      signing_key=signing_key(config) if config.mail_return_path else "")


def signing_key(config: Settings) -> str:
    """The key signing return paths: ``ROR_GRAPH_SECRET_KEY``, else the one kept in the data dir (shared by
    the server and the workers of that directory, like the admin sessions')."""
    from ror_graph.settings import DEV_SECRET, stored_secret

    return config.secret_key if config.secret_key != DEV_SECRET else stored_secret(config.data_dir)
