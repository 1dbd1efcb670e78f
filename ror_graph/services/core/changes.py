"""Unit of work for writes: field changes, their audit rows and the search-outbox rows, together.

Every write path (API, admin, importer, CLI) goes through a ``ChangeSet`` bound to one session, so
the data row, one ``AuditLog`` row per changed field and the ``OutboxEvent`` rows are committed in
the same transaction, or none of them is.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import AuditLog, OutboxEvent, utcnow


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

    def record(self, entity: str, entity_id: str, field_name: str, old: Any, new: Any) -> None:
        """Add one audit row (old → new) for ``entity``'s ``field_name``."""
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
        return True

    def enqueue(self, entity: str, entity_id: int, action: str = "upsert") -> None:
        """Ask the search worker to re-read (or delete) ``entity`` ``entity_id`` after commit."""
        self._outbox.add((entity, entity_id, action))

    @property
    def changed(self) -> bool:
        return bool(self.audit_rows)

    async def flush(self) -> None:
        """Add audit and outbox rows to the session (same transaction as the data)."""
        self.session.add_all(self.audit_rows)
        for entity, entity_id, action in sorted(self._outbox):
            self.session.add(
                OutboxEvent(entity=entity, entity_id=entity_id, action=action,
                            created_at=self.now, next_attempt_at=self.now)
            )
        self.audit_rows = []
        self._outbox.clear()
        await self.session.flush()
