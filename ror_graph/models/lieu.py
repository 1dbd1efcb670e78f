"""Lieu de réalisation (FHIR Location) and the resources measured on it.

Capacities are time-stamped measures (nature × statut × temporalité × genre × affectation), not
plain numbers; equipment limits keep the most tolerant device's value with a UCUM unit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from ror_graph.models.base import Address, Stamped, utcnow


class Lieu(Address, Stamped, table=True):
    """A place where offers are delivered; belongs to an établissement, needs a COG commune."""

    # (latitude, longitude, id): the bounding box of a FHIR ``near`` search is answered from the index
    # alone, ids included (PostgreSQL index-only scan; SQLite keeps the rowid in every index anyway).
    __table_args__ = (Index("ix_lieu_position", "latitude", "longitude", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    etablissement_id: int = Field(foreign_key="etablissement.id", index=True)
    nom: str | None = Field(default=None, max_length=300)
    description: str | None = Field(default=None, max_length=2000)
    fonction_code: str | None = Field(default=None, max_length=10)
    statut_code: str = Field(default="3", max_length=2, description="TRE_R203; 3 = opérationnel.")
    latitude: float | None = None
    longitude: float | None = None
    id_externe_synchro: str | None = Field(default=None, max_length=100)


class Capacite(SQLModel, table=True):
    """One capacity measure of a lieu (e.g. 40 installed permanent places, updated at ...)."""

    id: int | None = Field(default=None, primary_key=True)
    lieu_id: int = Field(foreign_key="lieu.id", index=True, ondelete="CASCADE")
    nature_code: str = Field(max_length=2)
    statut_code: str = Field(max_length=2)
    temporalite_code: str = Field(default="01", max_length=2)
    genre_code: str | None = Field(default=None, max_length=2)
    affectation_code: str = Field(default="01", max_length=2)
    type_fermeture_code: str | None = Field(default=None, max_length=2)
    type_lit_code: str | None = Field(default=None, max_length=2)
    source_code: str = Field(default="01", max_length=2)
    nombre: int = Field(ge=0)
    updated_at: datetime = Field(default_factory=utcnow)


class Equipement(SQLModel, table=True):
    """A specific (discriminating) equipment available on a lieu, with its count in service."""

    id: int | None = Field(default=None, primary_key=True)
    lieu_id: int = Field(foreign_key="lieu.id", index=True, ondelete="CASCADE")
    type_code: str = Field(max_length=10)
    nombre_en_service: int | None = Field(default=None, ge=0)


class EquipementLimite(SQLModel, table=True):
    """A limit the most tolerant equipment of its type can bear (e.g. max weight 250 kg)."""

    __tablename__ = "equipement_limite"

    id: int | None = Field(default=None, primary_key=True)
    equipement_id: int = Field(foreign_key="equipement.id", index=True, ondelete="CASCADE")
    caracteristique_code: str = Field(max_length=10, description="TRE_R340.")
    valeur: float
    unite: str = Field(max_length=20, description="UCUM unit, e.g. kg, cm.")


class Habitation(SQLModel, table=True):
    """Residential capacity of a lieu: type (TRE_R242 chambre simple, F1...) × number."""

    id: int | None = Field(default=None, primary_key=True)
    lieu_id: int = Field(foreign_key="lieu.id", index=True, ondelete="CASCADE")
    type_code: str = Field(max_length=2)
    nombre: int | None = Field(default=None, ge=0)
