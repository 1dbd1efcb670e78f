"""URLs and small builders shared by the ROR FHIR resources: profiles, extensions, NOS codings.

Codings always name the NOS **code system** (TRE) of the value, with its canonical FHIR URL
(``https://mos.esante.gouv.fr/NOS/TRE_R211-…/FHIR/TRE-R211-…``): a value stored under a ROR value set
(JDV) is emitted under the code system the JDV draws from (``registry.systems.VALUE_SET_SOURCES``).
Displays come from the nomenclature table (``Labels``), loaded once per process.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from ror_graph.models.coded import fhir_system_url
from ror_graph.models.registry.systems import SECTEUR_ACTIVITE, VALUE_SET_SOURCES

ROR_SD = "https://interop.esante.gouv.fr/ig/fhir/ror/StructureDefinition/"
PROFILES = {name: f"{ROR_SD}ror-{name.lower()}" for name in ("Organization", "HealthcareService", "Location")}
FINESS_SYSTEM = "https://finess.esante.gouv.fr"
SIRENE_SYSTEM = "https://sirene.fr"
IDNAT_SYSTEM = "urn:oid:1.2.250.1.71.4.2.2"
OFFER_ID_SYSTEM = "https://ror.esante.gouv.fr/identifiant-offre"
COMMUNE_SYSTEM = "TRE_R13-CommuneOM"
REGION_SYSTEM = "TRE_R30-RegionOM"
INSEE_CODE_EXT = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code"
GEOLOCATION_EXT = "http://hl7.org/fhir/StructureDefinition/geolocation"
PERIOD_EXT = "http://hl7.org/fhir/StructureDefinition/organization-period"
UCUM = "http://unitsofmeasure.org"


def ext_url(name: str) -> str:
    """``ror-x`` → its canonical URL in the ROR IG; full URLs are kept."""
    return name if "://" in name else ROR_SD + name


def code_system(system: str, code: str) -> str:
    """The TRE a stored (system, code) pair belongs to."""
    if system.startswith("JDV_J55") and code.startswith("SA"):
        return SECTEUR_ACTIVITE
    return VALUE_SET_SOURCES.get(system, system)


class Clean(dict):
    """A finished element with nothing empty inside: ``prune`` keeps it as it is (codings, concepts)."""


class Labels:
    """(stored system, code) → French label, from the nomenclature table rows."""

    def __init__(self, rows: Iterable[tuple[str, str, str]] = ()) -> None:
        self._labels = {(system, code): label for system, code, label in rows}
        self.codings: dict[tuple[str, str], Clean] = {}  # built once per (system, code); never mutated
        self.concepts: dict[tuple[str, str], Clean] = {}

    def get(self, system: str, code: str) -> str | None:
        return self._labels.get((system, code))


def coding(labels: Labels, system: str, code: str) -> dict[str, Any]:
    """A NOS coding with its display; shared between resources (read-only), built once per code."""
    result = labels.codings.get((system, code))
    if result is None:
        result = Clean(system=fhir_system_url(code_system(system, code)), code=code)
        if display := labels.get(system, code):
            result["display"] = display
        labels.codings[system, code] = result
    return result


def concept(labels: Labels, system: str, code: str | None) -> dict[str, Any] | None:
    if not code:
        return None
    result = labels.concepts.get((system, code))
    if result is None:
        result = labels.concepts[system, code] = Clean(coding=[coding(labels, system, code)])
    return result


def ext(name: str, **value: Any) -> dict[str, Any]:
    """One extension: ``ext("ror-x", valueBoolean=True)``."""
    return {"url": ext_url(name), **value}


def fhir_instant(value: datetime | None) -> str | None:
    if value is None:
        return None
    text = value.isoformat(timespec="milliseconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else (text if value.tzinfo else text + "Z")


def fhir_date(value: date | None) -> str | None:
    return value.isoformat() if value else None


_EMPTY = (None, "")


def prune(value: Any) -> Any:
    """Drop ``None``, empty strings, lists and objects, recursively (FHIR forbids empty elements)."""
    kind = type(value)
    if kind is dict:
        result = {}
        for key, item in value.items():
            if type(item) in (dict, list):
                item = prune(item)
                if item:
                    result[key] = item
            elif item not in _EMPTY:
                result[key] = item
        return result
    if kind is list:
        items = []
        for item in value:
            if type(item) in (dict, list):
                item = prune(item)
                if item:
                    items.append(item)
            elif item not in _EMPTY:
                items.append(item)
        return items
    return value


def meta(profile: str, updated: datetime, region: str | None, labels: Labels) -> dict:
    """``meta`` of every ROR resource: profile, lastUpdated and the source region tag."""
    tag = [coding(labels, REGION_SYSTEM, region)] if region else []
    return {"profile": [PROFILES[profile]], "lastUpdated": fhir_instant(updated), "tag": tag}


def creation_date(created: datetime) -> dict:
    """``ror-meta-creation-date`` (1..1), carried at the resource root as in the ROR IG examples."""
    return ext("ror-meta-creation-date", valueDateTime=fhir_instant(created))
