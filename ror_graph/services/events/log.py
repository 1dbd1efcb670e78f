"""The event log: one row per entity a write changed, appended in the write's own transaction.

What an event says: entity type and keys (database id, FINESS or national identifier), ``op``
(create, update, close, delete, visibility), the entity's version after the change, the changed
field names, when, and ``change_id`` (the audit rows of the same write).

**Ordering.** Consumers read ``seq > cursor``. With a plain autoincrement id that is not enough: a
transaction can take id 10, commit *after* the one that took id 11, and a consumer that already
moved its cursor to 11 never sees 10 (the classic outbox gap). So appends are serialized until
commit, which makes ``seq`` order commit order:

* PostgreSQL: ``append_events`` takes the transaction-level advisory lock ``APPEND_LOCK`` just
  before inserting; it is released by the commit (or rollback), so the next appender gets a larger
  id and commits later. The lock is taken *after* the write's own data statements are flushed (see
  ``ChangeSet.flush``), so a transaction holding it only inserts events and commits: it never waits
  for a row lock while holding it, and writers of unrelated rows run in parallel until that point.
  A counter row updated at commit would give the same order with the same serialization, plus a
  hot row; the advisory lock needs no table and no extra UPDATE.
* SQLite: a write transaction holds the database's single write lock from its first write to its
  commit, so ids are already commit-ordered. The table is ``AUTOINCREMENT`` so that purging the
  last rows never lets a seq be handed out twice.

Rolled-back appends leave holes in ``seq``; consumers never wait for a hole to fill, it never does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, insert, or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Consumer, EntiteJuridique, Etablissement, Event, Unite
from ror_graph.models.base import table_of

APPEND_LOCK = 7_240_001  # pg_advisory_xact_lock key of event appends (arbitrary, unique to this app)
WROTE_EVENTS = "ror_graph.wrote_events"  # session.info flag read by ``services.events.signal``
CHUNK = 500

# Entity types whose rows carry a public key and a version; other audited entities (accounts, API
# clients) are back-office data and never produce events.
DOMAIN_ENTITIES: dict[str, tuple[Any, str]] = {
    "entite_juridique": (EntiteJuridique, "finess"),
    "etablissement": (Etablissement, "finess"),
    "unite": (Unite, "identifiant"),
}
CREATED_FIELDS = {"created", "identifiant"}  # an "old = none" audit row of these fields = a creation
OPS = ("create", "update", "close", "delete", "visibility")

# (entity, key) → {field: (old text, new text)}, as ``ChangeSet.record`` saw them
Touched = Mapping[tuple[str, str], Mapping[str, tuple[str | None, str | None]]]


def infer_op(fields: Mapping[str, tuple[str | None, str | None]], delete_requested: bool = False) -> str:
    """The one operation that best describes a set of field changes (strongest first)."""
    if delete_requested:
        return "delete"
    if any(name in CREATED_FIELDS and old is None for name, (old, _new) in fields.items()):
        return "create"
    if "unite_sensible" in fields:
        return "visibility"
    ferme = fields.get("ferme")
    if (ferme and ferme[1] == "true") or ("ferme" not in fields and _closes(fields.get("date_fermeture"))):
        return "close"
    return "update"


def _closes(change: tuple[str | None, str | None] | None) -> bool:
    return change is not None and change[0] is None and change[1] is not None


async def _resolve(conn: AsyncConnection, entity: str, ids: set[int], keys: set[str]) -> list[tuple]:
    """(id, key, version) of the rows of ``entity`` matching ``ids`` or ``keys`` (deleted rows: absent)."""
    model, key_name = DOMAIN_ENTITIES[entity]
    table: Table = table_of(model)
    found: list[tuple] = []
    id_list, key_list = sorted(ids), sorted(keys)
    for start in range(0, max(len(id_list), len(key_list)), CHUNK):
        clauses = []
        if part := id_list[start:start + CHUNK]:
            clauses.append(table.c.id.in_(part))
        if part_keys := key_list[start:start + CHUNK]:
            clauses.append(table.c[key_name].in_(part_keys))
        statement = select(table.c.id, table.c[key_name], table.c.version).where(or_(*clauses))
        found.extend(tuple(row) for row in await conn.execute(statement))
    return found


async def _lookup(conn: AsyncConnection, touched: Touched, enqueued: list[tuple[str, int, str]],
                  known_ids: Mapping[tuple[str, str], int]) -> tuple[dict, dict]:
    """Current (key, version) by (entity, id), and id by (entity, key), of every domain entity concerned."""
    wanted: dict[str, tuple[set[int], set[str]]] = {}
    for entity, entity_id, _action in enqueued:
        if entity in DOMAIN_ENTITIES:
            wanted.setdefault(entity, (set(), set()))[0].add(entity_id)
    for entity, key in touched:
        if entity in DOMAIN_ENTITIES:
            ids, keys = wanted.setdefault(entity, (set(), set()))
            (ids.add(known_ids[(entity, key)]) if (entity, key) in known_ids else keys.add(key))
    by_id: dict[tuple[str, int], tuple[str | None, int | None]] = {}
    by_key: dict[tuple[str, str], int] = {}
    for entity, (ids, keys) in wanted.items():
        for row_id, key, version in await _resolve(conn, entity, ids, keys):
            by_id[(entity, row_id)] = (key, version)
            if key is not None:
                by_key[(entity, key)] = row_id
    return by_id, by_key


async def build_events(
    conn: AsyncConnection,
    touched: Touched,
    enqueued: Iterable[tuple[str, int, str]],
    *,
    at: datetime,
    change_id: str | None,
    ops: Mapping[tuple[str, int], str] | None = None,
    known_ids: Mapping[tuple[str, str], int] | None = None,
) -> list[dict[str, Any]]:
    """One event row per entity changed (audited) or enqueued, keys and version read after the write.

    ``known_ids`` maps an audited (entity, key) to its row id when the caller had the object at hand;
    ``ops`` forces the op of an enqueued (entity, id).
    """
    enqueued = sorted(set(enqueued))
    known_ids, ops = known_ids or {}, ops or {}
    by_id, by_key = await _lookup(conn, touched, enqueued, known_ids)
    # (entity, id or key) → [entity id, key, field changes, delete requested]
    found: dict[tuple[str, Any], list[Any]] = {}

    def entry(entity: str, entity_id: int | None, key: str | None) -> list[Any]:
        ident = (entity, entity_id if entity_id is not None else f"key:{key}")
        return found.setdefault(ident, [entity_id, key, {}, False])

    for entity, entity_id, action in enqueued:
        entry(entity, entity_id, None)[3] |= action == "delete"
    for (entity, key), fields in touched.items():
        if entity in DOMAIN_ENTITIES:
            entry(entity, known_ids.get((entity, key), by_key.get((entity, key))), key)[2].update(fields)
    rows = []
    for (entity, _ident), (entity_id, key, changes, deleted) in found.items():
        current_key, version = by_id.get((entity, entity_id), (None, None))
        rows.append({"entity": entity, "entity_id": entity_id, "entity_key": current_key or key, "version": version,
                     "op": ops.get((entity, entity_id)) or infer_op(changes, deleted),
                     "fields": sorted(changes) or None, "at": at, "change_id": change_id})
    return rows


async def append_events(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` in the session's transaction, serialized until commit (see the module docstring)."""
    if not rows:
        return
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": APPEND_LOCK})
    await conn.execute(insert(table_of(Event)), rows)
    session.sync_session.info[WROTE_EVENTS] = True


async def last_seq(session: AsyncSession) -> int:
    """The highest seq ever committed and still kept (0 for an empty log)."""
    conn = await session.connection()
    seq = (await conn.execute(select(func.coalesce(func.max(col(Event.seq)), 0)))).scalar_one()
    assert seq is not None  # COALESCE(…, 0)
    return seq


async def purge_events(session: AsyncSession, *, before: datetime) -> int:
    """Delete events older than ``before`` that every registered consumer has processed; no commit.

    An event some consumer has not passed yet is never deleted, however old. With no consumer
    registered, nobody waits for anything and age alone decides.
    """
    conn = await session.connection()
    slowest = select(func.min(col(Consumer.cursor))).scalar_subquery()  # NULL when no consumer is registered
    result = await conn.execute(delete(Event).where(col(Event.at) < before,
                                                    col(Event.seq) <= func.coalesce(slowest, col(Event.seq))))
    return result.rowcount or 0
