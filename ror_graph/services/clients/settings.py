"""Feed settings of an API client (admin only, audited): regions, webhook URL and its HMAC secret.

A webhook URL must be HTTPS; plain HTTP is accepted for a loopback host only (a receiver on the
same machine, for development and tests). The secret is generated here, shown once to the admin,
and kept in the database because every delivery is signed with it (HMAC-SHA256 needs the key itself,
unlike a token, which only needs its digest).
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import ApiClient, ApiClientFeed, Event, Region, utcnow
from ror_graph.services.accounts.auth import admin_actor
from ror_graph.services.core.changes import ChangeSet
from ror_graph.services.core.errors import BadInputError, NotFoundError

LOOPBACK_NAMES = {"localhost"}


def check_webhook_url(url: str) -> str:
    """The URL, stripped; ``BAD_INPUT`` unless HTTPS (or HTTP to a loopback host) with a host."""
    url = url.strip()
    parts = urlsplit(url)
    if not parts.hostname or parts.scheme not in ("https", "http") or len(url) > 500:
        raise BadInputError("A webhook URL is an https:// address (500 characters at most).", field="webhook_url")
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise BadInputError("A webhook URL must use HTTPS (plain HTTP only to this machine).", field="webhook_url")
    return url


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host.lower() in LOOPBACK_NAMES


async def _check_regions(session: AsyncSession, regions: list[str]) -> list[str]:
    wanted = sorted({r.strip() for r in regions if r.strip()})
    conn = await session.connection()
    statement = select(col(Region.code)).where(col(Region.code).in_(wanted))
    known = set((await conn.execute(statement)).scalars()) if wanted else set()
    if unknown := [r for r in wanted if r not in known]:
        raise BadInputError(f"Unknown region code {unknown[0]!r} (COG).", field="regions")
    return wanted


async def configure_feed(session: AsyncSession, *, actor: Any, client_id: int, regions: list[str],
                         webhook_url: str | None, rotate_secret: bool = False,
                         now: datetime | None = None) -> tuple[ApiClientFeed, str | None]:
    """Set the regions and webhook of client ``client_id``; returns the settings and a new secret (shown
    once) when one was generated (first webhook URL, or ``rotate_secret``). Audited; commits or nothing."""
    now = now or utcnow()
    try:
        writer = await admin_actor(session, actor)
        if await session.get(ApiClient, client_id) is None:
            raise NotFoundError(f"No API client with id {client_id}.", field="client_id")
        feed = await session.get(ApiClientFeed, client_id) or ApiClientFeed(client_id=client_id)
        url = check_webhook_url(webhook_url) if webhook_url and webhook_url.strip() else None
        cs = ChangeSet(session, writer, now=now)
        cs.set(feed, "api_client", str(client_id), "regions", await _check_regions(session, regions) or None)
        cs.set(feed, "api_client", str(client_id), "webhook_url", url)
        secret = None
        if url and (rotate_secret or not feed.webhook_secret):
            secret = secrets.token_urlsafe(32)
            feed.webhook_secret = secret
            cs.record("api_client", str(client_id), "webhook_secret", None, "(nouveau secret)")
        feed.updated_at = now
        session.add(feed)
        await cs.flush()
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    return feed, secret


async def record_read(session: AsyncSession, client_id: int, seq: int, *, now: datetime | None = None) -> None:
    """Remember how far client ``client_id`` has read the feed (its lag on the dashboard); commits."""
    feed = await session.get(ApiClientFeed, client_id) or ApiClientFeed(client_id=client_id)
    if feed.last_seq is None or seq > feed.last_seq:
        feed.last_seq = seq
    feed.last_read_at = now or utcnow()
    session.add(feed)
    await session.commit()


async def client_regions(session: AsyncSession, client_id: int | None) -> frozenset[str]:
    """The regions client ``client_id`` is limited to (empty: the whole country, or not an API client)."""
    if client_id is None:
        return frozenset()
    feed = await session.get(ApiClientFeed, client_id)
    return frozenset(feed.regions or ()) if feed else frozenset()


@dataclass(frozen=True)
class ClientPosition:
    """Where a client stands in the feed: last position read, when, and changes waiting after it."""

    last_seq: int | None
    last_read_at: datetime | None
    lag: int | None


async def position(session: AsyncSession, client_id: int) -> ClientPosition:
    feed = await session.get(ApiClientFeed, client_id)
    if feed is None or feed.last_seq is None:
        return ClientPosition(None, None, None)
    conn = await session.connection()
    waiting = select(func.count()).select_from(Event).where(col(Event.seq) > feed.last_seq)
    lag = (await conn.execute(waiting)).scalar_one()
    return ClientPosition(feed.last_seq, feed.last_read_at, lag)
