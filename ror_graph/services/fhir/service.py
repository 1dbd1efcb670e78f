"""The FHIR read side: read by id (404 / 410), search Bundles, ``_history`` from the event log.

``base`` is the absolute URL of the FHIR endpoint (``https://host/fhir``); ``items`` the query string's
(name, value) pairs, kept as given in the ``self`` and ``next`` links (only ``_offset`` changes), so
a client following ``next`` keeps every filter.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Event, Lieu
from ror_graph.services.directory import batch
from ror_graph.services.fhir import includes
from ror_graph.services.fhir.build import build, reference
from ror_graph.services.fhir.codes import Labels
from ror_graph.services.fhir.load import Related
from ror_graph.services.fhir.params import PARAMS
from ror_graph.services.fhir.query import FhirError, Query, parse
from ror_graph.services.fhir.resources import identifiant_of
from ror_graph.services.fhir.search import search
from ror_graph.services.fhir.totals import Totals
from ror_graph.services.policy.visibility import lieu_visible

RESOURCES = ("Organization", "HealthcareService", "Location")
EVENT_ENTITIES = {"Organization": ("entite_juridique", "etablissement"), "HealthcareService": ("unite",)}
ALWAYS = {"resourceType", "id", "meta"}
SUBSETTED = {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED"}
DISTANCE_EXT = "http://hl7.org/fhir/StructureDefinition/location-distance"


async def load_labels(session: AsyncSession) -> Labels:
    return Labels(await batch.nomenclature_rows(session))


def check_type(resource: str) -> None:
    if resource not in RESOURCES:
        raise FhirError(404, f"Unknown resource type {resource!r} (served: {', '.join(RESOURCES)}).", "not-supported")


async def _row(session: AsyncSession, caller: Any, resource: str, rid: str) -> Any:
    found: list[Any]
    if resource == "Organization":
        found = await batch.etablissements_by_finess(session, [rid]) or await batch.entites_by_finess(session, [rid])
    elif resource == "HealthcareService":
        found = await batch.unites_by_identifiants(session, [identifiant_of(rid)], caller=caller)
    else:
        found = list(await session.exec(select(Lieu).where(Lieu.id == int(rid), lieu_visible(caller, Lieu.id)))) \
            if rid.isdigit() else []
    return found[0] if found else None


async def _deleted(session: AsyncSession, resource: str, rid: str) -> bool:
    entities = EVENT_ENTITIES.get(resource, ())
    key = identifiant_of(rid) if resource == "HealthcareService" else rid
    statement = select(Event.seq).where(col(Event.entity).in_(entities), Event.entity_key == key,
                                        Event.op == "delete").limit(1)
    return bool(entities) and (await session.exec(statement)).first() is not None


async def read(session: AsyncSession, caller: Any, labels: Labels, resource: str, rid: str) -> dict[str, Any]:
    """One resource by logical id; 410 when the event log says it was deleted, 404 otherwise."""
    check_type(resource)
    row = await _row(session, caller, resource, rid)
    if row is None:
        if await _deleted(session, resource, rid):
            raise FhirError(410, f"{resource}/{rid} was deleted.", "deleted")
        raise FhirError(404, f"{resource}/{rid} is not known.", "not-found")
    return (await build(session, caller, Related(labels), [row]))[0]


def _link(base: str, resource: str, items: list[tuple[str, str]], offset: int | None,
          after: str | None = None) -> str:
    """The search URL with every parameter of ``items`` kept, only the position (``_offset``/``_after``) set."""
    kept = [(k, v) for k, v in items if k not in ("_offset", "_after")]
    if offset:
        kept.append(("_offset", str(offset)))
    if after:
        kept.append(("_after", after))
    return f"{base}/{resource}" + (f"?{urlencode(kept)}" if kept else "")


def _elements(resource: dict[str, Any], elements: list[str]) -> dict[str, Any]:
    kept = {k: v for k, v in resource.items() if k in ALWAYS or k in elements}
    kept["meta"] = {**kept.get("meta", {}), "tag": [*kept.get("meta", {}).get("tag", []), SUBSETTED]}
    return kept


def _outcome(ignored: list[str]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [
        {"severity": "warning", "code": "not-supported", "diagnostics": f"Unknown search parameter {name!r} ignored."}
        for name in ignored]}


async def search_bundle(session: AsyncSession, caller: Any, labels: Labels, resource: str,
                        items: list[tuple[str, str]], *, strict: bool, base: str,
                        totals: Totals | None = None) -> dict[str, Any]:
    """A ``searchset`` Bundle: matches, includes, ``total``, ``self`` / ``next`` / ``previous`` links.

    ``totals`` (one per app) keeps counts while the data does not change: the pages of a walk share one.
    """
    check_type(resource)
    query: Query = parse(items, {name: p.kind for name, p in PARAMS[resource].items()}, strict=strict)
    includes.check(query)
    matches = await search(session, caller, resource, query, totals)
    self_url = _link(base, resource, items, query.offset, query.after)
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "total": matches.total,
                              "link": [{"relation": "self", "url": self_url}]}
    if query.summary_count:
        return bundle
    if matches.next_after:
        bundle["link"].append({"relation": "next", "url": _link(base, resource, items, None, matches.next_after)})
    elif query.sort and query.offset + len(matches.rows) < matches.total and query.count:
        bundle["link"].append({"relation": "next", "url": _link(base, resource, items, query.offset + query.count)})
    if query.offset:
        previous = max(0, query.offset - query.count)
        bundle["link"].append({"relation": "previous", "url": _link(base, resource, items, previous)})
    extra = await includes.included(session, caller, query, matches.rows)
    built = await build(session, caller, Related(labels), [*matches.rows, *extra])
    entries = []
    for i, (row, item) in enumerate(zip([*matches.rows, *extra], built, strict=True)):
        search_info: dict[str, Any] = {"mode": "match" if i < len(matches.rows) else "include"}
        if i < len(matches.rows) and isinstance(row, Lieu) and row.id in matches.distances:
            search_info["extension"] = [{"url": DISTANCE_EXT, "valueDistance": {
                "value": round(matches.distances[row.id], 3), "unit": "km", "system": "http://unitsofmeasure.org",
                "code": "km"}}]
        if query.elements and search_info["mode"] == "match":
            item = _elements(item, query.elements)
        entries.append({"fullUrl": f"{base}/{reference(row)}", "resource": item, "search": search_info})
    if query.ignored:
        entries.append({"resource": _outcome(query.ignored), "search": {"mode": "outcome"}})
    bundle["entry"] = entries
    return bundle
