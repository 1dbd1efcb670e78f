"""Entité juridique (EJ, FINESS "PM") and établissement (EG, FINESS "ET") with their FINESS data.

Columns built with ``finess_field`` are owned by FINESS and locked for referents; the rest is
declared by the structure. ``Etablissement`` also carries the description-validation state
required by décret 2023-1057 (yearly check).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Field, SQLModel, UniqueConstraint

from ror_graph.models.base import Address, Stamped, finess_field, table_of


class EntiteJuridique(Address, Stamped, table=True):
    """Legal entity (entité juridique / personne morale) identified by its FINESS PM number."""

    __tablename__ = "entitejuridique"

    id: int | None = Field(default=None, primary_key=True)
    finess: str = finess_field(max_length=9, unique=True, index=True)
    raison_sociale: str = finess_field(max_length=300)
    raison_sociale_longue: str | None = finess_field(max_length=500)
    statut_juridique_code: str | None = finess_field(max_length=10)
    siren: str | None = finess_field(max_length=9, index=True)
    telephone: str | None = finess_field(max_length=30)
    date_creation: date | None = finess_field()
    date_fermeture: date | None = finess_field()
    type_fermeture_code: str | None = finess_field(max_length=10)
    placeholder: bool = Field(default=False, description="Created for an EG whose EJ FINESS has not sent yet.")
    finess_updated_at: datetime | None = None


class Etablissement(Address, Stamped, table=True):
    """Établissement (entité géographique, EG), the level at which offers are described."""

    __tablename__ = "etablissement"

    id: int | None = Field(default=None, primary_key=True)
    finess: str = finess_field(max_length=9, unique=True, index=True)
    entite_juridique_id: int = Field(foreign_key="entitejuridique.id", index=True)
    raison_sociale: str = finess_field(max_length=300, description="Dénomination FINESS (nomEgeCourt / rs).")
    raison_sociale_longue: str | None = finess_field(max_length=500)
    complement_denomination: str | None = finess_field(max_length=300)
    categorie_code: str | None = finess_field(max_length=10, index=True)
    siret: str | None = finess_field(max_length=14, index=True)
    telephone: str | None = finess_field(max_length=30)
    telecopie: str | None = finess_field(max_length=30)
    courriel: str | None = finess_field(max_length=200)
    latitude: float | None = finess_field()
    longitude: float | None = finess_field()
    departement_code: str | None = finess_field(max_length=3, index=True)
    region_code: str | None = finess_field(max_length=3, index=True)
    date_ouverture: date | None = finess_field()
    date_fermeture: date | None = finess_field()
    type_fermeture_code: str | None = finess_field(max_length=10)
    ferme: bool = finess_field(default=False, index=True)
    espic_code: str | None = finess_field(max_length=10)
    finess_updated_at: datetime | None = None

    # Declared by the structure (référent), validated by its director.
    nom_operationnel: str | None = Field(default=None, max_length=300)
    hebergement_famille: bool | None = None
    nb_place_aide_sociale_permanent: int | None = None
    nb_place_aide_sociale_temporaire: int | None = None
    accessibilite_code: str | None = Field(default=None, max_length=10)
    # Visible to the regulation profile only (registry confidentiality 3).
    niveau_recours_orsan_code: str | None = Field(default=None, max_length=10, description="TRE_R284.")
    zone_poser: bool | None = Field(default=None, description="Helicopter landing zone on site.")
    commentaire: str | None = Field(default=None, max_length=4000)

    # Description lifecycle (décret 2023-1057): modified → to validate → validated, yearly.
    statut_description: str = Field(default="a_completer", max_length=20, index=True)
    derniere_modification_at: datetime | None = None
    derniere_modification_par: str | None = Field(default=None, max_length=200)
    derniere_validation_at: datetime | None = Field(default=None, index=True)
    derniere_validation_par: str | None = Field(default=None, max_length=200)


# Whole-column address fields inherited from Address are FINESS-owned on EJ/EG (they come from FINESS).
for _model in (EntiteJuridique, Etablissement):
    for _name in Address.model_fields:
        table_of(_model).columns[_name].info["finess_owned"] = True


class EtablissementCode(SQLModel, table=True):
    """A multi-valued coded attribute of an EG (aide financière TRE_R241...)."""

    __tablename__ = "etablissement_code"
    __table_args__ = (UniqueConstraint("etablissement_id", "attribute", "code", name="uq_eg_code"),)

    id: int | None = Field(default=None, primary_key=True)
    etablissement_id: int = Field(foreign_key="etablissement.id", index=True, ondelete="CASCADE")
    attribute: str = Field(max_length=40)
    system: str = Field(max_length=80)
    code: str = Field(max_length=20)


class Tarif(Stamped, table=True):
    """A declared EG tariff (forfait socle, dépendance per GIR level, accueil de jour...)."""

    id: int | None = Field(default=None, primary_key=True)
    etablissement_id: int = Field(foreign_key="etablissement.id", index=True, ondelete="CASCADE")
    type_code: str = Field(max_length=10, description="TRE_R246-TypeTarif.")
    montant: Decimal = Field(max_digits=10, decimal_places=2)
    unite_prix: str | None = Field(default=None, max_length=20, description="TRE_R228 unit (per day, per hour...).")
    date_debut: date | None = None
    moins_de_60_ans: bool = False
    type_habitation_code: str | None = Field(default=None, max_length=10)
    temporalite_code: str | None = Field(default=None, max_length=10)
    condition_code: str | None = Field(default=None, max_length=10)
    niveau_dependance_code: str | None = Field(default=None, max_length=10)


class CapaciteFiness(SQLModel, table=True):
    """FINESS authorised (09) / installed (08) capacity of an EG per discipline × activité × clientèle."""

    __tablename__ = "capacite_finess"

    id: int | None = Field(default=None, primary_key=True)
    etablissement_id: int = Field(foreign_key="etablissement.id", index=True, ondelete="CASCADE")
    discipline_code: str | None = Field(default=None, max_length=10)
    activite_code: str | None = Field(default=None, max_length=10)
    clientele_code: str | None = Field(default=None, max_length=10)
    statut_code: str = Field(max_length=2, description="TRE_R330: 09 Autorisé, 08 Installé constaté.")
    nombre: int
    age_min: int | None = None
    age_max: int | None = None
    date_autorisation: date | None = None
