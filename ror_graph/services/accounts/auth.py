"""Who is calling: bearer tokens (API clients and login sessions) resolved to a read ``Caller``.

A ``Caller`` says what a request may *read* (confidentiality level 1..3, sensitive units) and, for
logged-in accounts, who it is and which FINESS numbers it covers (used by the write services).
Tokens are random strings shown once; only their SHA-256 digest is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import (
    PROFILE_LEVEL,
    Account,
    AccountScope,
    ApiClient,
    Profile,
    Role,
    SessionKind,
    SessionToken,
    utcnow,
)
from ror_graph.services.accounts.tokens import hash_token, new_token, touch
from ror_graph.services.core.changes import Actor, ChangeSet
from ror_graph.services.core.errors import BadInputError, ForbiddenError, NotFoundError, UnauthenticatedError


@dataclass(frozen=True)
class Caller:
    """What one request may read, and who sent it (``account_id`` for people, ``api_client_id`` for programs)."""

    profile: Profile
    level: int
    sees_sensitive: bool
    account_id: int | None = None
    email: str | None = None
    role: str | None = None
    scopes_ej: frozenset[str] = frozenset()
    scopes_eg: frozenset[str] = frozenset()
    api_client_id: int | None = None


DEFAULT_API_TOKEN_LIFETIME = timedelta(days=90)
ANONYMOUS = Caller(profile=Profile.public, level=1, sees_sensitive=False)

# Accounts read with the profile of their role (DESIGN §2): référents see what professionals see.
ROLE_PROFILE = {
    Role.referent.value: Profile.professional,
    Role.directeur.value: Profile.professional,
    Role.support.value: Profile.regulation,
    Role.admin.value: Profile.regulation,
}


def caller_for_profile(profile: Profile | str, **identity) -> Caller:
    """The read rights of ``profile``: level 1, 2 or 3; only regulation sees sensitive units."""
    profile = Profile(profile)
    return Caller(
        profile=profile, level=PROFILE_LEVEL[profile], sees_sensitive=profile is Profile.regulation, **identity
    )


async def create_api_client(
    session: AsyncSession, *, name: str, profile: Profile | str, expires_at: datetime | None = None,
    lifetime: timedelta | None = DEFAULT_API_TOKEN_LIFETIME, now: datetime | None = None,
) -> tuple[ApiClient, str]:
    """Register a read-only API client; returns it with its token (shown once, never stored). Commits.

    Without ``expires_at`` the token expires after ``lifetime`` (``Settings.api_token_days``): a
    forgotten token stops working by itself. ``lifetime=None`` means never (explicit choice).
    """
    if expires_at is None and lifetime is not None:
        expires_at = (now or utcnow()) + lifetime
    if not name.strip():
        raise BadInputError("An API client needs a name.", field="name")
    try:
        profile = Profile(profile)
    except ValueError:
        choices = ", ".join(p.value for p in Profile)
        raise BadInputError(f"Unknown profile {profile!r} (choose {choices}).", field="profile") from None
    token = new_token()
    client = ApiClient(name=name.strip(), profile=profile.value, token_hash=hash_token(token), expires_at=expires_at)
    session.add(client)
    await session.commit()
    await session.refresh(client)
    return client, token


async def resolve_bearer(session: AsyncSession, token: str | None, *, now: datetime | None = None) -> Caller:
    """The ``Caller`` behind a bearer token; no token means anonymous (public profile).

    Raises ``UnauthenticatedError`` for an unknown, expired or revoked token, so a client with a
    broken token learns it instead of silently getting public data. Back-office cookie sessions are
    not bearer tokens. The token's last use is recorded (at most once a minute; commits then).
    """

    if not token:
        return ANONYMOUS
    now = now or utcnow()
    digest = hash_token(token)
    client = (await session.exec(select(ApiClient).where(ApiClient.token_hash == digest))).first()
    if client is not None:
        if client.revoked_at is not None or (client.expires_at is not None and client.expires_at <= now):
            raise UnauthenticatedError("This API token is expired or revoked.")
        assert client.id is not None  # a row read from the database
        await touch(session, ApiClient, client.id, client.last_used_at, now)
        return caller_for_profile(client.profile, api_client_id=client.id)
    row = (
        await session.exec(
            select(SessionToken, Account)
            .join(Account, col(Account.id) == SessionToken.account_id)
            .where(SessionToken.token_hash == digest, SessionToken.kind == SessionKind.api.value)
        )
    ).first()
    if row is None:
        raise UnauthenticatedError("Unknown bearer token.")
    login, account = row
    if login.revoked_at is not None or login.expires_at <= now or not account.active:
        raise UnauthenticatedError("This session has expired; log in again.")
    assert login.id is not None  # a row read from the database
    await touch(session, SessionToken, login.id, login.last_used_at, now)
    scopes = (await session.exec(select(AccountScope).where(AccountScope.account_id == account.id))).all()
    return caller_for_profile(
        ROLE_PROFILE.get(account.role, Profile.public),
        account_id=account.id,
        email=account.email,
        role=account.role,
        scopes_ej=frozenset(s.finess for s in scopes if s.kind == "ej"),
        scopes_eg=frozenset(s.finess for s in scopes if s.kind == "eg"),
    )


async def admin_actor(session: AsyncSession, who: Any, *, source: str = "api") -> Actor:
    """The audit ``Actor`` of an administrator managing accounts or API clients; refuses anyone else.

    ``who`` is an ``Actor`` (admin panel, CLI) or a GraphQL ``Caller``. When it names an account, the
    account is re-read: a deactivated or demoted admin loses these rights at once, not at logout.
    """
    role: str | None
    name: str | None
    if isinstance(who, Actor):
        account_id, role, name, source = who.account_id, who.role, who.name, who.source
    else:
        if who is None or getattr(who, "account_id", None) is None:
            raise UnauthenticatedError("Log in as an administrator to manage accounts and API clients.")
        account_id, role, name = who.account_id, getattr(who, "role", None), getattr(who, "email", None)
    if role is None or role != Role.admin.value:
        raise ForbiddenError("Only administrators manage accounts and API clients.")
    if account_id is not None:
        account = await session.get(Account, account_id)
        if account is None or not account.active or account.role != Role.admin.value:
            raise ForbiddenError("Only active administrator accounts manage accounts and API clients.")
        name = account.email
    return Actor(name=name or f"account:{account_id}", role=role, source=source, account_id=account_id)


async def revoke_api_client(session: AsyncSession, *, actor: Any, client_id: int, motif: str | None = None,
                            now: datetime | None = None) -> ApiClient:
    """Revoke API client ``client_id`` (admin only): its token gets 401 from now on; audited; commits.

    Revocation is final (a client that needs access again gets a new token); revoking a revoked
    client is refused so the audit trail keeps the first revocation date.
    """
    now = now or utcnow()
    try:
        writer = await admin_actor(session, actor)
        client = await session.get(ApiClient, client_id)
        if client is None:
            raise NotFoundError(f"No API client with id {client_id}.", field="client_id")
        if client.revoked_at is not None:
            raise BadInputError("This API client is already revoked.", field="client_id")
        cs = ChangeSet(session, writer, motif=(motif or "").strip() or None, now=now)
        cs.set(client, "api_client", str(client.id), "revoked_at", now)
        await cs.flush()
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    return client
