"""Accounts (référent, directeur, support, admin), passwords and login sessions.

Passwords are hashed with argon2id (``argon2-cffi``'s current defaults) and re-hashed on login when
those defaults change. ``login`` issues a random bearer token and stores only its SHA-256 digest
(``services.accounts.auth.hash_token``), so ``services.accounts.auth.resolve_bearer`` resolves it like an API token;
``logout`` revokes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import update
from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Account, AccountScope, Role, SessionToken, utcnow
from ror_graph.services.accounts.auth import admin_actor, hash_token, new_token
from ror_graph.services.core.changes import ChangeSet
from ror_graph.services.core.errors import BadInputError, NotFoundError, UnauthenticatedError
from ror_graph.services.core.validation import email_ok, finess_ok

_HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
# Verified when the e-mail is unknown, so a wrong e-mail costs as much time as a wrong password.
_DUMMY_HASH = _HASHER.hash("not-a-real-password")


def hash_password(password: str) -> str:
    """argon2id hash of ``password`` (salted; the parameters are stored in the hash)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``; never raises on a malformed hash."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


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
    if not (MIN_PASSWORD_LENGTH <= len(password or "") <= MAX_PASSWORD_LENGTH):
        raise BadInputError(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.", field="password")
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
    account = Account(email=email, nom=(nom or None), role=role, password_hash=hash_password(password))
    session.add(account)
    await session.flush()
    session.add_all(AccountScope(account_id=account.id, kind=kind, finess=finess) for kind, finess in scope_rows)
    await session.commit()
    return account


async def authenticate(session: AsyncSession, email: str, password: str) -> Account | None:
    """The active account with these credentials, or ``None``; upgrades an outdated hash."""
    account = (await session.exec(select(Account).where(Account.email == _normalise_email(email)))).first()
    if account is None or not account.active:
        verify_password(_DUMMY_HASH, password or "")
        return None
    if not verify_password(account.password_hash, password or ""):
        return None
    if _HASHER.check_needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
        await session.commit()
    return account


async def login(
    session: AsyncSession, email: str, password: str, *, hours: int = 12, now: datetime | None = None
) -> tuple[str, datetime]:
    """Check the credentials and issue a bearer token valid ``hours`` hours; commits.

    Returns ``(token, expires_at)``; the token itself is shown once and never stored.
    """
    account = await authenticate(session, email, password)
    if account is None:
        raise UnauthenticatedError("Wrong e-mail or password.")
    now = now or utcnow()
    token = new_token()
    expires_at = now + timedelta(hours=hours)
    session.add(SessionToken(account_id=account.id, token_hash=hash_token(token), created_at=now,
                             expires_at=expires_at))
    await session.commit()
    return token, expires_at


async def logout(session: AsyncSession, token: str, *, now: datetime | None = None) -> None:
    """Revoke the session token ``token`` (unknown or already revoked tokens are ignored); commits."""
    row = (await session.exec(select(SessionToken).where(SessionToken.token_hash == hash_token(token or "")))).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = now or utcnow()
        await session.commit()


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
            conn = await session.connection()
            result = await conn.execute(
                update(SessionToken)
                .where(SessionToken.account_id == account.id, SessionToken.revoked_at.is_(None),
                       SessionToken.expires_at > now)
                .values(revoked_at=now)
            )
            if result.rowcount:
                cs.record("account", str(account.id), "revoked_sessions", None, result.rowcount)
        await cs.flush()
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    return account
