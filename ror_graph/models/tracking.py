"""Bookkeeping written in the same transaction as the data: audit trail, search outbox, FINESS state.

* ``AuditLog``: one row per changed field, so "who changed what, when and why" is answerable.
* ``OutboxEvent``: the transactional outbox; a worker pushes the change to Meilisearch later, so a
  search outage never fails nor loses a write.
* ``FinessFieldState``: the last value FINESS sent per locked field, so a support correction
  survives re-imports until FINESS itself changes that value.
* ``ImportRun``: one row per FINESS import, with its report.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from ror_graph.models.base import utcnow


class AuditLog(SQLModel, table=True):
    """One changed field of one entity."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    entity: str = Field(max_length=40, index=True, description="entite_juridique | etablissement | unite...")
    entity_id: str = Field(max_length=40, index=True, description="FINESS number or offer identifier.")
    field: str = Field(max_length=80)
    old_value: str | None = None
    new_value: str | None = None
    actor: str = Field(max_length=200, index=True)
    role: str = Field(max_length=20)
    motif: str | None = Field(default=None, max_length=2000)
    source: str = Field(max_length=10, description="api | admin | import | cli")
    change_id: str = Field(max_length=36, index=True, description="Groups the rows of one write.")


class OutboxEvent(SQLModel, table=True):
    """A pending index update: (entity, id) must be re-read and pushed to (or removed from) search."""

    __tablename__ = "outbox_event"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    entity: str = Field(max_length=20, description="unite | etablissement")
    entity_id: int = Field(index=True)
    action: str = Field(default="upsert", max_length=10, description="upsert | delete")
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, index=True)
    last_error: str | None = None
    processed_at: datetime | None = Field(default=None, index=True)


class FinessFieldState(SQLModel, table=True):
    """Last value FINESS sent for one locked field, and whether support has overridden it."""

    __tablename__ = "finess_field_state"
    __table_args__ = (UniqueConstraint("entity", "finess", "field", name="uq_finess_field_state"),)

    id: int | None = Field(default=None, primary_key=True)
    entity: str = Field(max_length=20, description="entite_juridique | etablissement")
    finess: str = Field(max_length=9, index=True)
    field: str = Field(max_length=80)
    finess_value: str | None = None
    corrected: bool = False
    updated_at: datetime = Field(default_factory=utcnow)


class ImportRun(SQLModel, table=True):
    """One run of ``ror-graph import-finess`` (or the demo loader) with its counts."""

    __tablename__ = "import_run"

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    source: str = Field(max_length=500)
    format: str = Field(max_length=20)
    dry_run: bool = False
    status: str = Field(default="running", max_length=20)
    report: str | None = Field(default=None, description="JSON counts per entity and rejected lines.")
