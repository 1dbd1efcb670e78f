"""One Meilisearch document per public offer: pure functions from database rows to JSON.

A document is the offer denormalised with its établissement (names, FINESS, catégorie, commune,
département, région, position), so an EG change must re-index all of its offers. It holds only
level-1 data: sensitive, closed offers and offers of closed EGs get no document at all, and a
contact or telecom appears only when both are level 1 (DESIGN §1, confidentiality).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ror_graph.models import coded, registry
from ror_graph.models.registry import Entity, Storage
from search_index.reference import SearchReference

PUBLIC_LEVEL = 1
COMMUNE_ZONE_TYPE = "3"  # TRE_R201: 3 = commune

# Acronyms people type for an EG category or a champ, which the official labels do not always
# contain. Their expansions ("maison de retraite", "SSR"…) come from the index synonyms.
CATEGORIE_KEYWORDS: dict[str, tuple[str, ...]] = {
    "500": ("EHPAD",), "501": ("EHPA",), "502": ("EHPA",), "354": ("SSIAD",), "209": ("SAD", "SPASAD"),
    "460": ("SAD", "SAAD"), "127": ("HAD",), "156": ("CMP",), "183": ("IME",), "246": ("ESAT",), "255": ("MAS",),
    "437": ("FAM",), "182": ("SESSAD",), "165": ("ACT",), "180": ("LHSS",), "178": ("CAARUD",), "197": ("CSAPA",),
    "362": ("USLD",), "101": ("CHR", "CHU"), "355": ("CH",), "106": ("CH",),
}
CHAMP_KEYWORDS: dict[str, tuple[str, ...]] = {"01": ("MCO",), "02": ("SMR",), "03": ("PSY",)}

# One row as a mapping, column name → value: a plain dict, or a SQLAlchemy ``RowMapping``
# (whose declared key type also admits Column objects, hence ``Any`` keys).
Row = Mapping[Any, Any]


@dataclass
class OffreSource:
    """Every row one document is built from (as plain mappings: column name → value)."""

    unite: Row
    etablissement: Row
    entite_juridique: Row | None = None
    codes: list[tuple[str, str]] = field(default_factory=list)  # (attribute, code)
    zones: list[tuple[str, str]] = field(default_factory=list)  # (type_code, code)
    lieux: list[Row] = field(default_factory=list)  # in lieu id order
    equipements: list[str] = field(default_factory=list)  # TRE_R212 codes of the offer's lieux
    contacts: list[tuple[Row, list[Row]]] = field(default_factory=list)


# Values of child-table attributes, gathered by the source loader (equipments of the offer's lieux).
CHILD_VALUES: dict[str, Callable[[OffreSource], list[str]]] = {"equipements": lambda source: source.equipements}


def registry_fields(source: OffreSource, ref: SearchReference) -> dict[str, Any]:
    """``{code, label}`` (or a list of them) for every search document field of the registry.

    Only public attributes have a document field (``registry.check`` refuses the others).
    """
    doc: dict[str, Any] = {}
    for key, group in registry.documents().items():
        first, system = group[0], group[0].system
        if first.storage is Storage.column:
            row = source.etablissement if first.entity is Entity.eg else source.unite
            doc[key] = ref.concept(system, row.get(first.column or first.key))  # type: ignore[arg-type]
        elif first.storage is Storage.unite_code:
            names = {a.column for a in group}
            doc[key] = ref.concepts(system, [code for attr, code in source.codes if attr in names])  # type: ignore[arg-type]
        else:
            doc[key] = ref.concepts(system, CHILD_VALUES[key](source))  # type: ignore[arg-type]
    return doc


def is_public_offer(unite: Mapping[str, Any], etablissement: Mapping[str, Any] | None) -> bool:
    """An offer is searchable when it is open, not sensitive, and its EG exists and is open."""
    return (
        etablissement is not None
        and not unite["ferme"]
        and not unite["unite_sensible"]
        and not etablissement["ferme"]
    )


def _timestamp(*values: datetime | None) -> int | None:
    stamps = [v.timestamp() for v in values if v is not None]
    return int(max(stamps)) if stamps else None


def _address(row: Mapping[str, Any]) -> str | None:
    street = " ".join(str(row[k]) for k in ("numero_voie", "type_voie", "libelle_voie") if row.get(k))
    parts = [p for p in (street, row.get("complement_voie"), row.get("lieu_dit")) if p]
    town = " ".join(p for p in (row.get("code_postal"), row.get("libelle_acheminement")) if p)
    return ", ".join([*parts, town]) if parts or town else None


def _geo(source: OffreSource, ref: SearchReference, commune_code: str | None) -> tuple[dict | None, str | None]:
    """Position of the first lieu with coordinates, else the EG's, else its commune centre."""
    for lieu in source.lieux:
        if lieu.get("latitude") is not None and lieu.get("longitude") is not None:
            return {"lat": lieu["latitude"], "lng": lieu["longitude"]}, "lieu"
    eg = source.etablissement
    if eg.get("latitude") is not None and eg.get("longitude") is not None:
        return {"lat": eg["latitude"], "lng": eg["longitude"]}, "etablissement"
    commune = ref.communes.get(commune_code or "")
    if commune and commune.latitude is not None and commune.longitude is not None:
        return {"lat": commune.latitude, "lng": commune.longitude}, "commune"
    return None, None


def public_contacts(source: OffreSource, ref: SearchReference) -> list[dict[str, Any]]:
    """Contacts of level 1 with their level-1 telecoms only (a level-1 contact may hide a level-2 number)."""
    result = []
    for contact, telecoms in source.contacts:
        if contact["confidentialite"] != PUBLIC_LEVEL:
            continue
        public = [
            {"canal": ref.concept(coded.CANAL, t["canal_code"]), "valeur": t["valeur"]}
            for t in telecoms if t["confidentialite"] == PUBLIC_LEVEL
        ]
        if public:
            result.append({
                "nom": contact.get("nom"), "fonction": contact.get("fonction"),
                "nature": ref.concept(coded.NATURE_CONTACT, contact.get("nature_code")), "telecoms": public,
            })
    return result


def build_document(source: OffreSource, ref: SearchReference) -> dict[str, Any] | None:
    """The search document of an offer, or ``None`` when the offer must not be searchable."""
    unite, eg, ej = source.unite, source.etablissement, source.entite_juridique
    if not is_public_offer(unite, eg):
        return None
    commune_code = eg.get("commune_code")
    commune = ref.communes.get(commune_code or "")
    dep_code = eg.get("departement_code") or (commune.departement_code if commune else None)
    reg_code = eg.get("region_code") or (commune.region_code if commune else None) \
        or ref.departement_regions.get(dep_code or "")
    geo, geo_source = _geo(source, ref, commune_code)
    categorie = eg.get("categorie_code")
    champ = unite["champ_activite_code"]
    doc: dict[str, Any] = {
        "id": unite["id"],
        "identifiant": unite.get("identifiant"),
        "nom": unite["nom"],
        "etablissementId": eg["id"],
        "finess": eg["finess"],
        "siret": eg.get("siret"),
        "raisonSociale": eg["raison_sociale"],
        "raisonSocialeLongue": eg.get("raison_sociale_longue"),
        "nomOperationnel": eg.get("nom_operationnel"),
        "entiteJuridique": {"finess": ej["finess"], "raisonSociale": ej["raison_sociale"]} if ej else None,
        "keywords": sorted({*CATEGORIE_KEYWORDS.get(categorie or "", ()), *CHAMP_KEYWORDS.get(champ, ())}),
        "adresse": _address(eg),
        "codePostal": eg.get("code_postal"),
        "commune": {"code": commune_code, "nom": commune.nom if commune else eg.get("libelle_acheminement")}
        if commune_code else None,
        "departement": {"code": dep_code, "nom": ref.departements.get(dep_code, dep_code)} if dep_code else None,
        "region": {"code": reg_code, "nom": ref.regions.get(reg_code, reg_code)} if reg_code else None,
        "telephone": eg.get("telephone"),
        "ageMin": unite["age_min"],
        "ageMax": unite["age_max"],
        "zoneCommunes": sorted({code for kind, code in source.zones if kind == COMMUNE_ZONE_TYPE}),
        "contacts": public_contacts(source, ref),
        "updatedAt": _timestamp(unite.get("updated_at"), eg.get("updated_at")),
    }
    doc.update(registry_fields(source, ref))
    if geo:
        doc["_geo"] = geo
        doc["geoSource"] = geo_source
    return doc
