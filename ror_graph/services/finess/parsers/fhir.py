"""FHIR R4 NDJSON of Organization / Location resources (Annuaire Santé API, flrt/finess-fhir extracts).

One resource per line. ``Organization.id`` is ``<finessEJ>-<finessET>``; the FINESS ET is the
identifier of system ``urn:oid:1.2.250.1.71.4.2.2``, the category a ``type`` coding of
``…/CAT_ETAB``. The address has a postal code and a city but no INSEE code: the service resolves
the COG commune. ``Location.position`` (WGS84) belongs to its ``managingOrganization``; Locations
may come before or after their Organization, so a first pass indexes them on disk (flat memory).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from ror_graph.services.finess.parsers.geo import PositionIndex
from ror_graph.services.finess.parsers.records import (
    EgRecord,
    Record,
    Rejected,
    clean,
    closure,
    coordinate,
    parse_date,
)

FINESS_ET_SYSTEM = "urn:oid:1.2.250.1.71.4.2.2"
FINESS_EJ_SYSTEM = "urn:oid:1.2.250.1.71.4.2.1"
SIRET_SYSTEMS = {"http://sirene.fr", "urn:oid:1.2.250.1.71.4.2.3"}
CATEGORY_SYSTEM = "http://finess.sante.gouv.fr/valuesets/CAT_ETAB"
PERIOD_URL = "http://hl7.org/fhir/StructureDefinition/organization-period"
_ID = re.compile(r"^([0-9A-Z]{9})-([0-9A-Z]{9})$")
#: Street-type abbreviations of FINESS addresses (``19 R DE LA GRELLIERE``): split off the street name.
_STREET_TYPES_TEXT = (
    "ACH ALL ANGL ARC AV BD BER BRE CAR CC CD CHE CHEM CHS CHT CHV CITE CLOS COIN COR COTE CR CRS CTRE DOM "
    "DSC ECA ESP FG GR HAM HLE HLM ILE IMP LD LOT MAR MTE PARC PAS PL PLAN PLE PLT PRO PRQ PRT PRV PTE QU QUA "
    "QUAI R RES RLE ROC RPT RTE RUE SEN SQ TPL TRA VLA VLGE VOIE ZA ZAC ZAE ZI ZONE"
)
STREET_TYPES = frozenset(_STREET_TYPES_TEXT.split())
_STREET = re.compile(r"^(\d{1,4})\s*(?:([BTQC])\s+)?(.*)$")


def _street(line: str | None) -> dict[str, Any]:
    """``"19 R DE LA GRELLIERE"`` → numéro 19, type R, libellé ``DE LA GRELLIERE``."""
    numero = complement = type_voie = None
    rest = line or ""
    if match := _STREET.match(rest):
        numero, complement, rest = match.group(1), match.group(2), match.group(3)
    head, _, tail = rest.partition(" ")
    if head in STREET_TYPES and tail:
        type_voie, rest = head, tail
    return {"numero_voie": numero, "complement_voie": complement, "type_voie": type_voie, "libelle_voie": clean(rest)}


def _insee_code(address: dict[str, Any]) -> str | None:
    """An INSEE commune code given as an address extension (Annuaire Santé), when present."""
    for extension in address.get("extension") or []:
        if "insee" in str(extension.get("url", "")).lower():
            coding = extension.get("valueCoding") or {}
            return clean(coding.get("code") or extension.get("valueString") or extension.get("valueCode"))
    return None


def _organization(line: int, resource: dict[str, Any], positions: PositionIndex) -> Record:
    identifiers = [i for i in resource.get("identifier") or [] if isinstance(i, dict)]
    finess = next((clean(i.get("value")) for i in identifiers if i.get("system") == FINESS_ET_SYSTEM), None)
    ej_finess = next((clean(i.get("value")) for i in identifiers if i.get("system") == FINESS_EJ_SYSTEM), None)
    if match := _ID.match(str(resource.get("id", ""))):
        ej_finess, finess = ej_finess or match.group(1), finess or match.group(2)
    part_of = str((resource.get("partOf") or {}).get("reference", ""))
    if ej_finess is None and part_of.startswith("Organization/"):
        ej_finess = clean(part_of.removeprefix("Organization/"))
    if not finess:
        return Rejected(line, "Organization sans identifiant FINESS ET (urn:oid:1.2.250.1.71.4.2.2)")
    codings = [c for t in resource.get("type") or [] for c in (t.get("coding") or []) if isinstance(c, dict)]
    extensions = [e for e in resource.get("extension") or [] if isinstance(e, dict)]
    period = next((e.get("valuePeriod") or {} for e in extensions if e.get("url") == PERIOD_URL), {})
    try:
        date_ouverture, date_fermeture = parse_date(period.get("start")), parse_date(period.get("end"))
    except ValueError as exc:
        return Rejected(line, f"organization-period: {exc}", finess=finess)
    telecoms = [t for t in resource.get("telecom") or [] if isinstance(t, dict)]
    address = next((a for a in resource.get("address") or [] if isinstance(a, dict)), {})
    lines = [clean(x) for x in address.get("line") or []]
    street = _street(lines[0] if lines else None)
    values: dict[str, Any] = {
        "raison_sociale": clean(resource.get("name")),
        "categorie_code": next((clean(c.get("code")) for c in codings if c.get("system") == CATEGORY_SYSTEM), None),
        "siret": next((clean(i.get("value")) for i in identifiers if i.get("system") in SIRET_SYSTEMS), None),
        **{column: next((clean(t.get("value")) for t in telecoms if t.get("system") == system), None)
           for column, system in (("telephone", "phone"), ("telecopie", "fax"), ("courriel", "email"))},
        **street, "lieu_dit": " ".join(x for x in lines[1:] if x) or None,
        "code_postal": clean(address.get("postalCode")), "libelle_acheminement": clean(address.get("city")),
        "date_ouverture": date_ouverture,
        **closure(resource.get("active") is False or date_fermeture is not None, date_fermeture),
    }
    insee = _insee_code(address)
    if insee:
        values["commune_code"] = insee
    if (position := positions.take(str(resource.get("id", "")))) is not None:
        values["latitude"], values["longitude"] = position
    return EgRecord(line, finess, ej_finess, values, postal_code=values["code_postal"],
                    city=values["libelle_acheminement"], resolve_commune=insee is None)


def _no_location(raw: bytes) -> bool:
    return b'"Location"' not in raw


def _plainly_location(raw: bytes) -> bool:
    return b'"Location"' in raw and b'"Organization"' not in raw


def _resources(stream: BinaryIO, skip: Callable[[bytes], bool]) -> Iterator[tuple[int, dict | None, str | None]]:
    """Decoded lines, except those ``skip`` says cannot matter to this pass (not decoded at all).

    Cheap pre-filter: a line without the quoted type name cannot be that resource (a Location only
    mentions ``"Organization/…"``), so each pass decodes about half of the file; the second pass
    decodes every line that is not plainly a Location, so broken lines are reported once.
    """
    stream.seek(0)
    for line, raw in enumerate(stream, start=1):
        if not raw.strip() or skip(raw):
            continue
        try:
            resource = json.loads(raw)
        except ValueError as exc:
            yield line, None, f"JSON invalide: {exc}"
            continue
        if not isinstance(resource, dict):
            yield line, None, "la ligne n'est pas une ressource FHIR"
            continue
        yield line, resource, None


def _index_locations(stream: BinaryIO, positions: PositionIndex) -> Iterator[Rejected]:
    for line, resource, _error in _resources(stream, _no_location):
        if resource is None or resource.get("resourceType") != "Location":
            continue
        reference = str((resource.get("managingOrganization") or {}).get("reference", ""))
        position = resource.get("position") or {}
        if not reference.startswith("Organization/") or not position:
            continue
        try:
            lat, lon = coordinate(position.get("latitude")), coordinate(position.get("longitude"))
        except ValueError as exc:
            yield Rejected(line, f"Location.position: {exc}")
            continue
        if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            yield Rejected(line, "Location.position hors du globe ou incomplète")
            continue
        positions.put(reference.removeprefix("Organization/"), line, lat, lon)
    positions.seal()


def parse_fhir(stream: BinaryIO) -> Iterator[Record]:
    """One ``EgRecord`` per Organization (with the position of its Location), in file order."""
    positions = PositionIndex()
    try:
        yield from _index_locations(stream, positions)
        for line, resource, error in _resources(stream, _plainly_location):
            if resource is None:
                yield Rejected(line, error or "ligne illisible")
            elif resource.get("resourceType") == "Organization":
                yield _organization(line, resource, positions)
        for reference, line in positions.leftovers():
            yield Rejected(line, f"Location d'une Organization absente du fichier ({reference})")
    finally:
        positions.close()
