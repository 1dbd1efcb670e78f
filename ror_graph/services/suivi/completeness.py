"""Completeness of EG and offer descriptions against the mandatory fields of the national guides.

EG items: ``nom``, ``telephone_standard`` (a phone of a contact of nature 06 Standard, or the
FINESS phone), ``telephone_direction`` and ``email_direction`` (contact of nature 10 Direction),
``alerte`` (alert phone and/or alert e-mail, as in ``contacts_write.has_alert_channel``).

Offer items: the registry attributes with a completeness weight (``type_offre``, ``champ_activite``,
``mode_prise_en_charge``, ``activites``, ``publics``: present when the column is set or at least one
code row exists), then ``nom``, ``tranche_age``, ``contact`` (a contact with at least one telecom),
``horaires`` (unless the offer runs round the clock: hospitalisation complète 28, HAD 31,
hébergement 46) and ``capacite_installee`` (an installed capacity, statut 01, > 0 on one of its lieux).

The score is the weighted share of items present (0..1; an item weighs 1 unless its registry entry
says otherwise); ``missing`` lists the absent ones. Facts are loaded in a handful of statements per
500 EGs, so indicators over a region stay cheap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Capacite, Contact, Etablissement, Horaire, Telecom, Unite, UniteCode, UniteLieu, registry
from ror_graph.models.registry import Attribute, Entity, Storage
from ror_graph.services.unite.contacts import (
    ALERT_EMAIL_CANAL,
    ALERT_NATURES,
    ALERT_PHONE_CANAL,
    EMAIL_CANALS,
    PHONE_CANALS,
)

EG_FIXED_ITEMS = ("nom", "telephone_standard", "telephone_direction", "email_direction", "alerte")
UNITE_FIXED_ITEMS = ("nom", "tranche_age", "contact", "horaires", "capacite_installee")


def items(entity: Entity, fixed: tuple[str, ...], attributes: Iterable[Attribute] = registry.ATTRIBUTES
          ) -> dict[str, float]:
    """Item → weight: the registry's weighted attributes of ``entity`` first, then the fixed items (weight 1)."""
    return {**{a.key: a.completeness for a in registry.completeness_items(entity, attributes)},
            **dict.fromkeys(fixed, 1.0)}


EG_ITEMS = tuple(items(Entity.eg, EG_FIXED_ITEMS))
UNITE_ITEMS = tuple(items(Entity.unite, UNITE_FIXED_ITEMS))
ROUND_THE_CLOCK_MODES = frozenset({"28", "31", "46"})
STANDARD, DIRECTION = "06", "10"
CHUNK = 500


@dataclass(frozen=True)
class Completeness:
    """Share of mandatory items present (0..1) and the names of the missing ones."""

    score: float
    missing: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.missing


def _score(weights: dict[str, float], present: set[str]) -> Completeness:
    missing = tuple(i for i in weights if i not in present)
    total = sum(weights.values())
    return Completeness(score=round((total - sum(weights[i] for i in missing)) / total, 4), missing=missing)


def _registry_present(row, codes: set[str], entity: Entity, attributes: Iterable[Attribute]) -> set[str]:
    """Weighted registry items present on ``row`` (own column set, or at least one code row)."""
    return {a.key for a in registry.completeness_items(entity, attributes)
            if (getattr(row, a.column or a.key) if a.storage is Storage.column else a.column in codes)}


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


@dataclass
class _Facts:
    eg_telecoms: dict[int, list[tuple[str | None, str]]] = field(default_factory=lambda: defaultdict(list))
    units: dict[int, list[Unite]] = field(default_factory=lambda: defaultdict(list))
    unit_codes: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    unit_contact: set[int] = field(default_factory=set)
    unit_horaires: set[int] = field(default_factory=set)
    unit_capacity: set[int] = field(default_factory=set)


def _id(row: Etablissement | Unite) -> int:
    """The id of a stored row (set by the database)."""
    assert row.id is not None, "not flushed"
    return row.id


async def _load_facts(session: AsyncSession, eg_ids: list[int], unit_ids: list[int] | None = None) -> _Facts:
    """Contacts of the EGs, their open offers (or ``unit_ids``) and what those offers carry."""
    facts = _Facts()
    for chunk in _chunks(eg_ids):
        rows = await session.exec(select(Contact.etablissement_id, Contact.nature_code, Telecom.canal_code)
                                  .join(Telecom, col(Telecom.contact_id) == Contact.id)
                                  .where(col(Contact.etablissement_id).in_(chunk)))
        for eg_id, nature, canal in rows:
            assert eg_id is not None  # filtered on it
            facts.eg_telecoms[eg_id].append((nature, canal))
        if unit_ids is None:
            for unite in await session.exec(select(Unite).where(col(Unite.etablissement_id).in_(chunk),
                                                                Unite.ferme == False)):  # noqa: E712
                facts.units[unite.etablissement_id].append(unite)
    ids = unit_ids if unit_ids is not None else [_id(u) for units in facts.units.values() for u in units]
    for chunk in _chunks(ids):
        for unite_id, attribute in await session.exec(select(UniteCode.unite_id, UniteCode.attribute).where(
                col(UniteCode.unite_id).in_(chunk))):
            facts.unit_codes[unite_id].add(attribute)
        facts.unit_contact |= {i for i in await session.exec(select(Contact.unite_id).join(
            Telecom, col(Telecom.contact_id) == Contact.id).where(col(Contact.unite_id).in_(chunk)))
            if i is not None}  # filtered on it: never NULL
        facts.unit_horaires |= set(await session.exec(select(Horaire.unite_id).where(
            col(Horaire.unite_id).in_(chunk))))
        facts.unit_capacity |= set(await session.exec(
            select(UniteLieu.unite_id).join(Capacite, col(Capacite.lieu_id) == UniteLieu.lieu_id).where(
                col(UniteLieu.unite_id).in_(chunk), col(Capacite.statut_code) == "01", col(Capacite.nombre) > 0)))
    return facts


def _eg_completeness(eg: Etablissement, telecoms: list[tuple[str | None, str]],
                     attributes: Iterable[Attribute] = registry.ATTRIBUTES) -> Completeness:
    present = _registry_present(eg, set(), Entity.eg, attributes)
    if eg.raison_sociale or eg.nom_operationnel:
        present.add("nom")
    if eg.telephone or any(n == STANDARD and c in PHONE_CANALS for n, c in telecoms):
        present.add("telephone_standard")
    if any(n == DIRECTION and c in PHONE_CANALS for n, c in telecoms):
        present.add("telephone_direction")
    if any(n == DIRECTION and c in EMAIL_CANALS for n, c in telecoms):
        present.add("email_direction")
    if any(c in {ALERT_PHONE_CANAL, ALERT_EMAIL_CANAL} or (n in ALERT_NATURES and c in PHONE_CANALS | EMAIL_CANALS)
           for n, c in telecoms):
        present.add("alerte")
    return _score(items(Entity.eg, EG_FIXED_ITEMS, attributes), present)


def _unite_completeness(unite: Unite, facts: _Facts,
                        attributes: Iterable[Attribute] = registry.ATTRIBUTES) -> Completeness:
    codes = facts.unit_codes.get(unite.id, set()) if unite.id is not None else set()
    present = _registry_present(unite, codes, Entity.unite, attributes)
    present |= {name for name, ok in (
        ("nom", unite.nom),
        ("tranche_age", unite.age_min is not None and unite.age_max is not None),
        ("contact", unite.id in facts.unit_contact),
        ("horaires", unite.id in facts.unit_horaires or unite.mode_prise_en_charge_code in ROUND_THE_CLOCK_MODES),
        ("capacite_installee", unite.id in facts.unit_capacity),
    ) if ok}
    return _score(items(Entity.unite, UNITE_FIXED_ITEMS, attributes), present)


async def completeness_etablissement(session: AsyncSession, etablissement: Etablissement) -> Completeness:
    """Completeness of the EG's own mandatory items (its offers are scored separately)."""
    eg_id = _id(etablissement)
    facts = await _load_facts(session, [eg_id], unit_ids=[])
    return _eg_completeness(etablissement, facts.eg_telecoms.get(eg_id, []))


async def completeness_unite(session: AsyncSession, unite: Unite,
                             attributes: Iterable[Attribute] = registry.ATTRIBUTES) -> Completeness:
    """Completeness of one offer (``attributes``: the registry whose weighted items count)."""
    facts = await _load_facts(session, [], unit_ids=[_id(unite)])
    return _unite_completeness(unite, facts, attributes)


async def etablissements_complets(session: AsyncSession, eg_ids: Iterable[int]) -> set[int]:
    """Ids of the EGs whose own items and every open offer's items are all present."""
    ids = list(eg_ids)
    facts = await _load_facts(session, ids)
    complete: set[int] = set()
    for chunk in _chunks(ids):
        for eg in await session.exec(select(Etablissement).where(col(Etablissement.id).in_(chunk))):
            eg_id = _id(eg)
            if _eg_completeness(eg, facts.eg_telecoms.get(eg_id, [])).complete and all(
                    _unite_completeness(u, facts).complete for u in facts.units.get(eg_id, [])):
                complete.add(eg_id)
    return complete
