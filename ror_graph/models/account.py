"""People and programs that call ror_graph: accounts (with roles and FINESS scopes) and API tokens.

Secrets are never stored: tokens are kept as SHA-256 digests, passwords as argon2 hashes.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Optional

from sqlalchemy.orm import relationship
from sqlmodel import Field, Relationship, SQLModel, UniqueConstraint

from ror_graph.models.base import utcnow


class Role(StrEnum):
    """Account roles (DESIGN §2)."""

    referent = "referent"
    directeur = "directeur"
    support = "support"
    admin = "admin"


class Profile(StrEnum):
    """Read profiles: what confidentiality level a caller may see (1, 2 or 3 + sensitive units)."""

    public = "public"
    professional = "professional"
    regulation = "regulation"


PROFILE_LEVEL = {Profile.public: 1, Profile.professional: 2, Profile.regulation: 3}


class Account(SQLModel, table=True):
    """A person who logs in: référent, directeur, support or admin."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=200, unique=True, index=True)
    nom: str | None = Field(default=None, max_length=200)
    role: str = Field(max_length=20)
    password_hash: str = Field(max_length=300)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    # Read-only view of the e-mail's login counter (shown to admins); no column, no foreign key.
    throttle: Optional["LoginThrottle"] = Relationship(sa_relationship=relationship(  # noqa: UP045,UP037 (SQLModel)
        "LoginThrottle", viewonly=True, uselist=False, lazy="raise",
        primaryjoin="and_(Account.email == foreign(LoginThrottle.key), LoginThrottle.scope == 'account')"))


class AccountScope(SQLModel, table=True):
    """A FINESS number an account may act on: an EJ scope covers all of its EGs."""

    __tablename__ = "account_scope"
    __table_args__ = (UniqueConstraint("account_id", "kind", "finess", name="uq_account_scope"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=2, description="ej | eg")
    finess: str = Field(max_length=9, index=True)


class SessionKind(StrEnum):
    """Who carries a session token: a GraphQL bearer (``login`` mutation) or the back-office cookie."""

    api = "api"
    admin = "admin"


class SessionToken(SQLModel, table=True):
    """A login session: a GraphQL bearer token (``kind`` api) or a back-office cookie session (``kind`` admin).

    Only the SHA-256 digest of the random token is stored. Logout revokes one session; a password
    change, a reset or a deactivation revokes all of the account's sessions. ``last_used_at`` is
    refreshed at most once a minute (it drives the back office's idle timeout).
    """

    __tablename__ = "session_token"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    kind: str = Field(default=SessionKind.api.value, max_length=10)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    expires_at: datetime
    revoked_at: datetime | None = None


class ApiClient(SQLModel, table=True):
    """A read-only API client (portal, orientation tool) with a profile and a bearer token."""

    __tablename__ = "api_client"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    profile: str = Field(max_length=20)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class LoginThrottle(SQLModel, table=True):
    """Login attempts counted per account e-mail (``scope`` account) or per client address (``scope`` address).

    Stored in the database so the limit holds across workers and restarts. E-mails that match no
    account are counted too: a lock must not reveal whether an account exists.
    """

    __tablename__ = "login_throttle"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_login_throttle"),)

    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=10, description="account | address")
    key: str = Field(max_length=200, index=True)
    failures: int = 0
    window_started_at: datetime = Field(default_factory=utcnow)
    last_attempt_at: datetime = Field(default_factory=utcnow)
    locked_until: datetime | None = None
    locks: int = Field(default=0, description="Locks in a row, each twice as long (reset after 24 h).")
    last_locked_until: datetime | None = Field(default=None, description="End of the latest lock (series origin).")


class PasswordReset(SQLModel, table=True):
    """A one-time password reset link issued by an administrator: hashed token, single use, short-lived."""

    __tablename__ = "password_reset"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
