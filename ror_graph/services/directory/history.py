"""``historique``: the audit trail of an EG or an offer, newest first, paginated by cursor.

Readable by support/admin and by the accounts whose scopes cover the EG (référents, directeurs);
API clients and anonymous callers never see it (it names people and carries old contact values).
What a reader gets goes through the visibility policy: the history of an offer the caller may not
see answers "not found" exactly like an offer that does not exist (checked before the reader's
rights, so no error tells a hidden offer exists), and confidential items above the caller's level are
cut out of stored values (``services.policy.audit``). A page may then hold fewer than ``first``
entries; its cursor still moves past every row read.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import AuditLog, EntiteJuridique, Etablissement
from ror_graph.services.accounts.scope import load_etablissement, may_read_history
from ror_graph.services.core.errors import BadInputError, ForbiddenError, UnauthenticatedError
from ror_graph.services.policy.audit import visible_entry
from ror_graph.services.unite.write import load_visible_unite

MAX_PAGE = 100
_PREFIX = "audit:"


@dataclass(frozen=True)
class HistoryPage:
    """One page of audit rows (newest first) and the cursor to ask for the next one."""

    items: list[AuditLog]
    has_next: bool
    end_cursor: str | None


def encode_cursor(audit_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{audit_id}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not text.startswith(_PREFIX):
            raise ValueError(text)
        return int(text[len(_PREFIX):])
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadInputError("Invalid cursor.", field="after") from exc


async def _owner(session: AsyncSession, caller: Any, entity: str, key: str) -> tuple[Etablissement, EntiteJuridique]:
    if entity == "etablissement":
        return await load_etablissement(session, key)
    if entity == "unite":
        _, eg, ej = await load_visible_unite(session, key, caller)
        return eg, ej
    raise BadInputError(f"No history for {entity!r}.", field="entity")


async def historique(
    session: AsyncSession, *, caller: Any, entity: str, key: str, first: int = 50, after: str | None = None
) -> HistoryPage:
    """Audit rows of ``entity`` (``etablissement`` by FINESS, ``unite`` by identifier), newest first."""
    if getattr(caller, "account_id", None) is None and getattr(caller, "api_client_id", None) is None:
        raise UnauthenticatedError("Log in to read the history.")
    if not 1 <= first <= MAX_PAGE:
        raise BadInputError(f"first must lie between 1 and {MAX_PAGE}.", field="first")
    eg, ej = await _owner(session, caller, entity, key)
    if not may_read_history(caller, eg, ej):
        raise ForbiddenError("The history is reserved to support and to the établissement's own accounts.")
    query = select(AuditLog).where(AuditLog.entity == entity, AuditLog.entity_id == key)
    start = last = decode_cursor(after) if after else None
    items: list[AuditLog] = []
    while True:  # refill a page thinned by hidden entries, so a page is short only at the end
        want = first - len(items)
        batch = query if last is None else query.where(col(AuditLog.id) < last)
        rows = list((await session.exec(batch.order_by(col(AuditLog.id).desc()).limit(want + 1))).all())
        for row in rows[:want]:
            last = row.id
            if (entry := visible_entry(caller, row)) is not None:
                items.append(entry)
        has_next = len(rows) > want
        if len(items) >= first or not has_next:
            break
    cursor = encode_cursor(last) if last is not None and last != start else None
    return HistoryPage(items=items, has_next=has_next, end_cursor=cursor)
