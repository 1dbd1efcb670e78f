"""Pieces shared by the ROR resources: addresses, telecoms and contacts with their confidentiality.

Contacts and telecoms reach these builders already filtered by the visibility policy (the batch
readers of ``services.directory.batch`` apply the caller's level in SQL); the builders only shape them.
"""

from __future__ import annotations

from typing import Any

from ror_graph.models.registry.systems import CANAL, CONFIDENTIALITE, NATURE_CONTACT
from ror_graph.services.fhir.codes import (
    COMMUNE_SYSTEM,
    GEOLOCATION_EXT,
    INSEE_CODE_EXT,
    Labels,
    coding,
    concept,
    ext,
)

# TRE_R200 canal → ContactPoint.system
CONTACT_POINT_SYSTEMS = {"1": "phone", "2": "phone", "3": "email", "4": "url", "6": "fax", "8": "phone", "9": "email"}


def address(row: Any, commune: str | None, labels: Labels, *, geolocation: bool = False) -> dict[str, Any]:
    """A FINESS-style address: street line, complement, lieu-dit, postal code, city, INSEE commune code."""
    street = " ".join(p for p in (row.numero_voie, row.type_voie, row.libelle_voie) if p)
    extensions: list[dict[str, Any] | None] = []
    if row.commune_code:
        extensions.append(ext(INSEE_CODE_EXT, valueCoding=coding(labels, COMMUNE_SYSTEM, row.commune_code)))
    if geolocation and row.latitude is not None and row.longitude is not None:
        extensions.append(ext(GEOLOCATION_EXT, extension=[{"url": "latitude", "valueDecimal": row.latitude},
                                                           {"url": "longitude", "valueDecimal": row.longitude}]))
    return {"extension": extensions, "use": "work", "type": "physical",
            "line": [street, row.complement_voie, row.lieu_dit], "city": commune or row.libelle_acheminement,
            "postalCode": row.code_postal, "country": "FR"}


def telecom_extensions(labels: Labels, canal: str, level: int, usage: str | None = None) -> list[dict[str, Any] | None]:
    return [ext("ror-telecom-communication-channel", valueCodeableConcept=concept(labels, CANAL, canal)),
            ext("ror-telecom-usage", valueString=usage) if usage else None,
            ext("ror-telecom-confidentiality-level",
                valueCodeableConcept=concept(labels, CONFIDENTIALITE, str(level)))]


def contact_point(labels: Labels, canal: str, value: str, level: int, usage: str | None = None) -> dict[str, Any]:
    return {"extension": telecom_extensions(labels, canal, level, usage),
            "system": CONTACT_POINT_SYSTEMS.get(canal, "other"), "value": value}


def organization_contact(contact: Any, telecoms: list[Any], labels: Labels) -> dict[str, Any]:
    """``Organization.contact`` of an EG contact (its level as ``ror-confidentiality-level``)."""
    return {
        "extension": [ext("ror-confidentiality-level",
                          valueCodeableConcept=concept(labels, CONFIDENTIALITE, str(contact.confidentialite)))],
        "purpose": concept(labels, NATURE_CONTACT, contact.nature_code),
        "name": {"text": contact.nom} if contact.nom else None,
        "telecom": [contact_point(labels, t.canal_code, t.valeur, t.confidentialite, t.utilisation) for t in telecoms],
    }


def service_contact(contact: Any, telecoms: list[Any], labels: Labels) -> dict[str, Any]:
    """``ror-healthcareservice-contact`` of an offer contact, as in the ROR IG example."""
    parts = [
        {"url": "purposeContact", "valueCodeableConcept": concept(labels, NATURE_CONTACT, contact.nature_code)}
        if contact.nature_code else None,
        {"url": "name", "valueString": contact.nom} if contact.nom else None,
        {"url": "function", "valueString": contact.fonction} if contact.fonction else None,
        {"url": "description", "valueString": contact.description} if contact.description else None,
        ext("ror-confidentiality-level",
            valueCodeableConcept=concept(labels, CONFIDENTIALITE, str(contact.confidentialite))),
    ]
    for t in telecoms:
        parts.append(ext("ror-healthcareservice-contact-telecom", extension=[
            *telecom_extensions(labels, t.canal_code, t.confidentialite, t.utilisation),
            {"url": "telecomAddress", "valueString": t.valeur},
        ]))
    return ext("ror-healthcareservice-contact", extension=parts)
