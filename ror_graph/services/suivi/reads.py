"""What ``suiviEtablissement`` reads: an EG's follow-up and its open offers' completeness, in few statements.

Reserved to support and to the EG's own accounts (``may_read_history``); the offers listed are those
the visibility policy lets the caller see (an in-scope référent sees its own sensitive offers, support
sees all). Completeness of every offer is computed from one batched load of facts, not one per offer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Etablissement, Unite
from ror_graph.services.accounts.scope import load_etablissement, may_read_history
from ror_graph.services.core.errors import ForbiddenError, UnauthenticatedError
from ror_graph.services.policy.visibility import unite_visible
from ror_graph.services.suivi.completeness import (
    Completeness,
    _load_facts,
    _unite_completeness,
    completeness_etablissement,
)


@dataclass(frozen=True)
class SuiviUnite:
    """One open offer and its completeness."""

    identifiant: str
    nom: str
    completeness: Completeness


@dataclass(frozen=True)
class SuiviEtablissement:
    """An EG, the completeness of its own items and of its open offers visible to the caller."""

    etablissement: Etablissement
    completeness: Completeness
    unites: list[SuiviUnite]


async def completeness_unites(session: AsyncSession, unites: list[Unite]) -> list[Completeness]:
    """Completeness of each offer of ``unites`` (same order), from one batched load of their facts."""
    unit_ids: list[int] = []
    for u in unites:
        assert u.id is not None  # loaded rows
        unit_ids.append(u.id)
    facts = await _load_facts(session, [], unit_ids=unit_ids)
    return [_unite_completeness(u, facts) for u in unites]


async def suivi_etablissement(session: AsyncSession, *, caller: Any, finess: str) -> SuiviEtablissement:
    """The follow-up of EG ``finess`` for ``caller``; raises when the caller may not follow it."""
    eg, ej = await load_etablissement(session, finess)
    if getattr(caller, "account_id", None) is None and getattr(caller, "api_client_id", None) is None:
        raise UnauthenticatedError("Log in to follow a description.")
    if not may_read_history(caller, eg, ej):
        raise ForbiddenError("Reserved to support and to the établissement's own accounts.")
    unites = list((await session.exec(
        select(Unite).where(Unite.etablissement_id == eg.id, col(Unite.ferme).is_(False), unite_visible(caller))
        .order_by(col(Unite.id))
    )).all())
    rows: list[SuiviUnite] = []
    for u, c in zip(unites, await completeness_unites(session, unites), strict=True):
        assert u.identifiant is not None  # set when the offer is created, in the same transaction
        rows.append(SuiviUnite(identifiant=u.identifiant, nom=u.nom, completeness=c))
    return SuiviEtablissement(
        etablissement=eg,
        completeness=await completeness_etablissement(session, eg),
        unites=rows,
    )
