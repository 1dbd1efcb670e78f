"""Bulk export jobs (``POST /api/exports``, FHIR ``$export``): durable rows, run once across processes.

A job is asked by one caller (API client, account, or nobody for a public FHIR export) and runs with
that caller's profile. Any process's export runner may take it: it holds a lease (``lease_owner``,
``lease_expires_at``) renewed while it writes; a runner that dies leaves the lease to expire and
another one starts the job again from the beginning. The files live in ``<data dir>/exports/<id>/``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from ror_graph.models.base import utcnow


class ExportJob(SQLModel, table=True):
    """One bulk export: what was asked, by whom, where it stands, and (once done) its manifest."""

    __tablename__ = "export_job"

    id: str = Field(primary_key=True, max_length=40, description="Random, unguessable.")
    kind: str = Field(max_length=20, description="directory (forms, NDJSON/CSV/XLSX) or fhir (Bulk Data).")
    profile: str = Field(max_length=20, description="Read profile the export is made for.")
    params: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False),
                         description="format, FHIR types, the kick-off request URL.")
    api_client_id: int | None = Field(default=None, index=True)
    account_id: int | None = Field(default=None, index=True)
    status: str = Field(default="queued", max_length=12, index=True,
                        description="queued, running, done, failed or cancelled.")
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    lease_owner: str | None = Field(default=None, max_length=120)
    lease_expires_at: datetime | None = None
    attempts: int = 0
    result: dict | None = Field(default=None, sa_column=Column(JSON), description="The manifest, once done.")
    error: str | None = Field(default=None, max_length=2000)
