"""Bearer tokens: random secrets shown once, stored as SHA-256 digests, their last use stamped sparingly.

Shared by API clients (``auth``) and login sessions (``sessions``), which both resolve a token to a row.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlmodel.ext.asyncio.session import AsyncSession

TOUCH_EVERY = timedelta(minutes=1)  # last use is written at most this often: not a write per request


def new_token() -> str:
    """A fresh random bearer token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """SHA-256 hex digest of ``token``: what the database keeps instead of the secret."""
    return hashlib.sha256(token.encode()).hexdigest()


def aware(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime (SQLite gives naive ones back)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def touch(session: AsyncSession, model: Any, row_id: int, last_used_at: datetime | None,
                now: datetime) -> None:
    """Record a use of ``model`` row ``row_id`` (a token) unless one was recorded less than a minute ago; commits."""
    if last_used_at is not None and aware(last_used_at) > now - TOUCH_EVERY:
        return
    conn = await session.connection()
    await conn.execute(update(model).where(model.id == row_id, or_(model.last_used_at.is_(None),
                                                                   model.last_used_at <= now - TOUCH_EVERY))
                       .values(last_used_at=now))
    await session.commit()
