"""``Principal``: the one type every write service receives to say who writes.

A write can come from a logged-in account through the API (référent, directeur, support, admin),
from an API client (never allowed to write, but still a principal so the refusal is typed), from an
anonymous request, from the FINESS importer (``system``) or from support acting in the back office.
The GraphQL ``Caller``, the back-office user and the CLI are turned into a ``Principal`` at the edge
(``from_caller``, ``back_office``, ``for_account``, ``SYSTEM``); services never guess from duck typing.

A principal carries what the write rules need: the audit identity (``actor``), the FINESS scopes and
the read level (1 public, 2 professionals, 3 regulation). The read level matters for writes too: a
write replaces only the items its author can see (``services.unite.contacts.merge_contacts``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import PROFILE_LEVEL, Account, AccountScope, Role
from ror_graph.services.accounts.auth import ROLE_PROFILE, Caller
from ror_graph.services.core.changes import Actor
from ror_graph.services.core.errors import ForbiddenError, UnauthenticatedError

SCOPED_ROLES = frozenset({Role.referent.value, Role.directeur.value})
GLOBAL_ROLES = frozenset({Role.support.value, Role.admin.value})
WRITER_ROLES = SCOPED_ROLES | GLOBAL_ROLES
SYSTEM_ROLE = "system"


@dataclass(frozen=True)
class Principal:
    """Who writes: kind (account, api_client, anonymous, system), audit identity, scopes and read level."""

    kind: str
    name: str
    role: str | None
    source: str = "api"  # api | admin | import | cli
    account_id: int | None = None
    scopes_ej: frozenset[str] = frozenset()
    scopes_eg: frozenset[str] = frozenset()
    level: int = 1

    @classmethod
    def from_caller(cls, caller: Caller, *, source: str = "api") -> Principal:
        """The principal of a GraphQL request (its ``Caller`` was resolved from the bearer token)."""
        if caller.account_id is not None:
            return cls(kind="account", name=caller.email or f"account:{caller.account_id}", role=caller.role,
                       source=source, account_id=caller.account_id, scopes_ej=frozenset(caller.scopes_ej),
                       scopes_eg=frozenset(caller.scopes_eg), level=caller.level)
        if caller.api_client_id is not None:
            return cls(kind="api_client", name=f"api-client:{caller.api_client_id}", role=None, source=source,
                       level=caller.level)
        return cls(kind="anonymous", name="anonymous", role=None, source=source, level=caller.level)

    @classmethod
    def back_office_user(cls, user: Any) -> Principal:
        """Support or admin logged into the back office (``admin.auth.AdminUser``: account_id, email, role).

        The admin session re-reads the account on every request, so its role is current.
        """
        return cls(kind="account", name=user.email, role=user.role, source="admin", account_id=user.account_id,
                   level=_level_of(user.role))

    @classmethod
    async def for_account(cls, session: AsyncSession, account_id: int, *, source: str) -> Principal:
        """An account's principal read from the database (CLI, admin actions): active, with its scopes."""
        account = await session.get(Account, account_id)
        if account is None or not account.active:
            raise ForbiddenError("This account cannot write.")
        rows = (await session.exec(select(AccountScope).where(AccountScope.account_id == account.id))).all()
        return cls(kind="account", name=account.email, role=account.role, source=source, account_id=account.id,
                   scopes_ej=frozenset(r.finess for r in rows if r.kind == "ej"),
                   scopes_eg=frozenset(r.finess for r in rows if r.kind == "eg"), level=_level_of(account.role))

    @property
    def actor(self) -> Actor:
        """Audit identity of this principal's writes."""
        return Actor(name=self.name, role=self.role or self.kind, source=self.source, account_id=self.account_id)

    @property
    def is_global(self) -> bool:
        """Support, admin and the importer act on every EG."""
        return self.role in GLOBAL_ROLES or self.kind == "system"

    def require_writer(self) -> None:
        """Anonymous → ``UNAUTHENTICATED``; API clients and roles without write rights → ``FORBIDDEN``."""
        if self.kind == "anonymous":
            raise UnauthenticatedError("Log in to change the directory.")
        if self.kind == "api_client":
            raise ForbiddenError("API client tokens are read-only.")
        if self.kind != "system" and self.role not in WRITER_ROLES:
            raise ForbiddenError(f"Role {self.role!r} cannot write.")

    def covers(self, eg_finess: str, ej_finess: str | None) -> bool:
        """True when this principal may act on the EG ``eg_finess`` (whose EJ is ``ej_finess``)."""
        if self.is_global:
            return True
        return eg_finess in self.scopes_eg or (ej_finess is not None and ej_finess in self.scopes_ej)


def _level_of(role: str) -> int:
    profile = ROLE_PROFILE.get(role)
    return PROFILE_LEVEL[profile] if profile is not None else 1


SYSTEM = Principal(kind="system", name="finess-import", role=SYSTEM_ROLE, source="import", level=3)
