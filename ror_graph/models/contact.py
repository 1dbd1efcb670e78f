"""Contacts and their telecoms, each with its own confidentiality level (TRE_R283).

Levels: 1 public, 2 professionals, 3 regulation / crisis. A contact belongs to an EG or an offer;
a telecom's level is independent of its contact's, and the stricter of the two applies.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from ror_graph.models.base import Stamped


class Contact(Stamped, table=True):
    """A contact point (standard, direction, alerte...) of an établissement or an offer."""

    id: int | None = Field(default=None, primary_key=True)
    etablissement_id: int | None = Field(default=None, foreign_key="etablissement.id", index=True)
    unite_id: int | None = Field(default=None, foreign_key="unite.id", index=True)
    nom: str | None = Field(default=None, max_length=200)
    fonction: str | None = Field(default=None, max_length=200)
    nature_code: str | None = Field(default=None, max_length=10, description="JDV_J221 (06 standard...).")
    description: str | None = Field(default=None, max_length=1000)
    confidentialite: int = Field(default=1, ge=1, le=3)


class Telecom(SQLModel, table=True):
    """A phone number, e-mail or URL of a contact, with its channel (JDV_J225) and level."""

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True, ondelete="CASCADE")
    canal_code: str = Field(max_length=10)
    valeur: str = Field(max_length=300)
    utilisation: str | None = Field(default=None, max_length=100)
    confidentialite: int = Field(ge=1, le=3)
