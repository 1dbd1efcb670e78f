"""The quality rules, declared once: code, French label, and the SQL that finds what breaks them.

Each rule is a ``Regle`` whose ``query(eg_ids)`` selects ``(EG id, offer id or NULL, detail)`` for
every EG / open offer breaking it, restricted to ``eg_ids`` (``None`` = the whole directory): one
set-based statement per rule, so the nightly pass over a national directory stays a handful of
queries. Adding a rule is one entry of ``REGLES``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, String, and_, cast, exists, func, literal, or_
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from ror_graph.models import (
    Capacite,
    CapaciteFiness,
    Commune,
    Contact,
    Etablissement,
    Telecom,
    Unite,
    UniteCode,
    UniteLieu,
    ZoneIntervention,
)
from ror_graph.services.unite.contacts import PHONE_CANALS

EHPAD = "500"
HEBERGEMENT, PERMANENT, INSTALLEE, AUTORISEE = "46", "02", "01", "09"
# Modes de prise en charge (TRE_R213) served where people live: home care and mobile teams.
MODES_MOBILES = frozenset({"11", "31", "44", "45", "49", "52", "53", "59"})
MARGE_DEGRES = 0.1  # tolerance around the box of the département's commune centres


@dataclass(frozen=True)
class Regle:
    """A quality rule: ``query(eg_ids)`` selects (EG id, offer id | None, detail) of what breaks it."""

    code: str
    libelle: str
    query: Callable[[list[int] | None], Select]


def _offres(where: Any, eg_ids: list[int] | None, detail: Any = None) -> Select:
    query = select(col(Unite.etablissement_id), col(Unite.id), detail if detail is not None else col(Unite.nom)).where(
        col(Unite.ferme).is_(False), where)
    return query.where(col(Unite.etablissement_id).in_(eg_ids)) if eg_ids is not None else query


def _etablissements(where: Any, eg_ids: list[int] | None, detail: Any = None, *, ouverts: bool = True) -> Select:
    query = select(col(Etablissement.id), literal(None), detail if detail is not None else col(Etablissement.finess)
                   ).where(where)
    if ouverts:
        query = query.where(col(Etablissement.ferme).is_(False))
    return query.where(col(Etablissement.id).in_(eg_ids)) if eg_ids is not None else query


def sans_activite(eg_ids: list[int] | None) -> Select:
    has = exists().where(col(UniteCode.unite_id) == Unite.id, col(UniteCode.attribute) == "activite")
    return _offres(~has, eg_ids)


def tranche_age(eg_ids: list[int] | None) -> Select:
    return _offres(or_(col(Unite.age_min).is_(None), col(Unite.age_max).is_(None),
                       col(Unite.age_min) > col(Unite.age_max)), eg_ids)


def ehpad_sans_hebergement_permanent(eg_ids: list[int] | None) -> Select:
    capacity = (exists().where(col(Unite.etablissement_id) == Etablissement.id, col(Unite.ferme).is_(False),
                               col(Unite.mode_prise_en_charge_code) == HEBERGEMENT,
                               col(Unite.temporalite_code) == PERMANENT)
                .where(col(UniteLieu.unite_id) == Unite.id, col(Capacite.lieu_id) == UniteLieu.lieu_id,
                       col(Capacite.statut_code) == INSTALLEE, col(Capacite.nombre) > 0))
    return _etablissements(and_(col(Etablissement.categorie_code) == EHPAD, ~capacity), eg_ids)


def sans_zone(eg_ids: list[int] | None) -> Select:
    has = exists().where(col(ZoneIntervention.unite_id) == Unite.id)
    return _offres(and_(col(Unite.mode_prise_en_charge_code).in_(MODES_MOBILES), ~has), eg_ids)


def capacite_au_dela_finess(eg_ids: list[int] | None) -> Select:
    lieux = (select(col(UniteLieu.lieu_id)).join(Unite, col(Unite.id) == UniteLieu.unite_id)
             .where(col(Unite.etablissement_id) == Etablissement.id, col(Unite.ferme).is_(False)))
    installed = (select(func.coalesce(func.sum(Capacite.nombre), 0))
                 .where(col(Capacite.statut_code) == INSTALLEE, col(Capacite.lieu_id).in_(lieux)).scalar_subquery())
    authorised = (select(func.sum(CapaciteFiness.nombre)).where(
        col(CapaciteFiness.etablissement_id) == Etablissement.id,
        col(CapaciteFiness.statut_code) == AUTORISEE).scalar_subquery())
    detail = cast(installed, String) + " installées > " + cast(authorised, String) + " autorisées"
    return _etablissements(and_(authorised.is_not(None), installed > authorised), eg_ids, detail)


def sans_telephone_public(eg_ids: list[int] | None) -> Select:
    phone = exists().where(col(Contact.etablissement_id) == Etablissement.id, col(Contact.confidentialite) == 1,
                           col(Telecom.contact_id) == Contact.id, col(Telecom.confidentialite) == 1,
                           col(Telecom.canal_code).in_(PHONE_CANALS))
    no_finess_phone = or_(col(Etablissement.telephone).is_(None), col(Etablissement.telephone) == "")
    return _etablissements(and_(no_finess_phone, ~phone), eg_ids)


def hors_departement(eg_ids: list[int] | None) -> Select:
    def bound(fn: Any, column: Any) -> Any:
        return (select(fn(column)).where(col(Commune.departement_code) == Etablissement.departement_code)
                .scalar_subquery())

    lat, lon = col(Etablissement.latitude), col(Etablissement.longitude)
    outside = or_(lat < bound(func.min, Commune.latitude) - MARGE_DEGRES,
                  lat > bound(func.max, Commune.latitude) + MARGE_DEGRES,
                  lon < bound(func.min, Commune.longitude) - MARGE_DEGRES,
                  lon > bound(func.max, Commune.longitude) + MARGE_DEGRES)
    return _etablissements(and_(lat.is_not(None), lon.is_not(None), outside), eg_ids)


def ferme_avec_offres(eg_ids: list[int] | None) -> Select:
    open_offer = exists().where(col(Unite.etablissement_id) == Etablissement.id, col(Unite.ferme).is_(False))
    return _etablissements(and_(col(Etablissement.ferme).is_(True), open_offer), eg_ids, ouverts=False)


def doublon_probable(eg_ids: list[int] | None) -> Select:
    other = aliased(Unite)
    twin = exists().where(col(other.etablissement_id) == Unite.etablissement_id, col(other.id) < Unite.id,
                          col(other.ferme).is_(False), func.lower(col(other.nom)) == func.lower(col(Unite.nom)),
                          col(other.type_offre_code) == Unite.type_offre_code,
                          col(other.mode_prise_en_charge_code) == Unite.mode_prise_en_charge_code)
    return _offres(twin, eg_ids)


REGLES: tuple[Regle, ...] = (
    Regle("offre_sans_activite", "Offre sans activité opérationnelle", sans_activite),
    Regle("tranche_age", "Tranche d'âge absente ou inversée", tranche_age),
    Regle("ehpad_sans_hebergement_permanent", "EHPAD sans capacité installée d'hébergement permanent",
          ehpad_sans_hebergement_permanent),
    Regle("zone_intervention_absente", "Équipe mobile ou soins à domicile sans zone d'intervention", sans_zone),
    Regle("capacite_superieure_finess", "Capacité installée supérieure à la capacité autorisée FINESS",
          capacite_au_dela_finess),
    Regle("sans_telephone_public", "Aucun téléphone de niveau 1 (public)", sans_telephone_public),
    Regle("coordonnees_hors_departement", "Coordonnées hors du département", hors_departement),
    Regle("eg_ferme_offres_ouvertes", "Établissement fermé avec des offres ouvertes", ferme_avec_offres),
    Regle("doublon_probable", "Doublon probable d'une autre offre de l'établissement", doublon_probable),
)
BY_CODE = {r.code: r for r in REGLES}
SIGNALEMENT = "signalement"
LIBELLES = {**{r.code: r.libelle for r in REGLES}, SIGNALEMENT: "Erreur signalée par un usager"}
