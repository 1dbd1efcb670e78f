"""Typed inputs of the write mutations (EG description, offers, contacts, lieux and resources).

Python attribute names are the service keys (``services.*_write``), so resolvers convert inputs
generically. ``EtablissementInput`` also lists every FINESS-owned column (from the models' markers,
deprecated, typed ``JSON``): a raw request that sets one is then valid GraphQL and reaches the
service, which answers ``FINESS_LOCKED`` instead of a generic "unknown field" validation error.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import strawberry
from strawberry.scalars import JSON

from ror_graph.models import Etablissement, finess_owned_fields
from ror_graph.schema.finess import camel, graphql_path

UNSET = strawberry.UNSET
LOCKED_REASON = "Owned by FINESS: refused with FINESS_LOCKED; support uses corrigerChampFiness."


@strawberry.input(name="TelecomInput", description="A phone number, e-mail or URL of a contact.")
class TelecomInputType:
    canal_code: str = strawberry.field(
        description="Canal (JDV_J225): 1 mobile, 2 fixe, 3 e-mail, 8 alerte, 9 mail d'alerte."
    )
    valeur: str = strawberry.field(description="The number, address or URL.")
    confidentialite: int = strawberry.field(description="Level 1 public, 2 professionals, 3 regulation (TRE_R283).")
    utilisation: str | None = strawberry.field(default=None, description="How it is used (free text).")


@strawberry.input(
    name="ContactInput", description="A contact point with its telecoms (the list replaces the stored one)."
)
class ContactInputType:
    nature_code: str | None = strawberry.field(
        default=None, description="Nature (JDV_J221): 06 standard, 10 direction, 13 alerte H24..."
    )
    nom: str | None = strawberry.field(default=None, description="Name of the person or service.")
    fonction: str | None = strawberry.field(default=None, description="Function of the person.")
    description: str | None = strawberry.field(default=None, description="Free description.")
    confidentialite: int | None = strawberry.field(
        default=None, description="Level 1..3 of the contact (required on offers)."
    )
    telecoms: list[TelecomInputType] = strawberry.field(default_factory=list, description="Its telecoms.")


@strawberry.input(name="TarifInput", description="A declared tariff of the établissement.")
class TarifInputType:
    type_code: str = strawberry.field(description="Type of tariff (TRE_R246).")
    montant: Decimal = strawberry.field(description="Amount in euros.")
    unite_prix: str | None = strawberry.field(default=None, description="Price unit (TRE_R228).")
    date_debut: date | None = strawberry.field(default=None, description="Applies from this date.")
    moins_de_60_ans: bool = strawberry.field(default=False, description="Tariff for residents under 60.")
    type_habitation_code: str | None = strawberry.field(default=None, description="Housing type (TRE_R242).")
    temporalite_code: str | None = strawberry.field(default=None, description="Temporality (TRE_R240).")
    condition_code: str | None = strawberry.field(default=None, description="Tariff condition code.")
    niveau_dependance_code: str | None = strawberry.field(default=None, description="Dependency level (GIR) code.")


class _EtablissementFields:
    nom_operationnel: str | None = strawberry.field(default=UNSET, description="Everyday name.")
    hebergement_famille: bool | None = strawberry.field(default=UNSET, description="Families can be hosted.")
    nb_place_aide_sociale_permanent: int | None = strawberry.field(
        default=UNSET, description="Permanent social-aid places."
    )
    nb_place_aide_sociale_temporaire: int | None = strawberry.field(
        default=UNSET, description="Temporary social-aid places."
    )
    accessibilite_code: str | None = strawberry.field(default=UNSET, description="Accessibility code.")
    commentaire: str | None = strawberry.field(default=UNSET, description="Free comment.")
    aides_financieres: list[str] | None = strawberry.field(
        default=UNSET, description="Aides financières (TRE_R241); replaces the list."
    )
    contacts: list[ContactInputType] | None = strawberry.field(
        default=UNSET, description="Contacts; replaces the list (needs an alert phone or e-mail)."
    )
    tarifs: list[TarifInputType] | None = strawberry.field(default=UNSET, description="Tariffs; replaces the list.")


# FINESS-owned columns: python attribute → column, for the resolver (aliases use the read path, e.g. `categorie`).
LOCKED_ATTRIBUTES: dict[str, str] = {}
for _column in finess_owned_fields(Etablissement):
    _names = {camel(_column)}
    _path = graphql_path("etablissement", _column)
    if "." not in _path:
        _names.add(_path)
    for _index, _name in enumerate(sorted(_names)):
        _attribute = _column if _index == 0 else f"{_column}__alias"
        LOCKED_ATTRIBUTES[_attribute] = _column
        _EtablissementFields.__annotations__[_attribute] = "JSON | None"
        setattr(
            _EtablissementFields,
            _attribute,
            strawberry.field(
                default=UNSET,
                name=_name,
                deprecation_reason=LOCKED_REASON,
                description="FINESS-owned; never writable here.",
            ),
        )
LOCKED_ATTRIBUTES["adresse"] = "adresse"
_EtablissementFields.__annotations__["adresse"] = "JSON | None"
_EtablissementFields.adresse = strawberry.field(  # type: ignore[attr-defined]
    default=UNSET, deprecation_reason=LOCKED_REASON, description="FINESS-owned; never writable here."
)

EtablissementInputType = strawberry.input(
    _EtablissementFields,
    name="EtablissementInput",
    description="Declared fields of an établissement; omitted fields are left unchanged, lists are replaced.",
)


@strawberry.input(name="HoraireInput", description="An opening slot.")
class HoraireInputType:
    jour: int = strawberry.field(description="ISO weekday: 1 lundi … 7 dimanche.")
    heure_debut: time = strawberry.field(description="Start time (local).")
    heure_fin: time = strawberry.field(description="End time (local), after the start.")
    type_code: str | None = strawberry.field(default="02", description="Slot type (TRE_R252), 02 = opening hours.")
    date_debut_effective: date | None = strawberry.field(
        default=None, description="First day of an exceptional period."
    )
    date_fin_effective: date | None = strawberry.field(default=None, description="Last day of an exceptional period.")


@strawberry.input(name="CapaciteInput", description="One capacity measure of a lieu.")
class CapaciteInputType:
    nature_code: str = strawberry.field(description="Nature (TRE_R329): 01 lit, 02 place, 03 logement.")
    statut_code: str = strawberry.field(
        description="Statut (TRE_R330): 01 installé, 02 disponible... (08/09 are FINESS)."
    )
    nombre: int = strawberry.field(description="Count, ≥ 0.")
    temporalite_code: str = strawberry.field(default="01", description="Temporality (TRE_R331), 01 courant.")
    genre_code: str | None = strawberry.field(default=None, description="Gender (TRE_R332).")
    affectation_code: str = strawberry.field(default="01", description="Temporary assignment (TRE_R337), 01 aucune.")
    type_fermeture_code: str | None = strawberry.field(
        default=None, description="Closing type (TRE_R333), with statut 05."
    )
    type_lit_code: str | None = strawberry.field(default=None, description="Extra-bed type (TRE_R334), with statut 06.")
    source_code: str = strawberry.field(default="01", description="Source (TRE_R335), 01 saisie manuelle.")


@strawberry.input(name="EquipementLimiteInput", description="A limit the most tolerant device of the type bears.")
class EquipementLimiteInputType:
    caracteristique_code: str = strawberry.field(description="Characteristic (TRE_R340).")
    valeur: float = strawberry.field(description="Limit value.")
    unite: str = strawberry.field(description="UCUM unit, e.g. kg.")


@strawberry.input(name="EquipementInput", description="A specific equipment of a lieu.")
class EquipementInputType:
    type_code: str = strawberry.field(description="Equipment (TRE_R212).")
    nombre_en_service: int | None = strawberry.field(default=None, description="Quantity in service.")
    limites: list[EquipementLimiteInputType] = strawberry.field(default_factory=list, description="Its limits.")


@strawberry.input(name="HabitationInput", description="Residential capacity of a lieu.")
class HabitationInputType:
    type_code: str = strawberry.field(description="Housing type (TRE_R242).")
    nombre: int | None = strawberry.field(default=None, description="Number of such housings.")


@strawberry.input(
    name="LieuInput", description="A lieu of the offer: `id` of an existing lieu of the EG, or a new one."
)
class LieuInputType:
    commune_code: str = strawberry.field(description="INSEE COG commune code (required).")
    id: int | None = strawberry.field(default=None, description="Existing lieu of the établissement to reuse.")
    nom: str | None = strawberry.field(default=None, description="Name of the lieu.")
    description: str | None = strawberry.field(default=None, description="How to get there.")
    fonction_code: str | None = strawberry.field(default=None, description="Function (TRE_R343).")
    statut_code: str | None = strawberry.field(default="3", description="Status (TRE_R203), 3 opérationnel.")
    numero_voie: str | None = strawberry.field(default=None, description="Street number.")
    type_voie: str | None = strawberry.field(default=None, description="Street type.")
    libelle_voie: str | None = strawberry.field(default=None, description="Street name.")
    complement_voie: str | None = strawberry.field(default=None, description="Address complement.")
    lieu_dit: str | None = strawberry.field(default=None, description="Lieu-dit.")
    code_postal: str | None = strawberry.field(default=None, description="Postal code.")
    libelle_acheminement: str | None = strawberry.field(default=None, description="Postal town.")
    latitude: float | None = strawberry.field(default=None, description="Latitude (WGS84).")
    longitude: float | None = strawberry.field(default=None, description="Longitude (WGS84).")
    capacites: list[CapaciteInputType] = strawberry.field(default_factory=list, description="Capacities (replaced).")
    equipements: list[EquipementInputType] = strawberry.field(
        default_factory=list, description="Equipments (replaced)."
    )
    habitations: list[HabitationInputType] = strawberry.field(default_factory=list, description="Housings (replaced).")


@strawberry.input(name="UniteAttributsInput", description="Optional declared attributes shared by offer inputs.")
class _UniteOptional:
    type_offre_code: str | None = strawberry.field(default=UNSET, description="Type d'offre (JDV_J238).")
    temporalite_code: str | None = strawberry.field(default=UNSET, description="Temporalité d'accueil (TRE_R240).")
    soins_sans_consentement: bool | None = strawberry.field(
        default=UNSET, description="Habilitation aux soins sans consentement."
    )
    secteur_psychiatrique: str | None = strawberry.field(default=UNSET, description="Psychiatric sector label.")
    commentaire: str | None = strawberry.field(default=UNSET, description="Free comment.")
    actes_specifiques: list[str] | None = strawberry.field(default=UNSET, description="Actes spécifiques (TRE_R210).")
    actes_hors_cabinet: list[str] | None = strawberry.field(
        default=UNSET, description="Actes réalisés hors cabinet (TRE_R210)."
    )
    specialisations: list[str] | None = strawberry.field(default=UNSET, description="Spécialisations (TRE_R245).")
    competences: list[str] | None = strawberry.field(default=UNSET, description="Compétences spécifiques (TRE_R243).")
    professions: list[str] | None = strawberry.field(default=UNSET, description="Professions ressources (TRE_R356).")
    expertises: list[str] | None = strawberry.field(default=UNSET, description="Niveaux d'expertise (TRE_R344).")
    publics: list[str] | None = strawberry.field(default=UNSET, description="Publics pris en charge (TRE_R239).")
    modalites_accueil: list[str] | None = strawberry.field(default=UNSET, description="Modalités d'accueil (TRE_R338).")
    modes_gestion: list[str] | None = strawberry.field(default=UNSET, description="Modes de gestion (TRE_R236).")
    horaires: list[HoraireInputType] | None = strawberry.field(default=UNSET, description="Opening slots (replaced).")
    contacts: list[ContactInputType] | None = strawberry.field(default=UNSET, description="Contacts (replaced).")
    zone_intervention: list[str] | None = strawberry.field(default=UNSET, description="COG communes served (replaced).")
    lieux: list[LieuInputType] | None = strawberry.field(
        default=UNSET, description="Lieux with their resources (replaced)."
    )


@strawberry.input(name="CreerUniteInput", description="A new offer: the required pieces plus any declared attribute.")
class CreerUniteInputType(_UniteOptional):
    nom: str = strawberry.field(description="Dénomination of the offer.")
    champ_activite_code: str = strawberry.field(description="Champ d'activité (TRE_R227).")
    mode_prise_en_charge_code: str = strawberry.field(description="Mode de prise en charge (TRE_R213).")
    activites: list[str] = strawberry.field(description="Activités opérationnelles (TRE_R211), at least one.")
    age_min: int = strawberry.field(description="Youngest age accepted (years, inclusive).")
    age_max: int = strawberry.field(description="Oldest age accepted (years, inclusive).")
    unite_sensible: bool = strawberry.field(description="Sensitive unit: hidden below the regulation profile.")


@strawberry.input(name="ModifierUniteInput", description="Changes of an offer; omitted fields are left unchanged.")
class ModifierUniteInputType(_UniteOptional):
    nom: str | None = strawberry.field(default=UNSET, description="Dénomination of the offer.")
    champ_activite_code: str | None = strawberry.field(default=UNSET, description="Champ d'activité (TRE_R227).")
    mode_prise_en_charge_code: str | None = strawberry.field(
        default=UNSET, description="Mode de prise en charge (TRE_R213)."
    )
    activites: list[str] | None = strawberry.field(default=UNSET, description="Activités opérationnelles (TRE_R211).")
    age_min: int | None = strawberry.field(default=UNSET, description="Youngest age accepted.")
    age_max: int | None = strawberry.field(default=UNSET, description="Oldest age accepted.")
    unite_sensible: bool | None = strawberry.field(default=UNSET, description="Sensitive unit.")


__all__ = ["JSON"]
