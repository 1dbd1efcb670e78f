"""Bookkeeping written in the same transaction as the data: audit trail, event log, FINESS state.

* ``AuditLog``: one row per changed field, so "who changed what, when and why" is answerable.
* ``Event``: the domain event log (one row per changed entity); consumers (search sync, feeds…)
  read it after their own ``Consumer`` cursor, so a search outage never fails nor loses a write.
* ``FinessFieldState``: the last value FINESS sent per locked field, so a support correction
  survives re-imports until FINESS itself changes that value.
* ``ImportRun``: one row per FINESS import, with its report.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
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


class Event(SQLModel, table=True):
    """One domain change, appended in the transaction of the write (see ``services.events.log``).

    ``seq`` is the commit order: a consumer that has processed every event up to its cursor reads
    ``seq > cursor`` and never misses an event committed later (appends are serialized until commit).
    """

    __tablename__ = "event_log"
    # AUTOINCREMENT on SQLite: a purged last row must never let its seq be handed out again
    __table_args__ = {"sqlite_autoincrement": True}

    seq: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    entity: str = Field(max_length=40, index=True, description="entite_juridique | etablissement | unite...")
    entity_id: int | None = Field(default=None, index=True, description="Database id of the entity.")
    entity_key: str | None = Field(default=None, max_length=40, description="FINESS or national identifier.")
    op: str = Field(default="update", max_length=12, description="create | update | close | delete | visibility")
    version: int | None = Field(default=None, description="Version of the entity after the change.")
    fields: list[str] | None = Field(default=None, sa_column=Column(JSON), description="Changed field names.")
    change_id: str | None = Field(default=None, max_length=36, description="Groups with the audit rows.")


class Consumer(SQLModel, table=True):
    """A reader of the event log with its own cursor and a lease, so one process at a time works on it."""

    __tablename__ = "event_consumer"

    name: str = Field(primary_key=True, max_length=60)
    cursor: int = Field(default=0, description="Last seq processed.")
    lease_owner: str | None = Field(default=None, max_length=120)
    lease_expires_at: datetime | None = None
    last_error: str | None = None
    attempts: int = Field(default=0, description="Consecutive failed attempts.")
    retry_at: datetime | None = Field(default=None, description="No attempt before (backoff after a failure).")
    updated_at: datetime = Field(default_factory=utcnow)


class SearchShadow(SQLModel, table=True):
    """An offer changed since the last compaction of the search index: its document is in the recent index
    (``removed`` false) or it left search (``removed`` true); searches of the base index exclude it."""

    __tablename__ = "search_shadow"

    unite_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    removed: bool = Field(default=False, description="No longer searchable: hidden from the base index too.")
    changed_at: datetime = Field(default_factory=utcnow, index=True, description="Last push to the recent index.")


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
