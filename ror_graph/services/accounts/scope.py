"""Who may write what: roles and FINESS scopes, checked in the services so API and admin share them.

A write service receives a ``Principal`` (``services.accounts.principal``), built at the edge from the
GraphQL ``Caller``, the back-office user or an account (CLI). Rules (DESIGN §2):

* anonymous callers never write (``UNAUTHENTICATED``); API clients never write (``FORBIDDEN``);
* a référent or directeur acts on an EG when the EG's FINESS is in its EG scopes or the FINESS of
  the EG's EJ is in its EJ scopes (an EJ scope covers all its EGs);
* support and admin act everywhere.

"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import EntiteJuridique, Etablissement
from ror_graph.services.accounts.principal import GLOBAL_ROLES, WRITER_ROLES, Principal
from ror_graph.services.core.errors import ForbiddenError, NotFoundError


def authorize(principal: Principal, etablissement: Etablissement, entite: EntiteJuridique) -> None:
    """Raise unless ``principal`` may write at all and may act on ``etablissement``."""
    principal.require_writer()
    if not principal.covers(etablissement.finess, entite.finess):
        raise ForbiddenError(f"Your account does not cover établissement {etablissement.finess}.", field="finess")


async def load_etablissement(session: AsyncSession, finess: str) -> tuple[Etablissement, EntiteJuridique]:
    """The EG with FINESS ``finess`` and its EJ, or ``NotFoundError``."""
    row = (
        await session.exec(
            select(Etablissement, EntiteJuridique)
            .join(EntiteJuridique, col(EntiteJuridique.id) == Etablissement.entite_juridique_id)
            .where(Etablissement.finess == finess)
        )
    ).first()
    if row is None:
        raise NotFoundError(f"No établissement with FINESS {finess!r}.", field="finess")
    return row[0], row[1]


def require_global(principal: Principal, what: str) -> None:
    """Raise unless the principal may write and is support or admin (or the importer)."""
    principal.require_writer()
    if not principal.is_global:
        raise ForbiddenError(f"Only support or admin accounts may {what}.")


def may_read_history(caller: Any, etablissement: Etablissement, entite: EntiteJuridique) -> bool:
    """Support/admin, or a référent/directeur whose scopes cover the EG (API clients never)."""
    role = getattr(caller, "role", None)
    if getattr(caller, "account_id", None) is None or role not in WRITER_ROLES:
        return False
    if role in GLOBAL_ROLES:
        return True
    return etablissement.finess in caller.scopes_eg or entite.finess in caller.scopes_ej
