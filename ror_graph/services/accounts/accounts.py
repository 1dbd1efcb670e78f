"""Accounts (référent, directeur, support, admin), passwords and login sessions.

Passwords are hashed with argon2id (``passwords``, in a worker thread) and re-hashed on login when
those defaults change. Every login attempt goes through the database-backed throttle
(``throttle``) before any password is checked. ``login`` opens a bearer session
(``sessions.issue_session``), resolved by ``services.accounts.auth.resolve_bearer``; ``logout`` revokes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Account, AccountScope, Role, SessionKind, utcnow
from ror_graph.services.accounts.auth import admin_actor
from ror_graph.services.accounts.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    check_password_policy,
    hash_password,
    hash_password_async,
    needs_rehash,
    verify_password,
    verify_password_async,
)
from ror_graph.services.accounts.sessions import issue_session, revoke_all_sessions, revoke_session
from ror_graph.services.accounts.throttle import (
    ThrottlePolicy,
    begin_attempt,
    record_failure,
    record_success,
    throttle_keys,
)
from ror_graph.services.core.changes import ChangeSet
from ror_graph.services.core.errors import BadInputError, NotFoundError, UnauthenticatedError
from ror_graph.services.core.validation import email_ok, finess_ok

__all__ = ["MAX_PASSWORD_LENGTH", "MIN_PASSWORD_LENGTH", "authenticate", "create_account", "hash_password",
           "login", "logout", "set_account_active", "verify_password"]


def _normalise_email(email: str) -> str:
    return (email or "").strip().lower()


async def create_account(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    role: str,
    nom: str | None = None,
    scopes: Iterable[tuple[str, str]] = (),
) -> Account:
    """Create an account with its FINESS scopes (kind ``ej`` or ``eg``); commits.

    Référents and directeurs need at least one scope (otherwise they could do nothing); support and
    admin act everywhere and take none.
    """
    email = _normalise_email(email)
    if not email_ok(email) or len(email) > 200:
        raise BadInputError(f"Invalid e-mail address {email!r}.", field="email")
    if role not in {r.value for r in Role}:
        raise BadInputError(f"Unknown role {role!r}; expected one of {', '.join(r.value for r in Role)}.", field="role")
    check_password_policy(password, email=email)
    scope_rows = sorted({(kind, finess.strip()) for kind, finess in scopes})
    for kind, finess in scope_rows:
        if kind not in {"ej", "eg"}:
            raise BadInputError(f"Scope kind must be 'ej' or 'eg', not {kind!r}.", field="scopes")
        if not finess_ok(finess):
            raise BadInputError(f"Invalid FINESS number {finess!r} in scopes.", field="scopes")
    if role in {Role.referent, Role.directeur} and not scope_rows:
        raise BadInputError("Référent and directeur accounts need at least one EJ or EG scope.", field="scopes")
    if role in {Role.support, Role.admin} and scope_rows:
        raise BadInputError("Support and admin accounts act everywhere; they take no scope.", field="scopes")
    taken = (await session.exec(select(func.count()).select_from(Account).where(Account.email == email))).one()
    if taken:
        raise BadInputError(f"An account already uses {email}.", field="email")
    account = Account(email=email, nom=(nom or None), role=role, password_hash=await hash_password_async(password))
    session.add(account)
    await session.flush()
    assert account.id is not None  # set by the flush
    session.add_all(AccountScope(account_id=account.id, kind=kind, finess=finess) for kind, finess in scope_rows)
    await session.commit()
    return account


async def authenticate(session: AsyncSession, email: str, password: str, *, address: str | None = None,
                       policy: ThrottlePolicy | None = None, now: datetime | None = None) -> Account | None:
    """The active account with these credentials, or ``None``; upgrades an outdated hash.

    The attempt is counted against the e-mail and the client ``address`` first: a locked e-mail or
    address raises ``TooManyAttemptsError`` without checking the password (same answer for unknown
    e-mails, wrong and right passwords). Commits.
    """
    keys = throttle_keys(_normalise_email(email), address)
    policy = policy or ThrottlePolicy()
    await begin_attempt(session, keys, policy, now)
    found = (await session.exec(select(Account).where(Account.email == _normalise_email(email)))).first()
    account = found if found is not None and found.active else None  # only an active account may log in
    await session.commit()  # give the connection back to the pool while argon2 runs (bursts must not drain it)
    matches = await verify_password_async(account.password_hash if account is not None else None, password)
    if account is None or not matches:
        await record_failure(session, keys, policy, now)
        return None
    if needs_rehash(account.password_hash):
        account.password_hash = await hash_password_async(password)
    await record_success(session, keys)
    return account


async def login(
    session: AsyncSession, email: str, password: str, *, hours: int = 12, address: str | None = None,
    policy: ThrottlePolicy | None = None, now: datetime | None = None
) -> tuple[str, datetime]:
    """Check the credentials (throttled) and open a bearer session valid ``hours`` hours; commits.

    Returns ``(token, expires_at)``; the token itself is shown once and never stored.
    """
    account = await authenticate(session, email, password, address=address, policy=policy, now=now)
    if account is None:
        raise UnauthenticatedError("Wrong e-mail or password.")
    assert account.id is not None  # a row read from the database
    return await issue_session(session, account.id, kind=SessionKind.api, lifetime=timedelta(hours=hours), now=now)


async def logout(session: AsyncSession, token: str, *, now: datetime | None = None) -> None:
    """Revoke the session token ``token`` (unknown or already revoked tokens are ignored); commits."""
    await revoke_session(session, token, now=now)


async def set_account_active(session: AsyncSession, *, actor: Any, account_id: int, active: bool,
                             motif: str | None = None, now: datetime | None = None) -> Account:
    """Deactivate or reactivate account ``account_id`` (admin only); audited (entity ``account``); commits.

    Deactivating also revokes the account's open session tokens, so a bearer token issued before
    the decision stops working at once (``resolve_bearer`` refuses inactive accounts as well). An
    admin cannot deactivate their own account: the last admin would lock everybody out. Setting
    the state the account already has writes nothing.
    """
    now = now or utcnow()
    try:
        writer = await admin_actor(session, actor)
        if not isinstance(active, bool):
            raise BadInputError("Expected true or false.", field="active")
        account = await session.get(Account, account_id)
        if account is None:
            raise NotFoundError(f"No account with id {account_id}.", field="account_id")
        if not active and writer.account_id == account.id:
            raise BadInputError("You cannot deactivate your own account.", field="account_id")
        if account.active == active:
            return account
        cs = ChangeSet(session, writer, motif=(motif or "").strip() or None, now=now)
        cs.set(account, "account", str(account.id), "active", active)
        if not active:
            assert account.id is not None  # a row read from the database
            revoked = await revoke_all_sessions(session, account.id, now=now)
            if revoked:
                cs.record("account", str(account.id), "revoked_sessions", None, revoked)
        await cs.flush()
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    return account
