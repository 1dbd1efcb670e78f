"""The FHIR elements the attribute registry declares, emitted from its ``fhir`` paths (declared once).

An attribute whose path is ``<Type>.extension[ror-x]`` becomes that extension (value type from the
column: coded → CodeableConcept, bool, int, date, text); ``characteristic[slice]`` and
``specialty[slice]`` attributes become codings of those lists. Adding such an attribute to the
registry is enough for it to appear in the FHIR resources. An attribute above level 1 (e.g. the
EG's ORSAN level) is emitted only to callers of that level, as the visibility policy says.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from ror_graph.models import registry
from ror_graph.models.registry import Attribute, Entity, Storage
from ror_graph.services.fhir.codes import Labels, coding, concept, ext, fhir_date, fhir_instant
from ror_graph.services.policy.visibility import level_visible

_SIMPLE = re.compile(r"^\w+\.(extension|characteristic|specialty)\[([\w-]+)\]$")
ACT_SLICES = {"specificAct", "outsideOfficeAct"}


def _slot(a: Attribute) -> tuple[str, str] | None:
    match = _SIMPLE.match(a.fhir)
    return (match.group(1), match.group(2)) if match else None


@functools.cache
def _slot_name(a: Attribute) -> str:
    slot = _slot(a)
    assert slot is not None, a.fhir
    return slot[1]


@functools.cache
def declared(entity: Entity, element: str) -> tuple[Attribute, ...]:
    """The registry attributes of ``entity`` emitted as ``element`` (extension, characteristic, specialty).

    Cached: the registry is fixed for the life of the process and this runs for every resource.
    """
    return tuple(a for a in registry.of(entity) if (slot := _slot(a)) and slot[0] == element)


@functools.cache
def _slots(entity: Entity, element: str) -> tuple[tuple[Attribute, str], ...]:
    """(attribute, slice name) of ``declared``: cached per (entity, element), whose hash is cheap, where a
    lookup per attribute would hash the whole frozen ``Attribute`` for every resource."""
    return tuple((a, _slot_name(a)) for a in declared(entity, element))


def _codes(a: Attribute, row: Any, multi: Mapping[str, list[str]]) -> list[str]:
    if a.storage is Storage.column:
        value = getattr(row, a.column or a.key)
        return [value] if value else []
    return list(multi.get(a.column or "", ()))


def _value(a: Attribute, value: Any, labels: Labels) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int):
        return {"valueInteger": value}
    if isinstance(value, datetime):
        return {"valueDateTime": fhir_instant(value)}
    if isinstance(value, date):
        return {"valueDate": fhir_date(value)}
    return {"valueString": str(value)}


def extensions(entity: Entity, row: Any, caller: Any, labels: Labels,
               multi: Mapping[str, list[str]] | None = None) -> list[dict[str, Any]]:
    """The entity's registry-declared extensions, for what ``caller`` may read."""
    result: list[dict[str, Any]] = []
    for a, name in _slots(entity, "extension"):
        if not name.startswith("ror-") or not level_visible(caller, a.confidentiality):
            continue  # HL7 extensions (organization-period) are built by the resource itself
        if a.coded:
            result += [ext(name, valueCodeableConcept=concept(labels, a.system, code))  # type: ignore[arg-type]
                       for code in _codes(a, row, multi or {})]
        elif (value := _value(a, getattr(row, a.column or a.key, None), labels)) is not None:
            result.append(ext(name, **value))
    return result


def concepts(entity: Entity, element: str, row: Any, labels: Labels,
             multi: Mapping[str, list[str]]) -> list[dict[str, Any]]:
    """CodeableConcepts of ``characteristic`` / ``specialty``: one per code, acts with their act type."""
    result: list[dict[str, Any]] = []
    for a, slice_name in _slots(entity, element):
        for code in _codes(a, row, multi):
            item: dict[str, Any] = {"coding": [coding(labels, a.system, code)]}  # type: ignore[arg-type]
            if slice_name in ACT_SLICES:
                item["extension"] = [ext("ror-act-type", valueCode=slice_name)]
            result.append(item)
    return result


def token_columns(entity: Entity, element: str) -> Iterable[Attribute]:
    """The coded attributes a token search on ``element`` looks into (columns and code rows)."""
    return [a for a in declared(entity, element) if a.coded]
