"""Server-side login sessions: GraphQL bearer tokens and back-office cookie sessions, one table.

The client holds only a random token; the database keeps its SHA-256 digest with the account, the
creation, last use, absolute expiry and revocation dates. So logout really ends a session, and a
password change, a reset or a deactivation ends all of the account's sessions at once. Last use
is written at most once a minute (``TOUCH_EVERY``) to avoid a write per request.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Account, SessionKind, SessionToken, utcnow
from ror_graph.services.accounts.auth import admin_actor
from ror_graph.services.accounts.tokens import aware as _aware
from ror_graph.services.accounts.tokens import hash_token, new_token, touch
from ror_graph.services.core.changes import ChangeSet
from ror_graph.services.core.errors import BadInputError, NotFoundError
from ror_graph.services.core.write_common import in_transaction


async def issue_session(session: AsyncSession, account_id: int, *, kind: SessionKind, lifetime: timedelta,
                        now: datetime | None = None) -> tuple[str, datetime]:
    """Open a session of ``kind`` for the account; returns ``(token, expires_at)``; commits.

    The token is shown once to the client and never stored.
    """
    now = now or utcnow()
    token = new_token()
    expires_at = now + lifetime
    session.add(SessionToken(account_id=account_id, token_hash=hash_token(token), kind=kind.value,
                             created_at=now, last_used_at=now, expires_at=expires_at))
    await session.commit()
    return token, expires_at


async def revoke_session(session: AsyncSession, token: str | None, *, now: datetime | None = None) -> None:
    """Revoke the session of ``token`` (unknown or already revoked tokens are ignored); commits."""
    if not token:
        return
    conn = await session.connection()
    await conn.execute(update(SessionToken)
                       .where(col(SessionToken.token_hash) == hash_token(token), col(SessionToken.revoked_at).is_(None))
                       .values(revoked_at=now or utcnow()))
    await session.commit()


async def revoke_all_sessions(session: AsyncSession, account_id: int, *, now: datetime) -> int:
    """Revoke every open session of the account (API and back office); returns how many; does not commit."""
    conn = await session.connection()
    result = await conn.execute(
        update(SessionToken)
        .where(col(SessionToken.account_id) == account_id, col(SessionToken.revoked_at).is_(None),
               col(SessionToken.expires_at) > now)
        .values(revoked_at=now)
    )
    return result.rowcount or 0


async def resolve_admin_session(session: AsyncSession, token: str | None, *, idle: timedelta,
                                now: datetime | None = None) -> Account | None:
    """The active account of an open back-office session, or ``None``; refreshes the session's last use.

    A session ends when revoked, past its absolute expiry, or unused for ``idle`` (idle timeout).
    """
    if not token:
        return None
    now = now or utcnow()
    row = (await session.exec(
        select(SessionToken, Account).join(Account, col(Account.id) == SessionToken.account_id)
        .where(col(SessionToken.token_hash) == hash_token(token), col(SessionToken.kind) == SessionKind.admin.value)
    )).first()
    if row is None:
        return None
    login, account = row
    last = _aware(login.last_used_at or login.created_at)
    if login.revoked_at is not None or _aware(login.expires_at) <= now or last <= now - idle or not account.active:
        return None
    assert login.id is not None  # a row read from the database
    await touch(session, SessionToken, login.id, login.last_used_at, now)
    return account


async def revoke_session_by_id(session: AsyncSession, *, actor: Any, session_id: int, motif: str | None = None,
                               now: datetime | None = None) -> None:
    """Admin: end one session (a lost laptop, a leaked token); audited (entity ``session_token``); commits."""
    now = now or utcnow()

    async def work() -> None:
        writer = await admin_actor(session, actor)
        row = await session.get(SessionToken, session_id)
        if row is None:
            raise NotFoundError(f"No session with id {session_id}.", field="session_id")
        if row.revoked_at is not None or _aware(row.expires_at) <= now:
            raise BadInputError("This session has already ended.", field="session_id")
        cs = ChangeSet(session, writer, motif=(motif or "").strip() or None, now=now)
        cs.set(row, "session_token", str(row.id), "revoked_at", now)
        await cs.flush()

    await in_transaction(session, work)
