"""``GET /fhir/<Type>/_history?_since=…``: what changed, from the event log (IHE mCSD Update Option).

One entry per resource changed after ``_since`` (its latest event), oldest change first, so a client
syncs by asking again with ``_since`` = the time of its previous sync. The entry carries the
resource as it is now (``PUT``), or a ``DELETE`` when the event log says it was deleted. Resources
the caller may not see (sensitive units below the regulation profile) are left out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Event
from ror_graph.services.directory import batch
from ror_graph.services.fhir.build import build, reference
from ror_graph.services.fhir.codes import Labels, fhir_instant
from ror_graph.services.fhir.load import Related
from ror_graph.services.fhir.query import DEFAULT_COUNT, MAX_COUNT, FhirError, date_range
from ror_graph.services.fhir.resources import unite_id

EVENT_ENTITIES = {"Organization": ("entite_juridique", "etablissement"), "HealthcareService": ("unite",)}


def _since(items: list[tuple[str, str]]) -> datetime | None:
    values = [v for k, v in items if k == "_since"]
    return date_range(values[0])[1] if values else None


def _int(items: list[tuple[str, str]], name: str, default: int) -> int:
    values = [v for k, v in items if k == name]
    if not values:
        return default
    if not values[0].isdigit():
        raise FhirError(400, f"{name} must be a whole number.")
    return int(values[0])


async def _rows(session: AsyncSession, caller: Any, keys: list[tuple[str, Any]]) -> dict[tuple[str, Any], Any]:
    ids = {entity: [i for e, i in keys if e == entity] for entity in ("entite_juridique", "etablissement", "unite")}
    found: dict[tuple[str, Any], Any] = {}
    for entite in await batch.entites_by_ids(session, ids["entite_juridique"]):
        found["entite_juridique", entite.id] = entite
    for eg in await batch.etablissements_by_ids(session, ids["etablissement"]):
        found["etablissement", eg.id] = eg
    for unite in await batch.unites_by_ids(session, ids["unite"], caller=caller):
        found["unite", unite.id] = unite
    return found


async def history_bundle(session: AsyncSession, caller: Any, labels: Labels, resource: str,
                         items: list[tuple[str, str]], *, base: str) -> dict[str, Any]:
    if resource not in EVENT_ENTITIES:
        raise FhirError(400, f"_history is served for {', '.join(EVENT_ENTITIES)}.", "not-supported")
    since, count = _since(items), min(_int(items, "_count", DEFAULT_COUNT), MAX_COUNT)
    offset = _int(items, "_offset", 0)
    last = func.max(Event.seq).label("last")
    statement = (select(col(Event.entity), col(Event.entity_id), col(Event.entity_key), last)
                 .where(col(Event.entity).in_(EVENT_ENTITIES[resource]))
                 .group_by(col(Event.entity), col(Event.entity_id), col(Event.entity_key)))
    if since is not None:
        statement = statement.where(col(Event.at) >= since)
    page = list(await session.exec(statement.order_by(last).offset(offset).limit(count + 1)))
    has_next, page = len(page) > count, page[:count]
    events = {e.seq: e for e in await session.exec(select(Event).where(col(Event.seq).in_([p[3] for p in page])))}
    rows = await _rows(session, caller, [(p[0], p[1]) for p in page])
    present = [rows[(p[0], p[1])] for p in page if (p[0], p[1]) in rows]
    built = dict(zip([id(r) for r in present], await build(session, caller, Related(labels), present), strict=True))
    entries = []
    for entity, entity_id, key, seq in page:
        event, row = events[seq], rows.get((entity, entity_id))
        when = {"lastModified": fhir_instant(event.at)}
        if row is not None:
            entries.append({"fullUrl": f"{base}/{reference(row)}", "resource": built[id(row)],
                            "request": {"method": "POST" if event.op == "create" else "PUT", "url": reference(row)},
                            "response": {"status": "201" if event.op == "create" else "200", **when}})
        elif event.op == "delete" and key:
            rid = unite_id(key) if entity == "unite" else key
            entries.append({"request": {"method": "DELETE", "url": f"{resource}/{rid}"},
                            "response": {"status": "204", **when}})
    kept = [(k, v) for k, v in items if k != "_offset"]
    links = [{"relation": "self", "url": f"{base}/{resource}/_history?{urlencode(items)}"}]
    if has_next:
        links.append({"relation": "next",
                      "url": f"{base}/{resource}/_history?{urlencode([*kept, ('_offset', str(offset + count))])}"})
    return {"resourceType": "Bundle", "type": "history", "link": links, "entry": entries}
