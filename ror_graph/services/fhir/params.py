"""The search parameters of each resource type, declared once: the SQL and the CapabilityStatement use them.

A ``Param`` turns one value (already split on commas) into a SQL condition on a model (``EntiteJuridique``
and ``Etablissement`` both answer ``Organization`` searches), and says what ``:missing=true`` means.
Token values take the FHIR forms ``code``, ``system|code`` and ``|code``; a system other than the
attribute's NOS system matches nothing. Coded characteristics and specialties come from the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select, true
from sqlmodel import col

from ror_graph.models import Commune, EntiteJuridique, Etablissement, Lieu, Unite, UniteCode, UniteLieu
from ror_graph.models.coded import fhir_system_url
from ror_graph.models.registry import Attribute, Entity, Storage
from ror_graph.services.fhir import registry_map as reg
from ror_graph.services.fhir.codes import FINESS_SYSTEM, IDNAT_SYSTEM, SIRENE_SYSTEM, code_system
from ror_graph.services.fhir.query import FhirError, date_range

Clause = Callable[[Any, str, str | None], ColumnElement[bool]]


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # FHIR search parameter type: token, string, date, reference, number, special
    doc: str
    clause: Clause
    missing: Callable[[Any], ColumnElement[bool]] = lambda model: false()


def split_token(value: str) -> tuple[str | None, str]:
    if "|" in value:
        system, code = value.split("|", 1)
        return system, code
    return None, value


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def string_match(column: Any, value: str, modifier: str | None) -> ColumnElement[bool]:
    """FHIR string search: starts-with (default), ``:exact``, ``:contains``; case-insensitive but exact."""
    if modifier == "exact":
        return col(column) == value
    pattern = like_escape(value.lower()) + "%"
    return func.lower(column).like("%" + pattern if modifier == "contains" else pattern, escape="\\")


def _strings(*names: str) -> Clause:
    def clause(model: Any, value: str, modifier: str | None) -> ColumnElement[bool]:
        columns = [getattr(model, n) for n in names if hasattr(model, n)]
        return or_(false(), *(string_match(c, value, modifier) for c in columns))
    return clause


def _null(*names: str) -> Callable[[Any], ColumnElement[bool]]:
    def missing(model: Any) -> ColumnElement[bool]:
        columns = [getattr(model, n) for n in names if hasattr(model, n)]
        return and_(true(), *(col(c).is_(None) for c in columns))
    return missing


def _system_ok(system: str | None, expected: str) -> bool:
    return system is None or system == "" or system == expected


def _coded_column(column: str, nos: str) -> Clause:
    def clause(model: Any, value: str, modifier: str | None) -> ColumnElement[bool]:
        system, code = split_token(value)
        if not hasattr(model, column) or not _system_ok(system, fhir_system_url(code_system(nos, code))):
            return false()
        return col(getattr(model, column)) == code
    return clause


def _last_updated(model: Any, value: str, modifier: str | None) -> ColumnElement[bool]:
    prefix, start, end = date_range(value)
    updated = col(model.updated_at)
    return {"eq": and_(updated >= start, updated < end), "gt": updated >= end, "sa": updated >= end,
            "ge": updated >= start, "lt": updated < start, "eb": updated < start, "le": updated < end}[prefix]


def _finess_of(value: str) -> str:
    return value.rsplit("/", 1)[-1]


def _org_identifier(model: Any, value: str, modifier: str | None) -> ColumnElement[bool]:
    system, code = split_token(value)
    parts = []
    if _system_ok(system, FINESS_SYSTEM):
        parts.append(col(model.finess) == code)
    if system == IDNAT_SYSTEM and code.startswith("1"):
        parts.append(col(model.finess) == code[1:])
    if _system_ok(system, SIRENE_SYSTEM):
        parts.append(col(getattr(model, "siret", None) or model.siren) == code)
    return or_(false(), *parts)


def _partof(model: Any, value: str, modifier: str | None) -> ColumnElement[bool]:
    if model is not Etablissement:
        return false()
    ej = select(col(EntiteJuridique.id)).where(col(EntiteJuridique.finess) == _finess_of(value))
    return col(Etablissement.entite_juridique_id).in_(ej)


def _city(model: Any, value: str, modifier: str | None) -> ColumnElement[bool]:
    communes = select(col(Commune.code)).where(string_match(Commune.nom, value, modifier))
    return or_(string_match(model.libelle_acheminement, value, modifier), col(model.commune_code).in_(communes))


def _active(closed: Callable[[Any], Any]) -> Clause:
    def clause(model: Any, value: str, modifier: str | None) -> ColumnElement[bool]:
        if value not in ("true", "false"):
            raise FhirError(400, f"active takes true or false, not {value!r}.")
        return closed(model) if value == "false" else ~closed(model)
    return clause


def _org_type(model: Any, value: str, modifier: str | None) -> ColumnElement[bool]:
    if model is Etablissement:
        return _coded_column("categorie_code", "JDV_J55-CategorieEG-ROR")(model, value, modifier)
    return _coded_column("statut_juridique_code", "TRE_R72-FinessStatutJuridique")(model, value, modifier)


def _org_closed(model: Any) -> Any:
    return col(model.ferme).is_(True) if model is Etablissement else col(model.date_fermeture).is_not(None)


ORGANIZATION = [
    Param("_id", "token", "FINESS number of the EJ or EG.", lambda m, v, _: col(m.finess) == v),
    Param("_lastUpdated", "date", "Last change (prefixes eq gt ge lt le sa eb).", _last_updated),
    Param("identifier", "token", "FINESS, SIRET (EG), SIREN (EJ) or idNatStruct, with their systems.",
          _org_identifier),
    Param("name", "string", "Raison sociale, long name or nom opérationnel.",
          _strings("raison_sociale", "raison_sociale_longue", "nom_operationnel"), _null("raison_sociale_longue")),
    Param("type", "token", "Catégorie d'établissement (TRE_R66 / TRE_R02) or statut juridique (TRE_R72).",
          _org_type, lambda m: col(m.categorie_code if m is Etablissement else m.statut_juridique_code).is_(None)),
    Param("partof", "reference", "The EJ of an EG (Organization/<FINESS>).", _partof,
          lambda m: true() if m is EntiteJuridique else false()),
    Param("address-postalcode", "string", "Postal code.", _strings("code_postal"), _null("code_postal")),
    Param("address-city", "string", "City (commune name or libellé d'acheminement).", _city,
          _null("commune_code")),
    Param("active", "token", "false for a closed EJ / EG.", _active(_org_closed)),
]


def _codes_exist(attrs: list[Attribute]) -> Callable[[str], ColumnElement[bool]]:
    """Token on code rows and columns of the offer: any of ``attrs`` holds the code (system-checked)."""
    def clause(value: str) -> ColumnElement[bool]:
        system, code = split_token(value)
        parts = []
        for a in attrs:
            if not _system_ok(system, fhir_system_url(code_system(a.system, code))):  # type: ignore[arg-type]
                continue
            if a.storage is Storage.column:
                parts.append(col(getattr(Unite, a.column or a.key)) == code)
            else:
                parts.append(exists().where(col(UniteCode.unite_id) == Unite.id, col(UniteCode.attribute) == a.column,
                                            col(UniteCode.code) == code))
        return or_(false(), *parts)
    return clause


def _codes_missing(attrs: list[Attribute]) -> Callable[[Any], ColumnElement[bool]]:
    def missing(model: Any) -> ColumnElement[bool]:
        columns = [col(getattr(Unite, a.column or a.key)).is_(None) for a in attrs if a.storage is Storage.column]
        rows = [a.column for a in attrs if a.storage is not Storage.column]
        none = ~exists().where(col(UniteCode.unite_id) == Unite.id, col(UniteCode.attribute).in_(rows))
        return and_(none, *columns)
    return missing


def _age(model: Any, value: str, modifier: str | None) -> ColumnElement[bool]:
    try:
        age = int(value)
    except ValueError:
        raise FhirError(400, f"age takes a whole number of years, not {value!r}.") from None
    return and_(col(Unite.age_min) <= age, col(Unite.age_max) >= age)


def _by_finess(model: Any, value: str, modifier: str | None) -> ColumnElement[bool]:
    eg = select(col(Etablissement.id)).where(col(Etablissement.finess) == _finess_of(value))
    return col(model.etablissement_id).in_(eg)


def _lieu_ref(model: Any, value: str, modifier: str | None) -> ColumnElement[bool]:
    ident = _finess_of(value)
    if not ident.isdigit():
        return false()
    return exists().where(col(UniteLieu.unite_id) == Unite.id, col(UniteLieu.lieu_id) == int(ident))


def _coded(attrs: list[Attribute]) -> tuple[Clause, Callable[[Any], ColumnElement[bool]]]:
    match = _codes_exist(attrs)
    return (lambda m, v, _: match(v)), _codes_missing(attrs)


def _unite_attrs(*keys: str) -> list[Attribute]:
    from ror_graph.models import registry
    return [a for a in registry.of(Entity.unite) if a.key in keys]


def _healthcare_service() -> list[Param]:
    characteristic = _coded(list(reg.token_columns(Entity.unite, "characteristic")))
    specialty = _coded(list(reg.token_columns(Entity.unite, "specialty")))
    category, service_type = _coded(_unite_attrs("type_offre")), _coded(_unite_attrs("champ_activite"))
    return [
        Param("_id", "token", "Offer id (national identifier with - for /).",
              lambda m, v, _: col(Unite.identifiant) == v.replace("-", "/", 1)),
        Param("_lastUpdated", "date", "Last change (prefixes eq gt ge lt le sa eb).", _last_updated),
        Param("identifier", "token", "National offer identifier <region>/<id>.",
              lambda m, v, _: col(Unite.identifiant) == split_token(v)[1]),
        Param("name", "string", "Nom de l'offre.", _strings("nom")),
        Param("type", "token", "Champ d'activité (TRE_R227).", *service_type),
        Param("service-type", "token", "Same as type.", *service_type),
        Param("category", "token", "Type d'offre (TRE_R244).", *category),
        Param("service-category", "token", "Same as category.", *category),
        Param("specialty", "token", "Activité opérationnelle (TRE_R211).", *specialty),
        Param("characteristic", "token", "Any characteristic: mode de prise en charge, temporalité, modalité "
              "d'accueil, mode de gestion, actes, spécialisation, compétence, profession, expertise...",
              *characteristic),
        Param("patient-type", "token", "Public pris en charge (TRE_R239).", *_coded(_unite_attrs("publics"))),
        Param("age", "number", "An age in years within the offer's inclusive age range.", _age),
        Param("organization", "reference", "The EG providing the offer (Organization/<FINESS>).", _by_finess),
        Param("location", "reference", "A lieu where the offer is delivered (Location/<id>).", _lieu_ref,
              lambda m: ~exists().where(col(UniteLieu.unite_id) == Unite.id)),
        Param("active", "token", "false for a closed offer.", _active(lambda m: col(Unite.ferme).is_(True))),
        Param("location.near", "special", "Offers with a lieu within distance: latitude|longitude|distance|km.",
              lambda m, v, _: true()),
    ]


def _lieu_id(model: Any, value: str, modifier: str | None) -> ColumnElement[bool]:
    return col(Lieu.id) == int(value) if value.isdigit() else false()


LOCATION_STATUS = {"inactive": "1", "suspended": "2", "active": "3"}

LOCATION = [
    Param("_id", "token", "Lieu id.", _lieu_id),
    Param("_lastUpdated", "date", "Last change (prefixes eq gt ge lt le sa eb).", _last_updated),
    Param("identifier", "token", "Lieu id or idExterneSynchro.",
          lambda m, v, _: or_(_lieu_id(m, split_token(v)[1], _), col(Lieu.id_externe_synchro) == split_token(v)[1])),
    Param("name", "string", "Name of the lieu.", _strings("nom"), _null("nom")),
    Param("type", "token", "Fonction du lieu (TRE_R343).", _coded_column("fonction_code", "TRE_R343-FonctionLieu"),
          _null("fonction_code")),
    Param("status", "token", "active, suspended or inactive (TRE_R203 3, 2, 1).",
          lambda m, v, _: col(Lieu.statut_code) == LOCATION_STATUS.get(v, "?")),
    Param("address-postalcode", "string", "Postal code.", _strings("code_postal"), _null("code_postal")),
    Param("address-city", "string", "City (commune name or libellé d'acheminement).", _city, _null("commune_code")),
    Param("commune-cog", "token", "INSEE COG code of the commune.", lambda m, v, _: col(Lieu.commune_code) ==
          split_token(v)[1], _null("commune_code")),
    Param("organization", "reference", "The EG of the lieu (Organization/<FINESS>).", _by_finess),
    Param("near", "special", "Within distance (great circle): latitude|longitude|distance|km; _sort=near orders "
          "by distance.", lambda m, v, _: true()),
]

PARAMS: dict[str, dict[str, Param]] = {
    "Organization": {p.name: p for p in ORGANIZATION},
    "HealthcareService": {p.name: p for p in _healthcare_service()},
    "Location": {p.name: p for p in LOCATION},
}
SORTS = {"Organization": {"_id": "finess", "_lastUpdated": "updated_at", "name": "raison_sociale"},
         "HealthcareService": {"_id": "identifiant", "_lastUpdated": "updated_at", "name": "nom"},
         "Location": {"_id": "id", "_lastUpdated": "updated_at", "name": "nom", "near": "near"}}
