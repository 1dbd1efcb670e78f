"""The ROR FHIR resources (ME 3.0): ``Organization`` (EJ, EG), ``HealthcareService`` (offer), ``Location`` (lieu).

Shapes follow the ROR IG profiles ``ror-organization``, ``ror-healthcareservice`` and ``ror-location``
(``docs/ror-model.md`` §2): identifiers with their systems, type slices, NOS codings, ROR extensions,
``meta.profile`` / ``meta.lastUpdated`` / the source-region tag and ``ror-meta-creation-date``.
Logical ids: an EJ or EG is its FINESS number (one numbering for both), an offer its national
identifier with ``-`` for ``/`` (``52/1`` → ``52-1``), a lieu its database id.
"""

from __future__ import annotations

from typing import Any

from ror_graph.models import EntiteJuridique, Etablissement, Lieu, Unite
from ror_graph.models.registry import Entity
from ror_graph.models.registry import systems as s
from ror_graph.services.fhir import registry_map as reg
from ror_graph.services.fhir.codes import (
    FINESS_SYSTEM,
    IDNAT_SYSTEM,
    PERIOD_EXT,
    SIRENE_SYSTEM,
    concept,
    creation_date,
    ext,
    fhir_date,
    meta,
    prune,
)
from ror_graph.services.fhir.common import address, contact_point, organization_contact, service_contact
from ror_graph.services.fhir.load import Related
from ror_graph.services.fhir.places import location_extensions

STATUT_JURIDIQUE = "TRE_R72-FinessStatutJuridique"
ESPIC = "TRE_R73-ESPIC"
ID_TYPES = "TRE_G07-TypeIdentifiantStructure"
TYPE_HORAIRE = "TRE_R252-TypeHoraire"
LOCATION_STATUS = {"1": "inactive", "2": "suspended", "3": "active"}


def unite_id(identifiant: str) -> str:
    return identifiant.replace("/", "-")


def identifiant_of(resource_id: str) -> str:
    return resource_id.replace("-", "/", 1)


def _identifier(related: Related, system: str, value: str | None, type_code: str) -> dict | None:
    return {"use": "official", "type": concept(related.labels, ID_TYPES, type_code), "system": system,
            "value": value} if value else None


def _period(start: Any, end: Any) -> dict | None:
    return ext(PERIOD_EXT, valuePeriod={"start": fhir_date(start), "end": fhir_date(end)}) if start or end else None


# An EJ known only through its EG (its FINESS record has not arrived): no invented name (``name`` is 0..1
# in the ROR profile), and a tag that says so plainly.
AWAITING_FINESS_TAG = {"system": "urn:ror-graph:tag", "code": "en-attente-finess",
                       "display": "Entité juridique en attente de son enregistrement FINESS"}


def entite(ej: EntiteJuridique, related: Related, caller: Any) -> dict[str, Any]:
    labels = related.labels
    phone = [contact_point(labels, "2", ej.telephone, 1)] if ej.telephone else []
    resource_meta = meta("Organization", ej.updated_at, None, labels)
    if ej.placeholder:
        resource_meta["tag"].append(AWAITING_FINESS_TAG)
    return prune({
        "resourceType": "Organization", "id": ej.finess, "meta": resource_meta,
        "extension": [creation_date(ej.created_at), _period(ej.date_creation, ej.date_fermeture),
                      *reg.extensions(Entity.ej, ej, caller, labels)],
        "identifier": [_identifier(related, FINESS_SYSTEM, ej.finess, "1"),
                       _identifier(related, SIRENE_SYSTEM, ej.siren, "2"),
                       _identifier(related, IDNAT_SYSTEM, f"1{ej.finess}", "40")],
        "active": ej.date_fermeture is None,
        "type": [concept(labels, STATUT_JURIDIQUE, ej.statut_juridique_code)],
        "name": ej.raison_sociale, "telecom": phone,
        "address": [address(ej, related.communes.get(ej.commune_code or ""), labels)],
    })


def _eg_telecoms(eg: Etablissement, related: Related) -> list[dict]:
    pairs = (("2", eg.telephone), ("6", eg.telecopie), ("3", eg.courriel))
    return [contact_point(related.labels, canal, value, 1) for canal, value in pairs if value]


def etablissement(eg: Etablissement, related: Related, caller: Any) -> dict[str, Any]:
    labels = related.labels
    ej = related.entites.get(eg.entite_juridique_id)
    contacts = [organization_contact(c, related.telecoms.get(c.id, []), labels)
                for c in related.eg_contacts.get(eg.id, [])]  # type: ignore[arg-type]
    name_ext = [ext("ror-organization-additional-name", valueString=eg.complement_denomination)]
    return prune({
        "resourceType": "Organization", "id": eg.finess,
        "meta": meta("Organization", eg.updated_at, eg.region_code, labels),
        "extension": [creation_date(eg.created_at), _period(eg.date_ouverture, eg.date_fermeture),
                      *reg.extensions(Entity.eg, eg, caller, labels, related.eg_codes.get(eg.id, {}))],  # type: ignore[arg-type]
        "identifier": [_identifier(related, FINESS_SYSTEM, eg.finess, "1"),
                       _identifier(related, SIRENE_SYSTEM, eg.siret, "3"),
                       _identifier(related, IDNAT_SYSTEM, f"1{eg.finess}", "40")],
        "active": not eg.ferme,
        "type": [concept(labels, s.CATEGORIE_EG, eg.categorie_code), concept(labels, ESPIC, eg.espic_code)],
        "name": eg.raison_sociale, "_name": {"extension": name_ext} if eg.complement_denomination else None,
        "alias": [eg.nom_operationnel], "telecom": _eg_telecoms(eg, related),
        "address": [address(eg, related.communes.get(eg.commune_code or ""), labels, geolocation=True)],
        "partOf": {"reference": f"Organization/{ej.finess}"} if ej else None,
        "contact": contacts,
    })


def _available_time(h: Any, related: Related) -> dict:
    effective = {"start": fhir_date(h.date_debut_effective), "end": fhir_date(h.date_fin_effective)}
    return {"extension": [ext("ror-available-time-type-of-time",
                              valueCodeableConcept=concept(related.labels, TYPE_HORAIRE, h.type_code)),
                          ext("ror-available-time-number-days-of-week", valueInteger=h.jour),
                          ext("ror-available-time-effective-opening-closing-date", valuePeriod=effective)],
            "availableStartTime": h.heure_debut.isoformat(timespec="seconds"),
            "availableEndTime": h.heure_fin.isoformat(timespec="seconds")}


def _patient_type(u: Unite, related: Related, codes: dict[str, list[str]]) -> dict:
    publics = [{"url": "supportedPatientInfo", "valueCodeableConcept": concept(related.labels, s.PUBLIC, code)}
               for code in codes.get("public", [])]
    age = {"low": {"value": u.age_min, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"},
           "high": {"value": u.age_max, "unit": "a", "system": "http://unitsofmeasure.org", "code": "a"}}
    return ext("ror-healthcareservice-patient-type", extension=[*publics, {"url": "ageRange", "valueRange": age}])


def _zone(zone: Any, related: Related) -> dict:
    return ext("ror-territorial-division", extension=[
        {"url": "typeTerritorialDivision",
         "valueCodeableConcept": concept(related.labels, s.DIVISION_TERRITORIALE, zone.type_code)},
        {"url": "codeTerritorialDivision", "valueCodeableConcept": concept(related.labels, "TRE_R13-CommuneOM",
                                                                          zone.code)},
    ])


def unite(u: Unite, related: Related, caller: Any) -> dict[str, Any]:
    labels, codes = related.labels, related.unite_codes.get(u.id, {})  # type: ignore[arg-type]
    eg = related.etablissements.get(u.etablissement_id)
    contacts = [service_contact(c, related.telecoms.get(c.id, []), labels)
                for c in related.unite_contacts.get(u.id, [])]  # type: ignore[arg-type]
    closure = {"description": "Fermeture", "during": {"start": fhir_date(u.date_fermeture),
                                                      "end": fhir_date(u.date_reouverture_prevue)}}
    return prune({
        "resourceType": "HealthcareService", "id": unite_id(u.identifiant or str(u.id)),
        "meta": meta("HealthcareService", u.updated_at, eg.region_code if eg else None, labels),
        "extension": [creation_date(u.created_at), _patient_type(u, related, codes),
                      *reg.extensions(Entity.unite, u, caller, labels, codes),
                      *(_zone(z, related) for z in related.zones.get(u.id, [])), *contacts],  # type: ignore[arg-type]
        "identifier": [{"value": u.identifiant}], "active": not u.ferme,
        "providedBy": {"reference": f"Organization/{eg.finess}"} if eg else None,
        "category": [concept(labels, s.TYPE_OFFRE, u.type_offre_code)],
        "type": [concept(labels, s.CHAMP, u.champ_activite_code)],
        "specialty": reg.concepts(Entity.unite, "specialty", u, labels, codes),
        "location": [{"reference": f"Location/{i}"} for i in related.unite_lieux.get(u.id, [])],  # type: ignore[arg-type]
        "name": u.nom, "comment": u.commentaire,
        "characteristic": reg.concepts(Entity.unite, "characteristic", u, labels, codes),
        "availableTime": [_available_time(h, related) for h in related.horaires.get(u.id, [])],  # type: ignore[arg-type]
        "notAvailable": [closure] if u.date_fermeture else [],
    })


def lieu(row: Lieu, related: Related, caller: Any) -> dict[str, Any]:
    labels = related.labels
    eg = related.etablissements.get(row.etablissement_id)
    commune = row.commune_code or (eg.commune_code if eg else None)
    return prune({
        "resourceType": "Location", "id": str(row.id),
        "meta": meta("Location", row.updated_at, eg.region_code if eg else None, labels),
        "extension": [creation_date(row.created_at), *location_extensions(row, commune, related, caller)],
        "identifier": [{"type": concept(labels, "TRE_R354-TypeIdentifiantLieu", "25"), "value": str(row.id)},
                       {"type": concept(labels, "TRE_R354-TypeIdentifiantLieu", "26"),
                        "value": row.id_externe_synchro} if row.id_externe_synchro else None],
        "status": LOCATION_STATUS.get(row.statut_code, "active"), "name": row.nom, "description": row.description,
        "type": [concept(labels, s.FONCTION_LIEU, row.fonction_code)],
        "address": address(row, related.communes.get(row.commune_code or ""), labels),
        "position": {"latitude": row.latitude, "longitude": row.longitude} if row.latitude is not None
        and row.longitude is not None else None,
        "managingOrganization": {"reference": f"Organization/{eg.finess}"} if eg else None,
    })
