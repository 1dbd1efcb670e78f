"""Who may write what: roles and FINESS scopes, checked in the services so API and admin share them.

A write service receives either the GraphQL ``Caller`` (from ``services.accounts.auth.resolve_bearer``) or an
``Actor`` (admin panel, CLI). Both are turned into a ``Writer``: the audit identity plus the FINESS
scopes. Rules (DESIGN §2):

* anonymous callers never write (``UNAUTHENTICATED``); API clients never write (``FORBIDDEN``);
* a référent or directeur acts on an EG when the EG's FINESS is in its EG scopes or the FINESS of
  the EG's EJ is in its EJ scopes (an EJ scope covers all its EGs);
* support and admin act everywhere.

For an ``Actor`` with an account id the scopes are read from the database, so the admin and the
CLI see the same scopes as the token that the API resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Account, AccountScope, EntiteJuridique, Etablissement, Role
from ror_graph.services.core.changes import Actor
from ror_graph.services.core.errors import ForbiddenError, NotFoundError, UnauthenticatedError

SCOPED_ROLES = frozenset({Role.referent.value, Role.directeur.value})
GLOBAL_ROLES = frozenset({Role.support.value, Role.admin.value})
WRITER_ROLES = SCOPED_ROLES | GLOBAL_ROLES


@dataclass(frozen=True)
class Writer:
    """An authenticated account allowed to write somewhere: audit identity plus FINESS scopes."""

    actor: Actor
    scopes_ej: frozenset[str] = frozenset()
    scopes_eg: frozenset[str] = frozenset()

    @property
    def role(self) -> str:
        return self.actor.role

    @property
    def is_global(self) -> bool:
        """Support and admin: every EG, FINESS corrections, validation on behalf of a director."""
        return self.actor.role in GLOBAL_ROLES

    def covers(self, eg_finess: str, ej_finess: str | None) -> bool:
        """True when this writer may act on the EG ``eg_finess`` (whose EJ is ``ej_finess``)."""
        if self.is_global:
            return True
        return eg_finess in self.scopes_eg or (ej_finess is not None and ej_finess in self.scopes_ej)


async def writer_for(session: AsyncSession, who: Any, *, source: str = "api") -> Writer:
    """The ``Writer`` behind a GraphQL ``Caller`` or an ``Actor``; raises when it may never write.

    Callers are recognised by their ``scopes_ej`` attribute (duck typing keeps this module free of
    the read-API package). An ``Actor`` with role ``system`` (importer) is global.
    """
    if isinstance(who, Actor):
        if who.role in GLOBAL_ROLES or who.role == "system":
            return Writer(actor=who)
        if who.role not in SCOPED_ROLES or who.account_id is None:
            raise ForbiddenError(f"Role {who.role!r} cannot write.")
        return await _writer_from_account(session, who)
    if who is None:
        raise UnauthenticatedError("Log in to change the directory.")
    account_id = getattr(who, "account_id", None)
    role = getattr(who, "role", None)
    if account_id is None:
        if getattr(who, "api_client_id", None) is not None:
            raise ForbiddenError("API client tokens are read-only.")
        raise UnauthenticatedError("Log in to change the directory.")
    if role not in WRITER_ROLES:
        raise ForbiddenError(f"Role {role!r} cannot write.")
    actor = Actor(name=who.email or f"account:{account_id}", role=role, source=source, account_id=account_id)
    return Writer(actor=actor, scopes_ej=frozenset(who.scopes_ej), scopes_eg=frozenset(who.scopes_eg))


async def _writer_from_account(session: AsyncSession, actor: Actor) -> Writer:
    account = await session.get(Account, actor.account_id)
    if account is None or not account.active or account.role != actor.role:
        raise ForbiddenError("This account cannot write.")
    rows = (await session.exec(select(AccountScope).where(AccountScope.account_id == account.id))).all()
    return Writer(
        actor=actor,
        scopes_ej=frozenset(r.finess for r in rows if r.kind == "ej"),
        scopes_eg=frozenset(r.finess for r in rows if r.kind == "eg"),
    )


async def load_etablissement(session: AsyncSession, finess: str) -> tuple[Etablissement, EntiteJuridique]:
    """The EG with FINESS ``finess`` and its EJ, or ``NotFoundError``."""
    row = (
        await session.exec(
            select(Etablissement, EntiteJuridique)
            .join(EntiteJuridique, EntiteJuridique.id == Etablissement.entite_juridique_id)
            .where(Etablissement.finess == finess)
        )
    ).first()
    if row is None:
        raise NotFoundError(f"No établissement with FINESS {finess!r}.", field="finess")
    return row[0], row[1]


def authorize(writer: Writer, etablissement: Etablissement, entite: EntiteJuridique) -> None:
    """Raise ``FORBIDDEN`` unless ``writer`` may act on ``etablissement``."""
    if not writer.covers(etablissement.finess, entite.finess):
        raise ForbiddenError(f"Your account does not cover établissement {etablissement.finess}.", field="finess")


def require_global(writer: Writer, what: str) -> None:
    """Raise ``FORBIDDEN`` unless the writer is support or admin."""
    if not writer.is_global:
        raise ForbiddenError(f"Only support or admin accounts may {what}.")


def may_read_history(caller: Any, etablissement: Etablissement, entite: EntiteJuridique) -> bool:
    """Support/admin, or a référent/directeur whose scopes cover the EG (API clients never)."""
    role = getattr(caller, "role", None)
    if getattr(caller, "account_id", None) is None or role not in WRITER_ROLES:
        return False
    if role in GLOBAL_ROLES:
        return True
    return etablissement.finess in caller.scopes_eg or entite.finess in caller.scopes_ej
