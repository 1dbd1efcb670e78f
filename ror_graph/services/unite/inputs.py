"""Typed inputs of the offer writes (and of the contacts the EG shares): one model per write.

The GraphQL inputs (``schema.mutation_inputs``) and the back-office forms are built from these
models, so a field is declared once. Patch inputs (``UniteUpdate``) default every field to ``None``
and the services read ``model_fields_set``: an absent field is unchanged, an explicit null clears.

The multi-valued coded attributes of an offer come from ONE mapping, ``CODED_LISTS``: the list
fields of ``UniteCreate``/``UniteUpdate`` and the write service's storage are both built from it.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from pydantic import Field, create_model

from ror_graph.models import registry
from ror_graph.models.coded import UNITE_ATTRIBUTE_SYSTEMS, UniteAttribute
from ror_graph.models.registry.spec import Entity
from ror_graph.services.core.write import IsoDate, IsoTime, PatchInput, WriteInput


class CodedList(NamedTuple):
    """A multi-valued coded attribute of an offer: its ``UniteCode.attribute`` and its description."""

    attribute: UniteAttribute
    description: str


# Derived from the attribute registry (``models.registry``): a new multi-valued attribute declared
# there is writable through GraphQL, the back office and the service with no edit here.
CODED_LISTS: dict[str, CodedList] = {
    m.input_name: CodedList(UniteAttribute(m.attribute), m.description) for m in registry.unite_multi_coded()
}
ATTRIBUTE_SYSTEMS = {key: UNITE_ATTRIBUTE_SYSTEMS[item.attribute] for key, item in CODED_LISTS.items()}


class TelecomInput(WriteInput):
    """One phone number / e-mail / URL; canal (JDV_J225) and confidentiality (1..3) are required."""

    canal_code: str = Field(description="Canal (JDV_J225): 1 mobile, 2 fixe, 3 e-mail, 8 alerte, 9 mail d'alerte.")
    valeur: str = Field(description="The number, address or URL.")
    confidentialite: int = Field(description="Level 1 public, 2 professionals, 3 regulation (TRE_R283).")
    utilisation: str | None = Field(default=None, description="How it is used (free text).")


class ContactInput(WriteInput):
    """One contact point with its telecoms (nature JDV_J221, e.g. 06 standard, 10 direction)."""

    id: int | None = Field(default=None, description=(
        "Identifier of the contact you read, when you edit it: its telecoms above your level are kept."))
    nature_code: str | None = Field(default=None,
                                    description="Nature (JDV_J221): 06 standard, 10 direction, 13 alerte H24...")
    nom: str | None = Field(default=None, description="Name of the person or service.")
    fonction: str | None = Field(default=None, description="Function of the person.")
    description: str | None = Field(default=None, description="Free description.")
    confidentialite: int | None = Field(default=None, description="Level 1..3 of the contact (required on offers).")
    telecoms: list[TelecomInput] = Field(default=[], description="Its telecoms.")


class HoraireInput(WriteInput):
    """One opening slot: ``jour`` 1 = lundi … 7 = dimanche, ``heure_debut`` < ``heure_fin``."""

    jour: int = Field(description="ISO weekday: 1 lundi … 7 dimanche.")
    heure_debut: IsoTime = Field(description="Start time (local).")
    heure_fin: IsoTime = Field(description="End time (local), after the start.")
    type_code: str | None = Field(default="02", description="Slot type (TRE_R252), 02 = opening hours.")
    date_debut_effective: IsoDate | None = Field(default=None, description="First day of an exceptional period.")
    date_fin_effective: IsoDate | None = Field(default=None, description="Last day of an exceptional period.")


class CapaciteInput(WriteInput):
    """One capacity measure: nature (TRE_R329) × statut (TRE_R330) × temporalité (TRE_R331) → nombre."""

    nature_code: str = Field(description="Nature (TRE_R329): 01 lit, 02 place, 03 logement.")
    statut_code: str = Field(description="Statut (TRE_R330): 01 installé, 02 disponible... (08/09 are FINESS).")
    nombre: int = Field(description="Count, ≥ 0.")
    temporalite_code: str = Field(default="01", description="Temporality (TRE_R331), 01 courant.")
    genre_code: str | None = Field(default=None, description="Gender (TRE_R332).")
    affectation_code: str = Field(default="01", description="Temporary assignment (TRE_R337), 01 aucune.")
    type_fermeture_code: str | None = Field(default=None, description="Closing type (TRE_R333), with statut 05.")
    type_lit_code: str | None = Field(default=None, description="Extra-bed type (TRE_R334), with statut 06.")
    source_code: str = Field(default="01", description="Source (TRE_R335), 01 saisie manuelle.")


class EquipementLimiteInput(WriteInput):
    """A limit the most tolerant device of the type bears."""

    caracteristique_code: str = Field(description="Characteristic (TRE_R340).")
    valeur: float = Field(description="Limit value.")
    unite: str = Field(description="UCUM unit, e.g. kg.")


class EquipementInput(WriteInput):
    """A specific equipment (TRE_R212) with the quantity in service and its limits."""

    type_code: str = Field(description="Equipment (TRE_R212).")
    nombre_en_service: int | None = Field(default=None, description="Quantity in service.")
    limites: list[EquipementLimiteInput] = Field(default=[], description="Its limits.")


class HabitationInput(WriteInput):
    """Residential capacity of a lieu."""

    type_code: str = Field(description="Housing type (TRE_R242).")
    nombre: int | None = Field(default=None, description="Number of such housings.")


class LieuInput(WriteInput):
    """A lieu of the offer: ``id`` of an existing lieu of the same EG, or none to create one."""

    commune_code: str = Field(description="INSEE COG commune code (required).")
    id: int | None = Field(default=None, description="Existing lieu of the établissement to reuse.")
    nom: str | None = Field(default=None, description="Name of the lieu.")
    description: str | None = Field(default=None, description="How to get there.")
    fonction_code: str | None = Field(default=None, description="Function (TRE_R343).")
    statut_code: str | None = Field(default="3", description="Status (TRE_R203), 3 opérationnel.")
    numero_voie: str | None = Field(default=None, description="Street number.")
    type_voie: str | None = Field(default=None, description="Street type.")
    libelle_voie: str | None = Field(default=None, description="Street name.")
    complement_voie: str | None = Field(default=None, description="Address complement.")
    lieu_dit: str | None = Field(default=None, description="Lieu-dit.")
    code_postal: str | None = Field(default=None, description="Postal code.")
    libelle_acheminement: str | None = Field(default=None, description="Postal town.")
    latitude: float | None = Field(default=None, description="Latitude (WGS84).")
    longitude: float | None = Field(default=None, description="Longitude (WGS84).")
    capacites: list[CapaciteInput] = Field(default=[], description="Capacities (replaced).")
    equipements: list[EquipementInput] = Field(default=[], description="Equipments (replaced).")
    habitations: list[HabitationInput] = Field(default=[], description="Housings (replaced).")


# The required pieces of an offer (national model): required at creation, optional in a patch.
REQUIRED_FIELDS: dict[str, tuple[Any, str]] = {
    "nom": (str, "Dénomination of the offer."),
    "champ_activite_code": (str, "Champ d'activité (TRE_R227)."),
    "mode_prise_en_charge_code": (str, "Mode de prise en charge (TRE_R213)."),
    "age_min": (int, "Youngest age accepted (years, inclusive)."),
    "age_max": (int, "Oldest age accepted (years, inclusive)."),
    "unite_sensible": (bool, "Sensitive unit: hidden below the regulation profile."),
}
OPTIONAL_FIELDS: dict[str, tuple[Any, str]] = {
    **{a.column: (str, a.description) for a in registry.declared_coded_columns(Entity.unite)
       if a.column and a.column not in REQUIRED_FIELDS},
    "soins_sans_consentement": (bool, "Habilitation aux soins sans consentement."),
    "secteur_psychiatrique": (str, "Psychiatric sector label."),
    "commentaire": (str, "Free comment."),
    **{key: (list[str], item.description) for key, item in CODED_LISTS.items() if key != "activites"},
    "horaires": (list[HoraireInput], "Opening slots (replaced)."),
    "contacts": (list[ContactInput], "Contacts: replace the ones you can see (others are kept)."),
    "zone_intervention": (list[str], "COG communes served (replaced)."),
    "lieux": (list[LieuInput], "Lieux with their resources (replaced)."),
}


def _optional(fields: dict[str, tuple[Any, str]]) -> dict[str, Any]:
    return {name: (kind | None, Field(default=None, description=text)) for name, (kind, text) in fields.items()}


_CREATE_FIELDS: dict[str, Any] = {
    **{name: (kind, Field(description=text)) for name, (kind, text) in REQUIRED_FIELDS.items()},
    "activites": (list[str], Field(description=CODED_LISTS["activites"].description)),
    **_optional(OPTIONAL_FIELDS),
}
_UPDATE_FIELDS: dict[str, Any] = {
    **_optional(REQUIRED_FIELDS),
    "activites": (list[str] | None, Field(default=None, description="Activités opérationnelles (TRE_R211).")),
    **_optional(OPTIONAL_FIELDS),
}

if TYPE_CHECKING:
    # Built at runtime from the registry, so mypy cannot see their fields: as types they are
    # ``PatchInput`` subclasses (callers read them through ``model_dump``/``model_fields_set``).
    class UniteCreate(PatchInput):
        """A new offer: the required pieces plus any declared attribute."""

    class UniteUpdate(PatchInput):
        """Changes of an offer; omitted fields are left unchanged."""
else:
    UniteCreate = create_model(
        "UniteCreate", __base__=PatchInput, __doc__="A new offer: the required pieces plus any declared attribute.",
        **_CREATE_FIELDS,
    )
    UniteUpdate = create_model(
        "UniteUpdate", __base__=PatchInput, __doc__="Changes of an offer; omitted fields are left unchanged.",
        **_UPDATE_FIELDS,
    )


class UniteClosure(WriteInput):
    """Closing an offer: date, TRE_R286 type, planned reopening (PRO only) and why."""

    date_fermeture: date = Field(description="Closing date.")
    type_fermeture_code: str = Field(description="Closing type (TRE_R286): DEF, PRO...")
    date_reouverture_prevue: date | None = Field(default=None, description="Planned reopening date (PRO only).")
    motif: str | None = Field(default=None, description="Why the offer closes (kept in the history).")
