"""Extensions of the ROR ``Location``: commune COG, capacities, equipments with limits, habitations.

Capacities are measures (``ror-location-supported-capacity``: nature × statut × temporalité, count,
source, update date...), equipments carry their limits (the most tolerant device's, UCUM unit).
Rows arrive filtered by the visibility policy (a lieu serving only hidden offers is never loaded).
"""

from __future__ import annotations

from typing import Any

from ror_graph.models import coded
from ror_graph.models.registry import Entity
from ror_graph.services.fhir import registry_map as reg
from ror_graph.services.fhir.codes import COMMUNE_SYSTEM, UCUM, Labels, concept, ext, fhir_instant
from ror_graph.services.fhir.load import Related

LIMIT_TYPE = "TRE_R340-TypeCaracteristiqueEquipement"
_CAPACITY = (("capacityType", "nature_code"), ("capacityStatus", "statut_code"),
             ("temporalityCapacity", "temporalite_code"), ("capacitySourceType", "source_code"),
             ("genderCapacityAvailable", "genre_code"), ("capacityClosingType", "type_fermeture_code"),
             ("additionalBedType", "type_lit_code"), ("temporaryAssignement", "affectation_code"))


def _coded(labels: Labels, url: str, table: str, column: str, code: str | None) -> dict | None:
    system = coded.CHILD_CODED_COLUMNS[(table, column)]
    return {"url": url, "valueCodeableConcept": concept(labels, system, code)} if code else None


def capacity(c: Any, labels: Labels) -> dict:
    parts = [_coded(labels, url, "capacite", column, getattr(c, column)) for url, column in _CAPACITY]
    parts += [{"url": "nbCapacity", "valueInteger": c.nombre},
              {"url": "capacityUpdateDate", "valueDateTime": fhir_instant(c.updated_at)}]
    return ext("ror-location-supported-capacity", extension=parts)


def equipment(e: Any, limits: list[Any], labels: Labels) -> dict:
    parts: list[dict | None] = [_coded(labels, "equipmentType", "equipement", "type_code", e.type_code)]
    if e.nombre_en_service is not None:
        parts.append({"url": "nbInService", "valueInteger": e.nombre_en_service})
    for limit in limits:
        quantity = {"value": limit.valeur, "unit": limit.unite, "system": UCUM, "code": limit.unite}
        parts.append(ext("ror-location-equipment-limit", extension=[
            {"url": "limitType", "valueCodeableConcept": concept(labels, LIMIT_TYPE, limit.caracteristique_code)},
            {"url": "limitValue", "valueQuantity": quantity}]))
    return ext("ror-location-equipment", extension=parts)


def habitation(h: Any, labels: Labels) -> dict:
    parts = [_coded(labels, "residentialType", "habitation", "type_code", h.type_code),
             {"url": "residentialNumber", "valueInteger": h.nombre} if h.nombre is not None else None]
    return ext("ror-location-residential-capacity", extension=parts)


def location_extensions(row: Any, commune: str | None, related: Related, caller: Any) -> list[dict | None]:
    labels = related.labels
    return [
        ext("ror-commune-cog", valueCodeableConcept=concept(labels, COMMUNE_SYSTEM, commune)) if commune else None,
        *reg.extensions(Entity.lieu, row, caller, labels),
        *(capacity(c, labels) for c in related.capacites.get(row.id, [])),
        *(equipment(e, related.limites.get(e.id, []), labels) for e in related.equipements.get(row.id, [])),
        *(habitation(h, labels) for h in related.habitations.get(row.id, [])),
    ]
