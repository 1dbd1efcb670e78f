"""Unit of work for writes: field changes, their audit rows and their domain events, together.

Every write path (API, admin, importer, CLI) goes through a ``ChangeSet`` bound to one session, so
the data row, one ``AuditLog`` row per changed field and one ``Event`` per changed entity (see
``services.events.log``) are committed in the same transaction, or none of them is. Events come
from what was audited (``record``/``set``: fields, op) and what was ``enqueue``d (entities whose
dependants must be re-read, e.g. an EG's offers, or a deleted row).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import AuditLog, utcnow
from ror_graph.services.events.log import append_events, build_events


@dataclass(frozen=True)
class Actor:
    """Who writes: a display name (e-mail, ``finess-import``...), a role and the entry point."""

    name: str
    role: str
    source: str  # api | admin | import | cli
    account_id: int | None = None


SYSTEM_IMPORT = Actor(name="finess-import", role="system", source="import")


def as_text(value: Any) -> str | None:
    """Audit representation of a value: stable, human readable, ``None`` stays ``None``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


@dataclass
class ChangeSet:
    """Collects the changes of one write; call ``flush()`` before the caller commits."""

    session: AsyncSession
    actor: Actor
    motif: str | None = None
    now: datetime = field(default_factory=utcnow)
    change_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    audit_rows: list[AuditLog] = field(default_factory=list)
    _outbox: set[tuple[str, int, str]] = field(default_factory=set)
    _ops: dict[tuple[str, int], str] = field(default_factory=dict)
    _touched: dict[tuple[str, str], dict[str, tuple[str | None, str | None]]] = field(default_factory=dict)
    _ids: dict[tuple[str, str], int] = field(default_factory=dict)

    def touch(self, entity: str, entity_id: str, field_name: str, old: Any, new: Any) -> None:
        """Remember that ``field_name`` of ``entity`` changed (the event's fields and op)."""
        changes = self._touched.setdefault((entity, entity_id), {})
        first_old = changes[field_name][0] if field_name in changes else as_text(old)
        changes[field_name] = (first_old, as_text(new))

    def record(self, entity: str, entity_id: str, field_name: str, old: Any, new: Any) -> None:
        """Add one audit row (old → new) for ``entity``'s ``field_name``."""
        self.touch(entity, entity_id, field_name, old, new)
        self.audit_rows.append(
            AuditLog(
                at=self.now, entity=entity, entity_id=entity_id, field=field_name,
                old_value=as_text(old), new_value=as_text(new), actor=self.actor.name,
                role=self.actor.role, motif=self.motif, source=self.actor.source,
                change_id=self.change_id,
            )
        )

    def set(self, obj: Any, entity: str, entity_id: str, field_name: str, value: Any) -> bool:
        """Assign ``obj.field_name = value`` and audit it, only when the value really changes."""
        old = getattr(obj, field_name)
        if as_text(old) == as_text(value):
            return False
        setattr(obj, field_name, value)
        self.record(entity, entity_id, field_name, old, value)
        if isinstance(getattr(obj, "id", None), int):
            self._ids[(entity, entity_id)] = obj.id
        return True

    def enqueue(self, entity: str, entity_id: int, action: str = "upsert", *, op: str | None = None) -> None:
        """Append an event for ``entity`` ``entity_id`` (``action="delete"``: it was deleted).

        ``op`` forces the event's operation; by default it is inferred from the audited fields.
        """
        self._outbox.add((entity, entity_id, action))
        if op is not None:
            self._ops[(entity, entity_id)] = op

    @property
    def changed(self) -> bool:
        return bool(self.audit_rows)

    async def _write_audit(self) -> None:
        self.session.add_all(self.audit_rows)
        self.audit_rows = []

    async def flush(self) -> None:
        """Write audit rows, then events (same transaction as the data).

        The session is flushed first, so the data statements run (and take their row locks) before
        ``append_events`` takes the append lock, and the events see the entities' new versions.
        """
        await self._write_audit()
        await self.session.flush()
        if self._outbox or self._touched:
            conn = await self.session.connection()
            rows = await build_events(conn, self._touched, self._outbox, at=self.now, change_id=self.change_id,
                                      ops=self._ops, known_ids=self._ids)
            await append_events(self.session, rows)
        self._outbox.clear()
        self._touched.clear()
        self._ops.clear()
        self._ids.clear()
