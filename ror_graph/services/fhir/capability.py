"""The CapabilityStatement, derived from what the server runs (``params.PARAMS``, includes, sorts).

It tells the truth because it is built from the same declarations the search executes: a
parameter, include or sort is listed iff the server accepts it.
"""

from __future__ import annotations

from typing import Any

from ror_graph import __version__
from ror_graph.services.fhir.codes import PROFILES
from ror_graph.services.fhir.history import EVENT_ENTITIES
from ror_graph.services.fhir.includes import INCLUDES, REVINCLUDES
from ror_graph.services.fhir.params import PARAMS, SORTS

SEARCH_TYPES = {"token", "string", "date", "reference", "number", "special", "quantity", "uri", "composite"}


def _resource(name: str) -> dict[str, Any]:
    interactions = [{"code": "read"}, {"code": "search-type"}]
    if name in EVENT_ENTITIES:
        interactions.append({"code": "history-type"})
    params = [{"name": p.name, "type": p.kind if p.kind in SEARCH_TYPES else "special", "documentation": p.doc}
              for p in PARAMS[name].values()]
    sorts = ", ".join(SORTS[name])
    return {
        "type": name, "profile": PROFILES[name], "interaction": interactions,
        "versioning": "no-version", "readHistory": False, "conditionalRead": "not-supported",
        "searchInclude": sorted(i for i in INCLUDES if i.startswith(f"{name}:") or i == "Organization:partof"),
        "searchRevInclude": sorted(REVINCLUDES),
        "searchParam": params,
        "documentation": f"_count (default 50, max 200), _sort ({sorts}; - for descending), _offset (with _sort), "
                         "_after (key position, set by next links without _sort), _elements, _summary=count; "
                         "modifiers :exact :contains (strings) and :missing.",
    }


def capability_statement(base: str, date: str) -> dict[str, Any]:
    return {
        "resourceType": "CapabilityStatement", "status": "active", "date": date, "kind": "instance",
        "software": {"name": "ror_graph", "version": __version__},
        "implementation": {"description": "ror_graph FHIR read API (ROR ME 3.0 profiles)", "url": base},
        "fhirVersion": "4.0.1", "format": ["application/fhir+json", "json"],
        "rest": [{"mode": "server",
                  "documentation": "Read-only. Bearer tokens choose the profile (public by default); "
                                   "Prefer: handling=strict refuses unknown parameters.",
                  "resource": [_resource(name) for name in PARAMS],
                  "operation": [{"name": "export",
                                 "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"}]}],
    }
