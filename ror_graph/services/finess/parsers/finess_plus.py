"""FINESS+ JSON "FINESS Structures" (open-data format since 2026), streamed with ijson.

National files are hundreds of MB, so the document is never loaded: ``ijson.items(…, "pmej.item")``
yields one PM-EJ (with its nested ``ege``) at a time, whichever top-level layout the file uses
(``schemaVersion``/``generatedAt`` as in the published sample, or ``metadata: {…}`` as in schema
1.0.1). JSON has no useful line numbers: records carry the 1-based ``pmej`` ordinal as ``line`` and
a ``where`` path (``pmej[12].ege[2]``). Field guide: shared/data/finess/finess-plus/README.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

import ijson

from ror_graph.services.finess.parsers.records import (
    TYPE_FERMETURE_DEFINITIVE,
    EgRecord,
    EjRecord,
    FinessFormatError,
    Record,
    Rejected,
    clean,
    closure,
    coordinate,
    parse_date,
)

#: ``usageAdresse`` of the main address of a PM-EJ and of an EGE (other addresses are secondary).
USAGE_PM, USAGE_EGE = "02", "03"


def _main_address(addresses: Any, usage: str) -> dict[str, Any]:
    items = [a for a in addresses or [] if isinstance(a, dict)]
    return next((a for a in items if a.get("usageAdresse") == usage), items[0] if items else {})


def _address(address: dict[str, Any]) -> dict[str, Any]:
    commune = clean(address.get("cogCommune"))
    return {
        "numero_voie": clean(address.get("numeroVoie")), "type_voie": clean(address.get("typeVoie")),
        "libelle_voie": clean(address.get("libelleVoie")), "complement_voie": clean(address.get("complementVoie")),
        "lieu_dit": clean(address.get("lieuDit")), "code_postal": clean(address.get("codePostal")),
        "libelle_acheminement": clean(address.get("ligneAcheminement")), "commune_code": commune,
    }


def _telecom(contacts: Any, key: str) -> str | None:
    """First value of ``key`` (telephone, telecopie, courriel) among the contacts."""
    for contact in contacts or []:
        telecom = contact.get("telecom") if isinstance(contact, dict) else None
        if isinstance(telecom, dict) and (value := clean(telecom.get(key))):
            return value
    return None


def _ej(index: int, pmej: dict[str, Any]) -> Record:
    where = f"pmej[{index}]"
    info = pmej.get("informationsGeneralesPMEJ")
    if not isinstance(info, dict) or not clean(info.get("numFinessPm")):
        return Rejected(index, "PM-EJ sans informationsGeneralesPMEJ.numFinessPm", "entite_juridique", where=where)
    finess = clean(info["numFinessPm"]) or ""
    try:
        date_creation, date_fermeture = parse_date(info.get("dateCreation")), parse_date(info.get("dateFermeture"))
    except ValueError as exc:
        return Rejected(index, f"PM-EJ: {exc}", "entite_juridique", finess, where)
    closed = pmej.get("etatObjet") == "I" or date_fermeture is not None
    values = {
        "raison_sociale": clean(info.get("denominationPm")),
        "raison_sociale_longue": clean(info.get("denominationLonguePmSmsse")),
        "statut_juridique_code": clean(info.get("statutJuridique")), "siren": clean(info.get("siren")),
        "telephone": _telecom(pmej.get("contact"), "telephone"), "date_creation": date_creation,
        "date_fermeture": date_fermeture if closed else None,
        "type_fermeture_code": TYPE_FERMETURE_DEFINITIVE if closed else None,
        **_address(_main_address(pmej.get("adresse"), USAGE_PM)),
    }
    return EjRecord(index, finess, values, where)


def _eg(index: int, position: int, ej_finess: str, ege: Any) -> Record:
    where = f"pmej[{index}].ege[{position}]"
    info = ege.get("informationsGeneralesEGE") if isinstance(ege, dict) else None
    if not isinstance(info, dict) or not clean(info.get("numFinessEge")):
        return Rejected(index, "EGE sans informationsGeneralesEGE.numFinessEge", where=where)
    finess = clean(info["numFinessEge"]) or ""
    try:
        date_ouverture, date_fermeture = parse_date(info.get("dateOuverture")), parse_date(info.get("dateFermeture"))
        address = _main_address(ege.get("adresse"), USAGE_EGE)
        geo = address.get("coordonneesGeographique") or {}
        latitude, longitude = coordinate(geo.get("directionLatitude")), coordinate(geo.get("directionLongitude"))
    except ValueError as exc:
        return Rejected(index, f"EGE: {exc}", finess=finess, where=where)
    espic = [clean(code) for code in info.get("espic") or []]
    contacts = ege.get("contact")
    values = {
        "raison_sociale": clean(info.get("nomEgeCourt")), "raison_sociale_longue": clean(info.get("nomEgeLong")),
        "complement_denomination": clean(info.get("complementDenominationEg")),
        "categorie_code": clean(ege.get("categorieentiteGeographiqueExercice")), "siret": clean(info.get("siret")),
        "telephone": _telecom(contacts, "telephone"), "telecopie": _telecom(contacts, "telecopie"),
        "courriel": _telecom(contacts, "courriel"), "latitude": latitude, "longitude": longitude,
        "date_ouverture": date_ouverture, "espic_code": next((c for c in espic if c), None),
        **closure(ege.get("etatObjet") == "I" or date_fermeture is not None, date_fermeture),
        **_address(address),
    }
    return EgRecord(index, finess, ej_finess, values, where=where)


def parse_finess_plus(stream: BinaryIO) -> Iterator[Record]:
    """EJ then its EGs, for each ``pmej`` item of the document, in file order."""
    stream.seek(0)
    index = 0
    try:
        for index, pmej in enumerate(ijson.items(stream, "pmej.item"), start=1):
            if not isinstance(pmej, dict):
                yield Rejected(index, "élément pmej qui n'est pas un objet", "entite_juridique", where=f"pmej[{index}]")
                continue
            ej = _ej(index, pmej)
            yield ej
            ej_finess = ej.finess if isinstance(ej, EjRecord) else None
            for position, ege in enumerate(pmej.get("ege") or [], start=1):
                if ej_finess is None:
                    yield Rejected(index, "EGE d'une PM-EJ rejetée", where=f"pmej[{index}].ege[{position}]")
                else:
                    yield _eg(index, position, ej_finess, ege)
    except (ijson.JSONError, ijson.IncompleteJSONError) as exc:
        raise FinessFormatError(f"JSON FINESS+ invalide après l'élément pmej n°{index}: {exc}") from exc
