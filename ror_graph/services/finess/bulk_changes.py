"""A ``ChangeSet`` for bulk imports: same audit rows and events, written with Core executemany.

The ORM path of ``ChangeSet`` builds one model object per audit row, which costs more than the
import itself on a national file (≈100k EG → 150k "created" rows). This subclass keeps the exact
same contract (``record``/``set``/``enqueue``/``flush``, one ``change_id``, same transaction as the
data) and only changes how the rows reach the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert

from ror_graph.models import AuditLog
from ror_graph.services.core.changes import ChangeSet, as_text


@dataclass
class BulkChangeSet(ChangeSet):
    """``ChangeSet`` whose rows are inserted as plain dicts (no ORM unit of work)."""

    _bulk_rows: list[dict[str, Any]] = field(default_factory=list)

    def record(self, entity: str, entity_id: str, field_name: str, old: Any, new: Any) -> None:
        self.touch(entity, entity_id, field_name, old, new)
        self._bulk_rows.append({
            "at": self.now, "entity": entity, "entity_id": entity_id, "field": field_name,
            "old_value": as_text(old), "new_value": as_text(new), "actor": self.actor.name,
            "role": self.actor.role, "motif": self.motif, "source": self.actor.source, "change_id": self.change_id,
        })

    @property
    def changed(self) -> bool:
        return bool(self._bulk_rows) or super().changed

    async def _write_audit(self) -> None:
        """Audit rows as one executemany; ORM-tracked objects (FinessFieldState) go with the session flush."""
        if self._bulk_rows:
            conn = await self.session.connection()
            await conn.execute(insert(AuditLog.__table__), self._bulk_rows)  # type: ignore[attr-defined]
        self._bulk_rows = []
        await super()._write_audit()
