"""Password changes by their owner and one-time reset links issued by administrators.

Both end every open session of the account (API bearer tokens and back-office sessions): whoever
knew the old password, or stole a session, is out. A reset token is random, stored as its SHA-256
digest, works once, and expires after ``Settings.password_reset_minutes``. Sending the link by
e-mail comes later: for now ``ror-graph reset-password`` prints it for the administrator.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Account, PasswordReset, utcnow
from ror_graph.services.accounts.auth import hash_token, new_token
from ror_graph.services.accounts.passwords import check_password_policy, hash_password_async, verify_password_async
from ror_graph.services.accounts.sessions import revoke_all_sessions
from ror_graph.services.accounts.throttle import (
    ThrottlePolicy,
    begin_attempt,
    clear_account,
    record_failure,
    record_success,
    throttle_keys,
)
from ror_graph.services.core.changes import Actor, ChangeSet
from ror_graph.services.core.errors import BadInputError, NotFoundError, UnauthenticatedError
from ror_graph.services.core.write_common import in_transaction

INVALID_LINK = "This reset link is invalid, already used or expired; ask an administrator for a new one."


async def _set_password(session: AsyncSession, account: Account, password: str, *, actor: Actor, now: datetime,
                        field: str) -> int:
    """Store the new hash, revoke every session, audit (without any secret); returns the sessions revoked."""
    assert account.id is not None  # a row read from the database
    check_password_policy(password, email=account.email, field=field)
    account.password_hash = await hash_password_async(password)
    cs = ChangeSet(session, actor, now=now)
    revoked = await revoke_all_sessions(session, account.id, now=now)
    cs.record("account", str(account.id), "password", None, "changed")
    if revoked:
        cs.record("account", str(account.id), "revoked_sessions", None, revoked)
    await cs.flush()
    return revoked


async def change_password(session: AsyncSession, *, account_id: int | None, ancien: str, nouveau: str,
                          address: str | None = None, policy: ThrottlePolicy | None = None,
                          source: str = "api", now: datetime | None = None) -> int:
    """The account changes its own password; returns how many sessions were ended (all of them). Commits.

    The current password is checked like a login (same throttle), so a stolen session cannot be
    used to guess it. Refused with ``BAD_INPUT`` when the new one breaks the policy.
    """
    now = now or utcnow()
    account = await session.get(Account, account_id) if account_id is not None else None
    if account is None or not account.active:
        raise UnauthenticatedError("Log in to change your password.")
    keys, policy = throttle_keys(account.email, address), policy or ThrottlePolicy()
    check_password_policy(nouveau, email=account.email, field="nouveau")
    await begin_attempt(session, keys, policy, now)
    if not await verify_password_async(account.password_hash, ancien):
        await record_failure(session, keys, policy, now)
        raise BadInputError("The current password is wrong.", field="ancien")
    await record_success(session, keys)
    actor = Actor(name=account.email, role=account.role, source=source, account_id=account.id)
    return await in_transaction(
        session, lambda: _set_password(session, account, nouveau, actor=actor, now=now, field="nouveau"))


async def issue_reset(session: AsyncSession, *, email: str, lifetime: timedelta = timedelta(hours=1),
                      now: datetime | None = None) -> tuple[str, datetime]:
    """A one-time reset token for the active account ``email``: ``(token, expires_at)``; commits.

    Issued by an administrator (CLI); earlier unused links of the account stop working.
    """
    now = now or utcnow()
    account = (await session.exec(select(Account).where(Account.email == (email or "").strip().lower()))).first()
    if account is None or not account.active:
        raise NotFoundError(f"No active account with e-mail {email!r}.", field="email")
    assert account.id is not None  # a row read from the database
    conn = await session.connection()
    await conn.execute(update(PasswordReset).where(col(PasswordReset.account_id) == account.id,
                                                   col(PasswordReset.used_at).is_(None)).values(used_at=now))
    token = new_token()
    session.add(PasswordReset(account_id=account.id, token_hash=hash_token(token), created_at=now,
                              expires_at=now + lifetime))
    await session.commit()
    return token, now + lifetime


async def reset_target(session: AsyncSession, token: str, *, now: datetime | None = None) -> Account:
    """The account a reset link is for; ``BAD_INPUT`` when the link is unknown, used or expired."""
    now = now or utcnow()
    row = (await session.exec(select(PasswordReset, Account).join(Account, col(Account.id) == PasswordReset.account_id)
                              .where(col(PasswordReset.token_hash) == hash_token(token or "")))).first()
    if row is None or row[0].used_at is not None or _aware(row[0].expires_at) <= now or not row[1].active:
        raise BadInputError(INVALID_LINK, field="token")
    return row[1]


async def reset_password(session: AsyncSession, *, token: str, nouveau: str, now: datetime | None = None) -> Account:
    """Set a new password through a reset link: single use, ends every session, unlocks the e-mail. Commits."""
    now = now or utcnow()
    account = await reset_target(session, token, now=now)

    async def work() -> None:
        conn = await session.connection()
        used = await conn.execute(update(PasswordReset).where(col(PasswordReset.token_hash) == hash_token(token),
                                                              col(PasswordReset.used_at).is_(None)).values(used_at=now))
        if not used.rowcount:  # a concurrent request used it first
            raise BadInputError(INVALID_LINK, field="token")
        actor = Actor(name=account.email, role=account.role, source="admin", account_id=account.id)
        await _set_password(session, account, nouveau, actor=actor, now=now, field="nouveau")
        await clear_account(session, account.email)

    await in_transaction(session, work)
    return account


def _aware(value: Any) -> Any:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)
