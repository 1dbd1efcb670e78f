"""Shared column groups and markers for the table models.

Timestamps are timezone-aware UTC (SQLModel's ``UTCDateTime`` column stores them as UTC on SQLite
and PostgreSQL alike): ``utcnow`` is the models' clock; services take an injectable ``now`` for tests.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, inspect
from sqlmodel import Field, SQLModel

FINESS_OWNED = "finess_owned"


def utcnow() -> datetime:
    """Current time, timezone-aware UTC (what every timestamp column expects)."""
    return datetime.now(UTC)


def finess_field(default: Any = None, **kwargs: Any) -> Any:
    """A column whose value belongs to FINESS (the official register), not to the structure.

    This marker is the single source of truth: importer, API and admin all call
    ``finess_owned_fields(Model)`` instead of keeping their own lists.
    """
    column_kwargs = kwargs.pop("sa_column_kwargs", {})
    column_kwargs.setdefault("info", {})[FINESS_OWNED] = True
    return Field(default, sa_column_kwargs=column_kwargs, **kwargs)


def table_of(model: type[SQLModel]) -> Table:
    """The Core ``Table`` of a table model, for bulk statements and column metadata.

    SQLModel does not declare ``__table__`` to type checkers: reading it through the mapper keeps
    callers typed instead of each one silencing mypy.
    """
    table = inspect(model).local_table
    assert isinstance(table, Table), f"{model.__name__} is not a table model"
    return table


def finess_owned_fields(model: type[SQLModel]) -> tuple[str, ...]:
    """Names of the FINESS-locked columns of ``model``, in declaration order."""
    table = table_of(model)
    return tuple(c.name for c in table.columns if c.info.get(FINESS_OWNED))


class Stamped(SQLModel):
    """Creation / modification stamps and the optimistic-concurrency ``version`` of editable rows."""

    version: int = Field(default=1, description="Incremented on every accepted change (optimistic locking).")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Address(SQLModel):
    """Postal address split as in FINESS (numéro, type et libellé de voie...) plus the COG commune."""

    numero_voie: str | None = Field(default=None, max_length=10)
    type_voie: str | None = Field(default=None, max_length=10)
    libelle_voie: str | None = Field(default=None, max_length=200)
    complement_voie: str | None = Field(default=None, max_length=200)
    lieu_dit: str | None = Field(default=None, max_length=200)
    code_postal: str | None = Field(default=None, max_length=5)
    libelle_acheminement: str | None = Field(default=None, max_length=100)
    commune_code: str | None = Field(default=None, max_length=5, index=True)
