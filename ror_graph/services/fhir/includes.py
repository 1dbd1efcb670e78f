"""``_include`` / ``_revinclude`` (and ``:iterate`` for ``Organization:partof``), through the policy.

Supported: ``HealthcareService:organization`` and ``HealthcareService:location`` (both ways),
``Location:organization`` (both ways), ``Organization:partof`` (both ways; with ``:iterate`` it also
climbs from the EG included by the other includes to their EJ). Included offers and lieux are read
with the same visibility clauses as matches: a public client never gets a sensitive unit or its lieux.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import EntiteJuridique, Etablissement, Lieu, Unite, UniteLieu
from ror_graph.services.directory import batch
from ror_graph.services.fhir.query import FhirError, Query
from ror_graph.services.policy.visibility import lieu_visible, unite_visible

INCLUDES = {"HealthcareService:organization", "HealthcareService:location", "Location:organization",
            "Organization:partof"}
REVINCLUDES = {"HealthcareService:organization", "HealthcareService:location", "Location:organization",
               "Organization:partof"}
MAX_REVINCLUDE = 1000


def check(query: Query) -> None:
    for name, _ in query.includes:
        if name not in INCLUDES:
            raise FhirError(400, f"_include={name} is not supported ({', '.join(sorted(INCLUDES))}).",
                            "not-supported")
    for name in query.revincludes:
        if name not in REVINCLUDES:
            raise FhirError(400, f"_revinclude={name} is not supported ({', '.join(sorted(REVINCLUDES))}).",
                            "not-supported")


def _of(rows: list[Any], model: type) -> list[Any]:
    return [r for r in rows if isinstance(r, model)]


async def _forward(session: AsyncSession, caller: Any, name: str, rows: list[Any]) -> list[Any]:
    if name == "HealthcareService:organization":
        return await batch.etablissements_by_ids(session, [u.etablissement_id for u in _of(rows, Unite)])
    if name == "HealthcareService:location":
        pairs = await batch.lieux_by_unite_ids(session, [u.id for u in _of(rows, Unite)], caller=caller)
        return [lieu for _, lieu in pairs]
    if name == "Location:organization":
        return await batch.etablissements_by_ids(session, [lieu.etablissement_id for lieu in _of(rows, Lieu)])
    return await batch.entites_by_ids(session, [e.entite_juridique_id for e in _of(rows, Etablissement)])


async def _reverse(session: AsyncSession, caller: Any, name: str, rows: list[Any]) -> list[Any]:
    statement: Any
    if name == "HealthcareService:organization":
        ids = [e.id for e in _of(rows, Etablissement)]
        statement = select(Unite).where(col(Unite.etablissement_id).in_(ids), unite_visible(caller))
    elif name == "HealthcareService:location":
        ids = [lieu.id for lieu in _of(rows, Lieu)]
        statement = select(Unite).where(col(Unite.id).in_(select(UniteLieu.unite_id).where(
            col(UniteLieu.lieu_id).in_(ids))), unite_visible(caller))
    elif name == "Location:organization":
        ids = [e.id for e in _of(rows, Etablissement)]
        statement = select(Lieu).where(col(Lieu.etablissement_id).in_(ids), lieu_visible(caller, Lieu.id))
    else:
        ids = [e.id for e in _of(rows, EntiteJuridique)]
        statement = select(Etablissement).where(col(Etablissement.entite_juridique_id).in_(ids))
    if not ids:
        return []
    found = list(await session.exec(statement.limit(MAX_REVINCLUDE + 1)))
    if len(found) > MAX_REVINCLUDE:
        raise FhirError(400, f"_revinclude={name} would return more than {MAX_REVINCLUDE} resources: "
                        "lower _count.", "too-costly")
    return found


def _key(row: Any) -> tuple[str, Any]:
    return type(row).__name__, row.id


async def included(session: AsyncSession, caller: Any, query: Query, matches: list[Any]) -> list[Any]:
    """Rows to add with ``search.mode = include``: each once, never one of the matches."""
    seen = {_key(r) for r in matches}
    result: list[Any] = []

    def add(rows: list[Any]) -> None:
        for row in rows:
            if _key(row) not in seen:
                seen.add(_key(row))
                result.append(row)

    for name, _ in query.includes:
        if name != "Organization:partof":
            add(await _forward(session, caller, name, matches))
    for name in query.revincludes:
        add(await _reverse(session, caller, name, matches))
    for name, iterate in query.includes:
        if name == "Organization:partof":
            add(await _forward(session, caller, name, matches + result if iterate else matches))
    return result
