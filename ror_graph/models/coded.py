"""Which national nomenclature (NOS) each coded attribute is bound to, derived from the registry.

Codes are strings with significant leading zeros, always stored with their system. The system
names live in ``registry.systems`` (re-exported here); the bindings of the EJ / EG / unité / lieu
attributes come from ``ror_graph.models.registry``, so declaring an attribute there is enough.
Child tables (capacités, tarifs, contacts…) are not registry attributes and keep their map here.
Write validation and the API's code labels use these bindings.
"""

from __future__ import annotations

from enum import StrEnum

from ror_graph.models import registry
from ror_graph.models.registry.systems import *  # noqa: F403 (the NOS system names, importable from here)
from ror_graph.models.registry.systems import (
    AFFECTATION,
    CANAL,
    CONFIDENTIALITE,
    EQUIPEMENT,
    FERMETURE_CAPACITE,
    GENRE_CAPACITE,
    HABITATION,
    LIT_SUPPLEMENTAIRE,
    NATURE_CAPACITE,
    NATURE_CONTACT,
    NOS_URL,
    SOURCE_CAPACITE,
    STATUT_CAPACITE,
    TEMPORALITE,
    TEMPORALITE_CAPACITE,
    TYPE_TARIF,
)

# Multi-valued coded attributes of an offer (one ``UniteCode`` row per value).
UniteAttribute = StrEnum(  # type: ignore[misc]
    "UniteAttribute", [(name, name) for name in registry.unite_code_systems()], module=__name__
)
UniteAttribute.__doc__ = "Multi-valued coded attributes of an offer (one ``UniteCode`` row per value)."

UNITE_ATTRIBUTE_SYSTEMS: dict[UniteAttribute, str] = {
    UniteAttribute(name): system for name, system in registry.unite_code_systems().items()
}

CHILD_CODED_COLUMNS: dict[tuple[str, str], str] = {
    ("capacite", "nature_code"): NATURE_CAPACITE,
    ("capacite", "statut_code"): STATUT_CAPACITE,
    ("capacite", "temporalite_code"): TEMPORALITE_CAPACITE,
    ("capacite", "genre_code"): GENRE_CAPACITE,
    ("capacite", "type_fermeture_code"): FERMETURE_CAPACITE,
    ("capacite", "type_lit_code"): LIT_SUPPLEMENTAIRE,
    ("capacite", "source_code"): SOURCE_CAPACITE,
    ("capacite", "affectation_code"): AFFECTATION,
    ("equipement", "type_code"): EQUIPEMENT,
    ("habitation", "type_code"): HABITATION,
    ("tarif", "type_code"): TYPE_TARIF,
    ("tarif", "type_habitation_code"): HABITATION,
    ("tarif", "temporalite_code"): TEMPORALITE,
    ("contact", "nature_code"): NATURE_CONTACT,
    ("contact", "confidentialite"): CONFIDENTIALITE,
    ("telecom", "canal_code"): CANAL,
    ("telecom", "confidentialite"): CONFIDENTIALITE,
}

# Single-valued coded columns: (table, column) -> system. Used by validation and by the API to label codes.
CODED_COLUMNS: dict[tuple[str, str], str] = {**registry.coded_columns(), **CHILD_CODED_COLUMNS}


def fhir_system_url(system: str) -> str:
    """Canonical FHIR URL of a NOS system (``TRE_R211-X`` → ``.../TRE_R211-X/FHIR/TRE-R211-X``)."""
    return NOS_URL.format(system=system, fhir=system.replace("_", "-", 1))
