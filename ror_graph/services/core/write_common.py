"""Building blocks of the write services: input cleaning, optimistic locking, list auditing.

Every write service follows the same order, fixed once by ``services.core.write.WriteOperation``:
authorise, check the version it was given, validate the whole input (reads only), and only then
claim the new version and write through a ``ChangeSet``. Any error raised before the commit is
followed by a rollback, so nothing is half-written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Etablissement
from ror_graph.services.core.changes import ChangeSet
from ror_graph.services.core.errors import BadInputError, ConflictError, FinessLockedError

T = TypeVar("T")
MAX_INT = 1_000_000  # counts, quantities and places: far above any real value, far below INTEGER limits
MAX_ITEMS = 200  # list inputs (contacts, codes, horaires...): protects the database from absurd payloads
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def column_length(model: type[SQLModel], name: str) -> int | None:
    """``max_length`` of a string column (None for unbounded text)."""
    return getattr(model.__table__.columns[name].type, "length", None)  # type: ignore[attr-defined]


def clean_text(value: Any, *, field: str, max_length: int | None, required: bool = False) -> str | None:
    """Strip a text input; empty → None; refuse control characters and over-long values (BAD_INPUT).

    PostgreSQL refuses NUL bytes and over-long VARCHARs with a database error, so both are checked here.
    """
    if value is None:
        if required:
            raise BadInputError("This field is required.", field=field)
        return None
    if not isinstance(value, str):
        raise BadInputError("Expected a text value.", field=field)
    text = value.strip()
    if _CONTROL.search(text):
        raise BadInputError("Control characters are not allowed.", field=field)
    if max_length is not None and len(text) > max_length:
        raise BadInputError(f"At most {max_length} characters.", field=field)
    if not text:
        if required:
            raise BadInputError("This field is required.", field=field)
        return None
    return text


def clean_code(value: Any, *, field: str, required: bool = False) -> str | None:
    """A nomenclature code: short text without spaces (its value set is checked with ``check_codes``)."""
    code = clean_text(value, field=field, max_length=20, required=required)
    if code is not None and not re.fullmatch(r"[0-9A-Za-z_.\-]+", code):
        raise BadInputError(f"{code!r} is not a code.", field=field)
    return code


def check_int(value: Any, *, field: str, low: int = 0, high: int = MAX_INT, required: bool = False) -> int | None:
    """An integer within ``[low, high]`` (booleans are not integers here)."""
    if value is None:
        if required:
            raise BadInputError("This field is required.", field=field)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInputError("Expected an integer.", field=field)
    if not low <= value <= high:
        raise BadInputError(f"Must lie between {low} and {high}.", field=field)
    return value


def check_bool(value: Any, *, field: str, required: bool = False) -> bool | None:
    if value is None:
        if required:
            raise BadInputError("This field is required.", field=field)
        return None
    if not isinstance(value, bool):
        raise BadInputError("Expected true or false.", field=field)
    return value


def check_list(value: Any, *, field: str, max_items: int = MAX_ITEMS) -> list:
    """A list input (None → empty list) of at most ``max_items`` items."""
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise BadInputError("Expected a list.", field=field)
    if len(value) > max_items:
        raise BadInputError(f"At most {max_items} items.", field=field)
    return list(value)


def check_version(obj: Any, version: Any) -> None:
    """Fast optimistic-locking check: the caller must send the version it read."""
    if isinstance(version, bool) or not isinstance(version, int):
        raise BadInputError("The version you read is required.", field="version")
    if obj.version != version:
        raise ConflictError(
            f"This record changed since you read it (version {version}, now {obj.version}); reload it.",
            current_version=obj.version,
        )


async def claim_version(session: AsyncSession, obj: Any, expected: int, now: datetime) -> None:
    """Atomically move ``obj`` from ``expected`` to ``expected + 1`` (``UPDATE … WHERE version = …``).

    This is the first write statement of a transaction: on PostgreSQL the row lock makes a concurrent
    writer wait and then see the new version; on SQLite the database write lock does the same. The
    loser gets ``ConflictError`` with the version that won.
    """
    table = type(obj).__table__
    conn = await session.connection()
    result = await conn.execute(
        update(table)
        .where(table.c.id == obj.id, table.c.version == expected)
        .values(version=expected + 1, updated_at=now)
    )
    if result.rowcount != 1:
        current = (await conn.execute(sa_select(table.c.version).where(table.c.id == obj.id))).scalar_one()
        raise ConflictError(
            f"This record was changed by someone else (now version {current}); reload it.", current_version=current
        )
    set_committed_value(obj, "version", expected + 1)
    set_committed_value(obj, "updated_at", now)


def snapshot(value: Any) -> str:
    """Stable JSON text of a list/dict value, used as old/new value of list-valued audit rows."""

    def default(item: Any) -> Any:
        if isinstance(item, datetime | date | time):
            return item.isoformat()
        if isinstance(item, Decimal):
            return format(item, "f")
        raise TypeError(type(item).__name__)

    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=default)


def reject_locked_and_unknown(changes: Iterable[str], *, declared: tuple[str, ...], locked: tuple[str, ...],
                              entity: str) -> None:
    """FINESS-owned keys → ``FINESS_LOCKED``; any other key not in ``declared`` → ``BAD_INPUT``."""
    keys = list(changes)
    for key in keys:
        if key in locked:
            raise FinessLockedError(
                f"{key} comes from FINESS and cannot be changed here; ask support for a correction.", field=key
            )
    for key in keys:
        if key not in declared:
            raise BadInputError(f"{key} is not a declared field of {entity}.", field=key)


def mark_modified(cs: ChangeSet, etablissement: Etablissement, entity_id: str, now: datetime) -> None:
    """A declared change puts the EG description back to "modifié, à valider" and stamps who/when."""
    cs.set(etablissement, "etablissement", entity_id, "statut_description", "modifie")
    etablissement.derniere_modification_at = now
    etablissement.derniere_modification_par = cs.actor.name


async def in_transaction(session: AsyncSession, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` then commit; on any exception roll back and re-raise (all or nothing)."""
    try:
        result = await work()
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    return result
