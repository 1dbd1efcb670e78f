"""Run a FHIR search: SQL conditions from ``params``, visibility from the policy, a stable order, a page.

Pages are ``_offset`` windows over a total order (sort key, then the primary key), so following
``next`` links walks a result to its end with no gap and no duplicate while the data does not
change. ``Organization`` covers two tables: matching EJ come first, then matching EG, each in the
requested order. ``near`` keeps the rows of a bounding box in SQL, then measures the great-circle
(haversine) distance of each in Python: exact, and the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, true
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import EntiteJuridique, Etablissement, Lieu, Unite, UniteLieu
from ror_graph.services.fhir.params import PARAMS, SORTS
from ror_graph.services.fhir.query import Criterion, FhirError, Query, near
from ror_graph.services.fhir.totals import Totals
from ror_graph.services.policy.visibility import lieu_visible, unite_visible

EARTH_KM = 6371.0088
MAX_NEAR = 20_000
MODELS: dict[str, tuple[Any, ...]] = {"Organization": (EntiteJuridique, Etablissement),
                                      "HealthcareService": (Unite,), "Location": (Lieu,)}


@dataclass
class Matches:
    """One page of matching rows (in order), the total, and the distances of a ``near`` search."""

    rows: list[Any] = field(default_factory=list)
    total: int = 0
    distances: dict[int, float] = field(default_factory=dict)
    next_after: str | None = None  # ``_after`` of the next page, in the default (key) order


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def _criterion(resource: str, model: Any, c: Criterion) -> ColumnElement[bool]:
    param = PARAMS[resource][c.name]
    if param.kind == "special":
        return true()
    if c.modifier == "missing":
        missing = param.missing(model)
        return missing if c.values[0] == "true" else ~missing
    return or_(*(param.clause(model, v, c.modifier) for v in c.values))


def _visible(model: Any, caller: Any) -> ColumnElement[bool]:
    if model is Unite:
        return unite_visible(caller)
    if model is Lieu:
        return lieu_visible(caller, Lieu.id)
    return true()


def bounding_box(value: str, lieu: Any = Lieu) -> ColumnElement[bool]:
    """The lat/lon box around a ``near`` circle: answered from the ``(latitude, longitude)`` index."""
    lat, lon, km = near(value)
    dlat = km / 111.0
    dlon = km / (111.0 * max(0.01, math.cos(math.radians(min(89.0, abs(lat) + dlat)))))
    return and_(col(lieu.latitude).between(lat - dlat, lat + dlat), col(lieu.longitude).between(lon - dlon, lon + dlon))


async def lieux_near(session: AsyncSession, value: str) -> dict[int, float]:
    """Lieux within the ``near`` distance (great circle): id → km.

    Visibility is not applied here but where the ids are used (a Location search keeps its visibility
    clause; an offer is matched through its own), so the box query reads plain columns only.
    """
    lat, lon, km = near(value)
    rows = await session.exec(select(Lieu.id, Lieu.latitude, Lieu.longitude).where(bounding_box(value)))
    found: dict[int, float] = {i: haversine_km(lat, lon, la, lo) for i, la, lo in rows}  # type: ignore[misc, arg-type]
    within = {i: d for i, d in found.items() if d <= km}
    if len(within) > MAX_NEAR:
        raise FhirError(400, f"More than {MAX_NEAR} lieux within {km:g} km: give a smaller distance.", "too-costly")
    return within


async def _unites_near(session: AsyncSession, conditions: list, value: str, distances: dict[int, float]) -> list[int]:
    """Ids (ascending) of the offers matching ``conditions`` with a lieu within the ``near`` distance.

    One statement walks the box's lieux (position index) to their offers and checks the offer's
    conditions on the way; the exact great-circle test of each lieu (``distances``) is then a set
    lookup. No id list goes back to the database, and counting and paging read the same ids. The link
    and the lieu are aliases so that a condition's own ``EXISTS`` on ``unite_lieu`` (``location=``)
    stays about the offer, not about the lieu of this row.
    """
    link, lieu = aliased(UniteLieu), aliased(Lieu)
    statement = (select(link.unite_id, link.lieu_id)
                 .join(lieu, col(lieu.id) == link.lieu_id).join(Unite, col(Unite.id) == link.unite_id)
                 .where(bounding_box(value, lieu), *conditions))
    return sorted({unite_id for unite_id, lieu_id in await session.exec(statement) if lieu_id in distances})


async def _near_unite_page(session: AsyncSession, ids: list[int], offset: int, limit: int,
                           after: int | None) -> list[Any]:
    """The offers of ``ids`` (ascending) after key ``after``, from ``offset``, at most ``limit``."""
    window = [i for i in ids if after is None or i > after][offset: offset + limit] if limit > 0 else []
    if not window:
        return []
    rows = {r.id: r for r in await session.exec(select(Unite).where(col(Unite.id).in_(window)))}
    return [rows[i] for i in window]


def _near_value(query: Query, name: str) -> str | None:
    values = [c.values[0] for c in query.criteria if c.name == name]
    if len(values) > 1:
        raise FhirError(400, f"Give {name} once.")
    return values[0] if values else None


def _order(resource: str, model: Any, sort: list[str]) -> list[Any]:
    pk = model.__table__.primary_key.columns.values()[0]
    if not sort:
        return [pk]
    key = sort[0]
    desc = key.startswith("-")
    name = SORTS[resource].get(key.lstrip("-"))
    if name is None or len(sort) > 1:
        raise FhirError(400, f"_sort takes one of {', '.join(SORTS[resource])} (optionally with -).",
                        "not-supported")
    column = pk if name == "near" else getattr(model, name)
    return [column.desc(), pk.desc()] if desc else [column, pk]


Counter = Callable[[Any], Awaitable[int]]


def _counter(session: AsyncSession, totals: Totals | None) -> Counter:
    """How this search counts: through the app's ``Totals`` (at the data version read before the first
    count of the search), or directly."""
    if totals is None:
        async def direct(statement: Any) -> int:
            return int((await session.exec(statement)).one())
        return direct
    version: list[int] = []

    async def cached(statement: Any) -> int:
        if not version:
            version.append(await totals.version(session))
        return await totals.count(session, statement, version[0])
    return cached


async def _table_page(session: AsyncSession, model: Any, conditions: list, order: list, offset: int,
                      limit: int, after: Any, count: Counter) -> tuple[int, list[Any]]:
    """(total of the table, up to ``limit`` rows from ``offset``, after primary key ``after`` when given)."""
    total = await count(select(func.count()).select_from(model).where(*conditions))
    if limit <= 0 or (after is None and offset >= total):
        return total, []
    keyset = [] if after is None else [col(model.id) > after]
    rows = await session.exec(select(model).where(*conditions, *keyset).order_by(*order).offset(offset).limit(limit))
    return total, list(rows)


def _after(query: Query, resource: str) -> tuple[int, int] | None:
    """``_after=<table>.<id>`` (set by ``next`` links of the default order) → (table index, id)."""
    if query.after is None:
        return None
    table, _, key = query.after.partition(".")
    if query.sort or query.offset or not (table.isdigit() and key.isdigit() and int(table) < len(MODELS[resource])):
        raise FhirError(400, "_after only comes from a next link of a search without _sort nor _offset.")
    return int(table), int(key)


async def _near_sorted(session: AsyncSession, conditions: list, distances: dict[int, float], query: Query,
                       descending: bool) -> Matches:
    ids: list[Any] = [i for i in (await session.exec(select(Lieu.id).where(*conditions)))]
    ordered = sorted(ids, key=lambda i: (distances[i], i), reverse=descending)
    window = ordered[query.offset: query.offset + query.count]
    rows = {r.id: r for r in await session.exec(select(Lieu).where(col(Lieu.id).in_(window)))} if window else {}
    return Matches([rows[i] for i in window], len(ordered), distances)


async def search(session: AsyncSession, caller: Any, resource: str, query: Query,
                 totals: Totals | None = None) -> Matches:
    """The page of ``resource`` matching ``query`` that ``caller`` may see, and the total (see ``totals``)."""
    models = MODELS[resource]
    matches = Matches()
    distances: dict[int, float] = {}
    near_value = _near_value(query, "near" if resource == "Location" else "location.near")
    if near_value is not None:
        distances = await lieux_near(session, near_value)
    offset, limit = query.offset, 0 if query.summary_count else query.count
    after = _after(query, resource)
    keyset = not query.sort  # the default order pages by key: a deep page costs what the first one does
    fetch = limit + 1 if keyset and limit else limit
    count = _counter(session, totals)
    for index, model in enumerate(models):
        conditions = [_visible(model, caller), *(_criterion(resource, model, c) for c in query.criteria)]
        if near_value is not None and model is Lieu:
            conditions.append(col(Lieu.id).in_(list(distances)))
        elif near_value is not None:
            ids = await _unites_near(session, conditions, near_value, distances)
            if keyset:  # the default order is the ids' order: count and page them here
                position = after[1] if after is not None else None
                matches.rows = [(0, r) for r in await _near_unite_page(session, ids, offset, fetch, position)]
                matches.total = len(ids)
                continue
            conditions = [col(Unite.id).in_(ids)]
        if model is Lieu and query.sort and query.sort[0].lstrip("-") == "near":
            if near_value is None:
                raise FhirError(400, "_sort=near needs a near parameter.")
            return await _near_sorted(session, conditions, distances, query, query.sort[0].startswith("-"))
        skip = after is not None and index < after[0]
        total, rows = await _table_page(session, model, conditions, _order(resource, model, query.sort),
                                        offset, 0 if skip else fetch - len(matches.rows),
                                        after[1] if after is not None and index == after[0] else None, count)
        matches.total += total
        matches.rows += [(index, row) for row in rows] if keyset else rows
        offset = max(0, offset - total)
    matches.distances = distances
    if keyset:
        page, extra = matches.rows[:limit], matches.rows[limit:]
        matches.rows = [row for _, row in page]
        if extra and page:
            index, last = page[-1]
            matches.next_after = f"{index}.{last.id}"
    return matches
