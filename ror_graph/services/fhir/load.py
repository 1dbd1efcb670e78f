"""Load what the FHIR resources of a page need, in a fixed number of statements, through the policy.

Every read goes through ``services.directory.batch`` (which applies the visibility policy in SQL):
a public caller's offers never include a sensitive unit, a lieu serving only hidden offers is never
loaded, contacts and telecoms above the caller's level never leave the database. Two reads of an
offer page are narrower here (plain columns, no ORM object per row: a sync page of 200 offers has
~600 code rows): the offers' codes and lieu ids, with the same policy clause as their batch readers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import EntiteJuridique, Etablissement, Lieu, Unite, UniteCode, UniteLieu
from ror_graph.services.directory import batch
from ror_graph.services.fhir.codes import Labels
from ror_graph.services.policy.visibility import under_visible_unite


def _group(rows: Sequence[Any], key: str) -> dict[Any, list[Any]]:
    result: dict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        result[getattr(row, key)].append(row)
    return result


@dataclass
class Related:
    """Rows under the loaded resources, grouped by their parent id."""

    labels: Labels
    communes: dict[str, str] = field(default_factory=dict)
    entites: dict[int, EntiteJuridique] = field(default_factory=dict)
    etablissements: dict[int, Etablissement] = field(default_factory=dict)
    eg_codes: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    eg_contacts: dict[int, list[Any]] = field(default_factory=dict)
    telecoms: dict[int, list[Any]] = field(default_factory=dict)
    unite_codes: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    unite_contacts: dict[int, list[Any]] = field(default_factory=dict)
    horaires: dict[int, list[Any]] = field(default_factory=dict)
    zones: dict[int, list[Any]] = field(default_factory=dict)
    unite_lieux: dict[int, list[int]] = field(default_factory=dict)
    capacites: dict[int, list[Any]] = field(default_factory=dict)
    equipements: dict[int, list[Any]] = field(default_factory=dict)
    limites: dict[int, list[Any]] = field(default_factory=dict)
    habitations: dict[int, list[Any]] = field(default_factory=dict)


def _codes(rows: Sequence[Any], parent: str) -> dict[int, dict[str, list[str]]]:
    result: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        result[getattr(row, parent)][row.attribute].append(row.code)
    return result


async def _unite_codes(session: AsyncSession, caller: Any, ids: list[Any]) -> dict[int, dict[str, list[str]]]:
    """Coded values of visible offers (as ``batch.codes_by_unite_ids``, same clause and order), as tuples."""
    statement = (select(UniteCode.unite_id, UniteCode.attribute, UniteCode.code)
                 .where(col(UniteCode.unite_id).in_(ids), under_visible_unite(caller, UniteCode.unite_id))
                 .order_by(col(UniteCode.code), col(UniteCode.id)))
    result: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for unite_id, attribute, code in await session.exec(statement):
        result[unite_id][attribute].append(code)
    return result


async def _lieu_ids(session: AsyncSession, caller: Any, ids: list[Any]) -> dict[int, list[int]]:
    """Lieu ids of visible offers (``HealthcareService.location``): a lieu of a visible offer is visible."""
    statement = (select(UniteLieu.unite_id, UniteLieu.lieu_id)
                 .where(col(UniteLieu.unite_id).in_(ids), under_visible_unite(caller, UniteLieu.unite_id))
                 .order_by(col(UniteLieu.unite_id), col(UniteLieu.lieu_id)))
    result: dict[int, list[int]] = defaultdict(list)
    for unite_id, lieu_id in await session.exec(statement):
        result[unite_id].append(lieu_id)
    return result


async def _communes(session: AsyncSession, related: Related, rows: Sequence[Any]) -> None:
    codes = [r.commune_code for r in rows if r.commune_code and r.commune_code not in related.communes]
    related.communes.update({c.code: c.nom for c in await batch.communes_by_codes(session, codes)})


async def _contacts(session: AsyncSession, caller: Any, related: Related, contacts: Sequence[Any]) -> None:
    telecoms = await batch.telecoms_by_contact_ids(session, [c.id for c in contacts], caller=caller)
    related.telecoms.update(_group(telecoms, "contact_id"))


async def load_organizations(session: AsyncSession, caller: Any, related: Related,
                             entites: Sequence[EntiteJuridique], etablissements: Sequence[Etablissement]) -> None:
    """What EJ / EG resources need: parents' FINESS, codes, contacts and telecoms, commune names."""
    related.entites.update({e.id: e for e in entites})  # type: ignore[misc]
    related.etablissements.update({e.id: e for e in etablissements})  # type: ignore[misc]
    missing = [e.entite_juridique_id for e in etablissements if e.entite_juridique_id not in related.entites]
    related.entites.update({e.id: e for e in await batch.entites_by_ids(session, missing)})  # type: ignore[misc]
    ids: list[Any] = [e.id for e in etablissements]
    related.eg_codes.update(_codes(await batch.codes_by_etablissement_ids(session, ids), "etablissement_id"))
    contacts = await batch.contacts_by_etablissement_ids(session, ids, caller=caller)
    related.eg_contacts.update(_group(contacts, "etablissement_id"))
    await _contacts(session, caller, related, contacts)
    await _communes(session, related, [*entites, *etablissements])


async def load_unites(session: AsyncSession, caller: Any, related: Related, unites: Sequence[Unite]) -> None:
    """What HealthcareService resources need (codes, contacts, horaires, zones, lieux ids, EG)."""
    ids: list[Any] = list(dict.fromkeys(u.id for u in unites))
    related.unite_codes.update(await _unite_codes(session, caller, ids))
    contacts = await batch.contacts_by_unite_ids(session, ids, caller=caller)
    related.unite_contacts.update(_group(contacts, "unite_id"))
    await _contacts(session, caller, related, contacts)
    related.horaires.update(_group(await batch.horaires_by_unite_ids(session, ids, caller=caller), "unite_id"))
    related.zones.update(_group(await batch.zones_by_unite_ids(session, ids, caller=caller), "unite_id"))
    related.unite_lieux.update(await _lieu_ids(session, caller, ids))
    missing = [u.etablissement_id for u in unites if u.etablissement_id not in related.etablissements]
    for eg in await batch.etablissements_by_ids(session, missing):
        related.etablissements[eg.id] = eg  # type: ignore[index]


async def load_lieux(session: AsyncSession, caller: Any, related: Related, lieux: Sequence[Lieu]) -> None:
    """What Location resources need: capacities, equipments and their limits, habitations, EG."""
    ids: list[Any] = [lieu.id for lieu in lieux]
    related.capacites.update(_group(await batch.capacites_by_lieu_ids(session, ids, caller=caller), "lieu_id"))
    equipements = await batch.equipements_by_lieu_ids(session, ids, caller=caller)
    related.equipements.update(_group(equipements, "lieu_id"))
    equipement_ids: list[Any] = [e.id for e in equipements]
    limites = await batch.limites_by_equipement_ids(session, equipement_ids, caller=caller)
    related.limites.update(_group(limites, "equipement_id"))
    related.habitations.update(_group(await batch.habitations_by_lieu_ids(session, ids, caller=caller), "lieu_id"))
    missing = [lieu.etablissement_id for lieu in lieux if lieu.etablissement_id not in related.etablissements]
    for eg in await batch.etablissements_by_ids(session, missing):
        related.etablissements[eg.id] = eg  # type: ignore[index]
    await _communes(session, related, lieux)
