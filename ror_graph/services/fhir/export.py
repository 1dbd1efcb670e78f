"""FHIR Bulk Data export: every resource of a type the caller may see, as NDJSON, in id order.

Reads in keyset batches (``id > last``) through the same builders and visibility clauses as the
search, so a bulk file holds exactly what paging through the search would give the same caller.
Self-contained for now; the generic bulk-export machinery may take over the job bookkeeping later.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Lieu, Unite
from ror_graph.services.fhir.build import build
from ror_graph.services.fhir.codes import Labels
from ror_graph.services.fhir.load import Related
from ror_graph.services.fhir.query import FhirError
from ror_graph.services.fhir.search import MODELS
from ror_graph.services.policy.visibility import lieu_visible, unite_visible

BATCH = 1000


def types_of(value: str | None) -> list[str]:
    """``_type`` (comma-separated) → the types to export; all served types when absent."""
    if not value:
        return list(MODELS)
    types = [t.strip() for t in value.split(",") if t.strip()]
    if unknown := [t for t in types if t not in MODELS]:
        raise FhirError(400, f"_type: {', '.join(unknown)} not served ({', '.join(MODELS)}).", "not-supported")
    return types


def _visible(model: Any, caller: Any) -> list[Any]:
    if model is Unite:
        return [unite_visible(caller)]
    if model is Lieu:
        return [lieu_visible(caller, Lieu.id)]
    return []


async def export_type(session: AsyncSession, caller: Any, labels: Labels, resource: str,
                      write: Callable[[list[str]], Awaitable[object]]) -> int:
    """Hand every ``resource`` visible to ``caller`` to ``write``, a batch of JSON lines at a time; the count."""
    count = 0
    for model in MODELS[resource]:
        last = 0
        while True:
            statement = (select(model).where(col(model.id) > last, *_visible(model, caller))
                         .order_by(col(model.id)).limit(BATCH))
            rows = list(await session.exec(statement))
            if not rows:
                break
            built = await build(session, caller, Related(labels), rows)
            await write([json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n" for item in built])
            count += len(rows)
            last = rows[-1].id
            session.expunge_all()  # a national export must not keep every row in the identity map
    return count

