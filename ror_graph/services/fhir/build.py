"""Rows → FHIR resources, loading what they need in batches (through the visibility policy)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import EntiteJuridique, Etablissement, Lieu, Unite
from ror_graph.services.fhir import resources
from ror_graph.services.fhir.load import Related, load_lieux, load_organizations, load_unites


def reference(row: Any) -> str:
    """``Type/id`` of a row."""
    if isinstance(row, EntiteJuridique | Etablissement):
        return f"Organization/{row.finess}"
    if isinstance(row, Unite):
        return f"HealthcareService/{resources.unite_id(row.identifiant or str(row.id))}"
    return f"Location/{row.id}"


async def build(session: AsyncSession, caller: Any, related: Related, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """The resources of ``rows`` (any mix of EJ, EG, offers and lieux), in the same order."""
    entites = [r for r in rows if isinstance(r, EntiteJuridique)]
    etablissements = [r for r in rows if isinstance(r, Etablissement)]
    unites = [r for r in rows if isinstance(r, Unite)]
    lieux = [r for r in rows if isinstance(r, Lieu)]
    if entites or etablissements:
        await load_organizations(session, caller, related, entites, etablissements)
    if unites:
        await load_unites(session, caller, related, unites)
    if lieux:
        await load_lieux(session, caller, related, lieux)
    result = []
    for row in rows:
        if isinstance(row, EntiteJuridique):
            result.append(resources.entite(row, related, caller))
        elif isinstance(row, Etablissement):
            result.append(resources.etablissement(row, related, caller))
        elif isinstance(row, Unite):
            result.append(resources.unite(row, related, caller))
        else:
            result.append(resources.lieu(row, related, caller))
    return result
