"""The change feed: what changed after a cursor, as one caller may see it, in commit order.

One item per event of the log (``services.events.log``) about an EJ, EG or unité (lieux, capacités,
contacts and horaires travel inside their offer's form, as the write that changed them appended an
event for the offer). Items are computed *per caller* from the current state, through the policy:

* an entity that no longer exists → ``deleted`` (a tombstone: key, no data);
* an offer hidden from the caller (sensitive) → ``deleted`` when the event is the one that hid it
  (``visibility``) or a deletion, and *nothing* for its other events: a caller never learns that a
  hidden offer changed (no existence oracle);
* an offer that became visible to the caller → ``created`` (it enters the view);
* otherwise the log's op (``created``, ``updated``, ``closed``; an update that cleared a closure →
  ``reopened``) with the entity's current form for this caller (``services.feed.forms``): a contact
  raised above the caller's level is simply absent from the form.

Because forms are read now, an item may show a state newer than its event: applying items in order
always converges to the current state. The next cursor is the last event *scanned*, so events the
caller may not see or its filter drops still move it on; a page may hold fewer than ``first`` items.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import false, null, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import EntiteJuridique, Etablissement, Event, Unite, utcnow
from ror_graph.services.accounts.auth import Caller
from ror_graph.services.core.errors import BadInputError
from ror_graph.services.events.consumers import read_after
from ror_graph.services.feed.cursor import decode, issue
from ror_graph.services.feed.forms import FORM_READERS, PRIVATE_COLUMNS
from ror_graph.services.policy.visibility import unite_visible_to

ENTITIES = ("entite_juridique", "etablissement", "unite")
MAX_FEED_PAGE = 1000
SCAN_PER_PAGE = 20  # events scanned at most per item asked, so a narrow filter still answers quickly
CLOSURE_FIELDS = {"ferme", "date_fermeture"}


@dataclass(frozen=True)
class FeedFilter:
    """Which changes a reader wants; empty sets mean everything. Regions and départements are COG codes."""

    entites: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    departements: frozenset[str] = frozenset()

    def within(self, regions: frozenset[str]) -> FeedFilter:
        """This filter limited to ``regions`` (an API client's own limit; empty: no limit)."""
        if not regions:
            return self
        inside = (self.regions & regions) if self.regions else regions
        return FeedFilter(self.entites, inside or frozenset({"-"}), self.departements)  # "-": matches nothing

    def check(self) -> None:
        if unknown := sorted(self.entites - set(ENTITIES)):
            raise BadInputError(f"Unknown entity {unknown[0]!r} (choose {', '.join(ENTITIES)}).", field="entites")


@dataclass
class FeedItem:
    """One change as the caller sees it; ``data`` is the entity's current form (``None`` for a deletion)."""

    cursor: str
    seq: int
    op: str
    entity: str
    key: str | None
    version: int | None
    fields: list[str] | None
    at: datetime
    data: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        return {"cursor": self.cursor, "op": self.op, "entity": self.entity, "key": self.key,
                "version": self.version, "fields": self.fields, "at": self.at.isoformat(), "data": self.data}


@dataclass
class FeedPage:
    items: list[FeedItem] = field(default_factory=list)
    cursor: str = ""
    has_more: bool = False
    seq: int = 0  # the position ``cursor`` stands for


@dataclass
class _State:
    """What the feed needs to know of one entity, whoever asks: closed, EG/EJ FINESS, where."""

    closed: bool
    sensible: bool = False
    eg_finess: str | None = None
    ej_finess: str | None = None
    places: set[tuple[str | None, str | None]] = field(default_factory=set)  # (region, département)


async def _states(session: AsyncSession, entity: str, ids: list[int]) -> dict[int, _State]:
    """Existence, closure and location of the entities (internal: never returned as such)."""
    eg, ej = Etablissement, EntiteJuridique
    statement: Any
    if entity == "unite":
        statement = (select(col(Unite.id), col(Unite.ferme), col(Unite.unite_sensible), col(eg.finess),
                            col(ej.finess), col(eg.region_code), col(eg.departement_code))
                     .join(eg, col(eg.id) == Unite.etablissement_id).join(ej, col(ej.id) == eg.entite_juridique_id)
                     .where(col(Unite.id).in_(ids)))
    elif entity == "etablissement":
        statement = (select(col(eg.id), col(eg.ferme), false(), col(eg.finess), col(ej.finess), col(eg.region_code),
                            col(eg.departement_code))
                     .join(ej, col(ej.id) == eg.entite_juridique_id).where(col(eg.id).in_(ids)))
    else:
        statement = (select(col(ej.id), col(ej.date_fermeture).is_not(None), false(), null(), col(ej.finess),
                            col(eg.region_code), col(eg.departement_code))
                     .outerjoin(eg, col(eg.entite_juridique_id) == ej.id).where(col(ej.id).in_(ids)))
    states: dict[Any, _State] = {}
    conn = await session.connection()
    for row_id, closed, sensible, eg_finess, ej_finess, region, dep in (await conn.execute(statement)).all():
        state = states.setdefault(row_id, _State(bool(closed), bool(sensible), eg_finess, ej_finess))
        state.places.add((region, dep))
    return states


def _wanted(state: _State | None, f: FeedFilter) -> bool:
    """Whether an entity in ``state`` passes the location filter (a vanished one always does)."""
    if state is None or not (f.regions or f.departements):
        return True
    return any((not f.regions or r in f.regions) and (not f.departements or d in f.departements)
               for r, d in state.places)


def _op(event: Event, state: _State | None, visible: bool, caller: Caller) -> str | None:
    """The op this caller sees for ``event`` (``None``: nothing to see)."""
    if state is None:
        return "deleted"
    if not visible:
        return "deleted" if event.op in ("visibility", "delete") else None
    if event.op == "visibility":
        always = unite_visible_to(caller, sensible=True, eg_finess=state.eg_finess, ej_finess=state.ej_finess)
        return "updated" if always else "created"
    if event.op in ("create", "close", "delete"):
        return {"create": "created", "close": "closed", "delete": "deleted"}[event.op]
    if event.fields and PRIVATE_COLUMNS.issuperset(event.fields):
        return None  # back-office bookkeeping only (workflow state, last editor): not a change of the form
    if CLOSURE_FIELDS & set(event.fields or ()) and not state.closed:
        return "reopened"
    return "updated"


async def items_for(session: AsyncSession, caller: Caller, events: Sequence[Event], f: FeedFilter,
                    now: datetime) -> list[FeedItem]:
    """The items ``caller`` sees for ``events`` (in their order), filtered by ``f``."""
    wanted = [e for e in events if e.entity in ENTITIES and (not f.entites or e.entity in f.entites)
              and e.entity_id is not None]
    ids: dict[str, list[int]] = defaultdict(list)
    for event in wanted:
        ids[event.entity].append(event.entity_id)  # type: ignore[arg-type]  # filtered above
    states = {entity: await _states(session, entity, sorted(set(some))) for entity, some in ids.items()}
    forms = {entity: await FORM_READERS[entity](session, sorted(set(some)), caller) for entity, some in ids.items()}
    items = []
    for event in wanted:
        state = states[event.entity].get(event.entity_id)  # type: ignore[arg-type]
        form = forms[event.entity].get(event.entity_id)  # type: ignore[arg-type]
        op = _op(event, state, form is not None, caller)
        if op is None or not _wanted(state, f):
            continue
        key = (form or {}).get("identifiant" if event.entity == "unite" else "finess") or event.entity_key
        items.append(FeedItem(cursor=issue(event.seq or 0, now), seq=event.seq or 0, op=op, entity=event.entity,
                              key=key, version=event.version, fields=event.fields, at=event.at,
                              data=None if op == "deleted" else form))
    return items


async def read_changes(session: AsyncSession, caller: Caller, *, after: str | None, first: int,
                       filter: FeedFilter | None = None, retention: timedelta, now: datetime | None = None,
                       max_first: int = MAX_FEED_PAGE) -> FeedPage:
    """Up to ``first`` changes after cursor ``after`` for ``caller`` (raises ``CURSOR_EXPIRED``, ``BAD_INPUT``)."""
    now, f = now or utcnow(), filter or FeedFilter()
    f.check()
    if not 1 <= first <= max_first:
        raise BadInputError(f"first must lie between 1 and {max_first}.", field="first")
    position = decode(after, now=now, retention=retention)
    page, budget = FeedPage(), first * SCAN_PER_PAGE
    while len(page.items) < first and budget > 0:
        events = await read_after(session, position, min(first - len(page.items), budget))
        if not events:
            break
        budget -= len(events)
        page.items.extend(await items_for(session, caller, events, f, now))
        position = events[-1].seq or position
    page.has_more = bool(await read_after(session, position, 1))
    page.cursor, page.seq = issue(position, now), position
    return page
