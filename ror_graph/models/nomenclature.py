"""Reference data: NOS nomenclatures and the French geography (régions, départements, communes)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel, UniqueConstraint


class Nomenclature(SQLModel, table=True):
    """One code of a national nomenclature (TRE or JDV), e.g. (``TRE_R211-…``, ``183``)."""

    __table_args__ = (UniqueConstraint("system", "code", name="uq_nomenclature_system_code"),)

    id: int | None = Field(default=None, primary_key=True)
    system: str = Field(max_length=80, index=True)
    code: str = Field(max_length=20)
    label: str = Field(max_length=500)
    short_label: str | None = Field(default=None, max_length=200)
    status: str = Field(default="active", max_length=20, description="active | deprecated")
    writable: bool = Field(default=True, description="In the ROR value set and not deprecated: accepted on write.")
    date_fin: date | None = None
    extra: str | None = Field(default=None, description="Other CSV columns as JSON (perimeter, source system...).")


class Region(SQLModel, table=True):
    """INSEE région (COG), e.g. 52 Pays de la Loire; also the prefix of offer identifiers."""

    code: str = Field(primary_key=True, max_length=3)
    nom: str = Field(max_length=100)


class Departement(SQLModel, table=True):
    """INSEE département (COG): 2 characters, 3 overseas (971…976), 2A/2B in Corsica."""

    code: str = Field(primary_key=True, max_length=3)
    nom: str = Field(max_length=100)
    region_code: str = Field(foreign_key="region.code", max_length=3, index=True)


class Commune(SQLModel, table=True):
    """A commune of the INSEE COG (5 characters; not the postal code), with its centre when known."""

    code: str = Field(primary_key=True, max_length=5)
    nom: str = Field(max_length=100, index=True)
    departement_code: str = Field(max_length=3, index=True)
    region_code: str | None = Field(default=None, max_length=3, index=True)
    codes_postaux: str = Field(default="", max_length=200, description="Space-separated postal codes.")
    population: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    position_precision: str | None = Field(
        default=None, max_length=10,
        description="How the centre was placed: reelle (gazetteer), finess (its establishments), approchee.")
