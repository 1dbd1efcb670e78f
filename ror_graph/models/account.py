"""People and programs that call ror_graph: accounts (with roles and FINESS scopes) and API tokens.

Secrets are never stored: tokens are kept as SHA-256 digests, passwords as argon2 hashes.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel, UniqueConstraint

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


class AccountScope(SQLModel, table=True):
    """A FINESS number an account may act on: an EJ scope covers all of its EGs."""

    __tablename__ = "account_scope"
    __table_args__ = (UniqueConstraint("account_id", "kind", "finess", name="uq_account_scope"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=2, description="ej | eg")
    finess: str = Field(max_length=9, index=True)


class SessionToken(SQLModel, table=True):
    """A bearer token issued by `login`, revoked by `logout`, expiring after a few hours."""

    __tablename__ = "session_token"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)
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
