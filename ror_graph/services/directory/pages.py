"""Filtered, keyset-paginated lists of établissements and offers, with the caller's visibility applied.

Pages are read with a keyset ``(order key, id) > (last key, last id)`` and ``LIMIT first + 1``, so
page 500 costs what page 1 costs (no ``OFFSET`` scan) and rows inserted meanwhile cause neither
duplicates nor gaps. Offer criteria on an établissement list mean "the EG has at least one offer,
visible to the caller, that matches all of them".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, and_, exists, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Etablissement, EtablissementCode, Unite, UniteCode, registry
from ror_graph.models.registry import Attribute, Entity, Storage
from ror_graph.services.accounts.auth import Caller
from ror_graph.services.core.errors import BadInputError
from ror_graph.services.core.validation import AGE_MAX, AGE_MIN
from ror_graph.services.policy.visibility import unite_visible

MAX_PAGE_SIZE = 100
# Registry filters (filter name → attributes) run in SQL on the offer / on its établissement.
UNITE_FILTERS = registry.sql_filters(Entity.unite)
EG_FILTERS = registry.sql_filters(Entity.eg)
T = TypeVar("T")


class EtablissementOrder(StrEnum):
    finess = "finess"
    raison_sociale = "raison_sociale"
    updated_at = "updated_at"


class UniteOrder(StrEnum):
    id = "id"
    nom = "nom"
    updated_at = "updated_at"


@dataclass(frozen=True)
class DirectoryFilter:
    """Criteria of a list; every given criterion must hold, a list means "any of these codes"."""

    departements: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()
    codes: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (registry filter name, codes), e.g. ("publics", ("01",))
    age: int | None = None
    ferme: bool | None = None
    updated_since: datetime | None = None

    def check(self) -> None:
        if self.age is not None and not AGE_MIN <= self.age <= AGE_MAX:
            raise BadInputError(f"age must lie between {AGE_MIN} and {AGE_MAX}.", field="filter.age")

    @property
    def has_offer_criteria(self) -> bool:
        return self.age is not None or any(values and name in UNITE_FILTERS for name, values in self.codes)


@dataclass
class Page(Generic[T]):
    """One page of rows with the keyset of each row (for cursors) and whether more rows follow."""

    items: list[T]
    keys: list[tuple[Any, int]]
    has_next: bool


def check_page_size(first: int) -> None:
    if not 0 <= first <= MAX_PAGE_SIZE:
        raise BadInputError(f"first must lie between 0 and {MAX_PAGE_SIZE}.", field="first")


def _code_condition(model: type[Unite] | type[Etablissement], attributes: list[Attribute],
                    codes: tuple[str, ...]) -> ColumnElement[bool]:
    """``model`` has one of ``codes`` in one of ``attributes`` (own column or code rows)."""
    first = attributes[0]
    if first.storage is Storage.column:
        return or_(*(col(getattr(model, a.column or a.key)).in_(codes) for a in attributes))
    rows, owner = (UniteCode, UniteCode.unite_id) if model is Unite else (EtablissementCode,
                                                                          EtablissementCode.etablissement_id)
    return exists().where(col(owner) == col(model.id), col(rows.attribute).in_([a.column for a in attributes]),
                          col(rows.code).in_(codes))


def _registry_conditions(f: DirectoryFilter, model: type, filters: dict[str, list[Attribute]]):
    return [_code_condition(model, filters[name], values) for name, values in f.codes if values and name in filters]


def _offer_conditions(f: DirectoryFilter) -> list[ColumnElement[bool]]:
    """Conditions on ``unite`` for the offer criteria of ``f``."""
    conditions = _registry_conditions(f, Unite, UNITE_FILTERS)
    if f.age is not None:
        conditions.append(and_(col(Unite.age_min) <= f.age, col(Unite.age_max) >= f.age))
    return conditions


def _etablissement_conditions(f: DirectoryFilter) -> list[ColumnElement[bool]]:
    """Conditions on ``etablissement`` for its own criteria (location, catégorie)."""
    conditions: list[ColumnElement[bool]] = []
    if f.departements:
        conditions.append(col(Etablissement.departement_code).in_(f.departements))
    if f.regions:
        conditions.append(col(Etablissement.region_code).in_(f.regions))
    if f.communes:
        conditions.append(col(Etablissement.commune_code).in_(f.communes))
    return conditions + _registry_conditions(f, Etablissement, EG_FILTERS)


def _after(key: Any, key_value: Any, id_column: Any, last_id: int) -> ColumnElement[bool]:
    """Keyset condition ``(key, id) > (key_value, last_id)``, written so indexes on ``key`` apply."""
    if key is id_column:
        return id_column > last_id
    return or_(key > key_value, and_(key == key_value, id_column > last_id))


async def _page(session: AsyncSession, statement, key, id_column, first: int, after) -> Page:
    if after is not None:
        statement = statement.where(_after(key, after[0], id_column, after[1]))
    rows = list(await session.exec(statement.order_by(key, id_column).limit(first + 1)))
    items = rows[:first]
    return Page(items=items, keys=[(getattr(r, key.key), r.id) for r in items], has_next=len(rows) > first)


def etablissement_conditions(f: DirectoryFilter, caller: Caller) -> list[ColumnElement[bool]]:
    """Every condition of an établissement list, including "has a matching visible offer"."""
    f.check()
    conditions = _etablissement_conditions(f)
    if f.ferme is not None:
        conditions.append(col(Etablissement.ferme).is_(f.ferme))
    if f.updated_since is not None:
        conditions.append(col(Etablissement.updated_at) >= f.updated_since)
    if f.has_offer_criteria:
        conditions.append(
            exists().where(col(Unite.etablissement_id) == Etablissement.id, unite_visible(caller),
                           *_offer_conditions(f))
        )
    return conditions


def unite_conditions(f: DirectoryFilter, caller: Caller) -> list[ColumnElement[bool]]:
    """Every condition of an offer list: its own criteria, its EG's, and visibility."""
    f.check()
    conditions = [unite_visible(caller), *_offer_conditions(f)]
    if f.ferme is not None:
        conditions.append(col(Unite.ferme).is_(f.ferme))
    if f.updated_since is not None:
        conditions.append(col(Unite.updated_at) >= f.updated_since)
    if eg_conditions := _etablissement_conditions(f):
        conditions.append(col(Unite.etablissement_id).in_(select(Etablissement.id).where(*eg_conditions)))
    return conditions


async def etablissements_page(
    session: AsyncSession,
    *,
    caller: Caller,
    filter: DirectoryFilter,
    order: EtablissementOrder,
    first: int,
    after: tuple[Any, int] | None = None,
) -> Page[Etablissement]:
    check_page_size(first)
    statement = select(Etablissement).where(*etablissement_conditions(filter, caller))
    key = getattr(Etablissement, order.value)
    return await _page(session, statement, key, Etablissement.id, first, after)


async def etablissements_count(session: AsyncSession, *, caller: Caller, filter: DirectoryFilter) -> int:
    statement = select(func.count()).select_from(Etablissement).where(*etablissement_conditions(filter, caller))
    return (await session.exec(statement)).one()


async def unites_page(
    session: AsyncSession,
    *,
    caller: Caller,
    filter: DirectoryFilter,
    order: UniteOrder,
    first: int,
    after: tuple[Any, int] | None = None,
) -> Page[Unite]:
    check_page_size(first)
    statement = select(Unite).where(*unite_conditions(filter, caller))
    key = getattr(Unite, order.value)
    return await _page(session, statement, key, Unite.id, first, after)


async def unites_count(session: AsyncSession, *, caller: Caller, filter: DirectoryFilter) -> int:
    statement = select(func.count()).select_from(Unite).where(*unite_conditions(filter, caller))
    return (await session.exec(statement)).one()
