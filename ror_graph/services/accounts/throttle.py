"""Login throttling per account e-mail and per client address, stored in the database.

Every login attempt is *counted before* the password is checked, with one atomic ``UPDATE`` per
key, so concurrent guesses (several workers, parallel requests) cannot all slip under the limit:
at most ``max_failures`` passwords are verified per e-mail and window. A failure that reaches the
limit locks the key for ``lock``, and each new lock of a key within ``growth_window`` of the end
of its previous lock lasts twice as long as that one (capped at ``max_lock``), computed inside the
locking ``UPDATE``. A locked key is refused without verifying anything, with the same answer
whether the account exists or the password was right (no oracle), but with the typed code
``TOO_MANY_ATTEMPTS`` and the seconds to wait. A success clears the account's counter and the
growth of its keys; so does an admin unlock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, delete, literal, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.sqltypes import UTCDateTime

from ror_graph.models import Account, LoginThrottle, utcnow
from ror_graph.services.accounts.auth import admin_actor
from ror_graph.services.core.changes import ChangeSet
from ror_graph.services.core.errors import NotFoundError, UnauthenticatedError
from ror_graph.services.core.write_common import in_transaction

ACCOUNT, ADDRESS = "account", "address"


class TooManyAttemptsError(UnauthenticatedError):
    """Too many failed logins for this e-mail or address: refused until ``retry_after`` seconds pass."""

    code = "TOO_MANY_ATTEMPTS"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many failed login attempts: try again in {retry_after} seconds.")
        self.retry_after = retry_after


@dataclass(frozen=True)
class ThrottlePolicy:
    """Limits of the login throttle (``Settings.login_*``)."""

    max_failures: int = 5
    max_address_failures: int = 30
    window: timedelta = timedelta(minutes=15)
    lock: timedelta = timedelta(minutes=15)
    max_lock: timedelta = timedelta(hours=24)
    growth_window: timedelta = timedelta(hours=24)

    @classmethod
    def of(cls, settings: Any) -> ThrottlePolicy:
        """The policy configured by ``settings`` (duck-typed: services never read settings themselves)."""
        return cls(max_failures=settings.login_max_failures, max_address_failures=settings.login_address_max_failures,
                   window=timedelta(minutes=settings.login_window_minutes),
                   lock=timedelta(minutes=settings.login_lock_minutes))

    def limit(self, scope: str) -> int:
        return self.max_failures if scope == ACCOUNT else self.max_address_failures

    def durations(self) -> list[timedelta]:
        """Lengths of the 1st, 2nd, … lock of a series: doubling from ``lock``, the last one is ``max_lock``."""
        lengths = [min(self.lock, self.max_lock)]
        while lengths[-1] < self.max_lock:
            lengths.append(min(lengths[-1] * 2, self.max_lock))
        return lengths


def throttle_keys(email: str, address: str | None) -> list[tuple[str, str]]:
    """The counters one attempt touches: the normalised e-mail, and the client address when known."""
    keys = [(ACCOUNT, (email or "").strip().lower()[:200])]
    if address:
        keys.append((ADDRESS, address[:200]))
    return keys


def _row(scope: str, key: str) -> ColumnElement[bool]:
    return (col(LoginThrottle.scope) == scope) & (col(LoginThrottle.key) == key)


async def _ensure_row(session: AsyncSession, scope: str, key: str, now: datetime) -> None:
    exists = (await session.exec(select(LoginThrottle.id).where(_row(scope, key)))).first()
    if exists is not None:
        return
    try:
        async with session.begin_nested():
            session.add(LoginThrottle(scope=scope, key=key, failures=0, window_started_at=now, last_attempt_at=now))
    except IntegrityError:  # a concurrent attempt created it first
        pass


async def _count(session: AsyncSession, scope: str, key: str, policy: ThrottlePolicy, now: datetime) -> int | None:
    """Count one attempt on an unlocked key (a new window after expiry); ``None`` when the key is locked."""
    await _ensure_row(session, scope, key, now)
    restart = or_(col(LoginThrottle.window_started_at) <= now - policy.window,
                  col(LoginThrottle.locked_until).is_not(None))
    conn = await session.connection()
    result = await conn.execute(
        update(LoginThrottle)
        .where(_row(scope, key), _not_locked(now))
        .values(failures=case((restart, 1), else_=LoginThrottle.failures + 1),
                window_started_at=case((restart, now), else_=LoginThrottle.window_started_at),
                locked_until=None, last_attempt_at=now)
        .returning(col(LoginThrottle.failures))
    )
    return result.scalar_one_or_none()


def _not_locked(now: datetime) -> ColumnElement[bool]:
    return or_(col(LoginThrottle.locked_until).is_(None), col(LoginThrottle.locked_until) <= now)


def _lock_values(policy: ThrottlePolicy, now: datetime) -> dict[str, Any]:
    """The new lock, computed in the ``UPDATE`` itself from the stored series (atomic across processes)."""
    recent = col(LoginThrottle.last_locked_until) > now - policy.growth_window
    previous = case((recent, LoginThrottle.locks), else_=0)
    ends = [literal(now + length, UTCDateTime()) for length in policy.durations()]
    until = case(*[(previous == n, end) for n, end in enumerate(ends[:-1])], else_=ends[-1]) if len(ends) > 1 \
        else ends[0]
    return {"locked_until": until, "last_locked_until": until, "locks": previous + 1}


async def _lock(session: AsyncSession, scope: str, key: str, policy: ThrottlePolicy, now: datetime) -> datetime:
    """Lock the key for the next length of its series (an existing, later lock is kept); returns the lock's end."""
    conn = await session.connection()
    await conn.execute(update(LoginThrottle).where(_row(scope, key), _not_locked(now))
                       .values(**_lock_values(policy, now)))
    locked = (await session.exec(select(LoginThrottle.locked_until).where(_row(scope, key)))).one()
    assert locked is not None, "the UPDATE above set the lock, or kept a later one"
    return locked if locked.tzinfo else locked.replace(tzinfo=now.tzinfo)


def _seconds(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


async def begin_attempt(session: AsyncSession, keys: list[tuple[str, str]], policy: ThrottlePolicy,
                        now: datetime | None = None) -> None:
    """Count an attempt on every key and commit; raise ``TooManyAttemptsError`` if one is (now) locked."""
    now = now or utcnow()
    waits = []
    for scope, key in keys:
        failures = await _count(session, scope, key, policy, now)
        if failures is None or failures > policy.limit(scope):
            waits.append(_seconds(await _lock(session, scope, key, policy, now), now))
    await session.commit()
    if waits:
        raise TooManyAttemptsError(max(waits))


async def record_failure(session: AsyncSession, keys: list[tuple[str, str]], policy: ThrottlePolicy,
                         now: datetime | None = None) -> None:
    """After a wrong password: lock every key whose counter reached its limit; commits."""
    now = now or utcnow()
    for scope, key in keys:
        conn = await session.connection()
        await conn.execute(update(LoginThrottle).where(
            _row(scope, key), col(LoginThrottle.failures) >= policy.limit(scope), _not_locked(now))
            .values(**_lock_values(policy, now)))
    await session.commit()


async def record_success(session: AsyncSession, keys: list[tuple[str, str]]) -> None:
    """After a right password: forget the account's failures, give the address its attempt back; commits.

    The account's lock series starts again; the address's does not: whoever owns one real account
    must not be able to reset the growth of the address they guess other accounts' passwords from.
    """
    conn = await session.connection()
    for scope, key in keys:
        if scope == ACCOUNT:
            await conn.execute(delete(LoginThrottle).where(_row(scope, key)))
        else:
            await conn.execute(update(LoginThrottle).where(_row(scope, key)).values(
                failures=case((col(LoginThrottle.failures) > 0, LoginThrottle.failures - 1), else_=0)))
    await session.commit()


async def clear_account(session: AsyncSession, email: str) -> None:
    """Forget the failures and lock of ``email`` (after a password reset); does not commit."""
    conn = await session.connection()
    await conn.execute(delete(LoginThrottle).where(_row(ACCOUNT, (email or "").strip().lower())))


async def unlock(session: AsyncSession, *, actor: Any, throttle_id: int | None = None, account_id: int | None = None,
                 motif: str | None = None, now: datetime | None = None) -> bool:
    """Admin "unlock": clear the failures and lock of one counter, or of an account's e-mail; audited; commits.

    Returns False when there was nothing to clear (an account without failures).
    """

    async def work() -> bool:
        writer = await admin_actor(session, actor)
        if account_id is not None:
            account = await session.get(Account, account_id)
            if account is None:
                raise NotFoundError(f"No account with id {account_id}.", field="account_id")
            row = (await session.exec(select(LoginThrottle).where(_row(ACCOUNT, account.email)))).first()
            if row is None:
                return False
        else:
            row = await session.get(LoginThrottle, throttle_id)
            if row is None:
                raise NotFoundError(f"No login counter with id {throttle_id}.", field="throttle_id")
        cs = ChangeSet(session, writer, motif=(motif or "").strip() or None, now=now or utcnow())
        cs.record("login_throttle", str(row.id), "unlocked", f"{row.scope} {row.key}: {row.failures} failures", None)
        await session.delete(row)
        await cs.flush()
        return True

    return await in_transaction(session, work)
