"""Signalements: reports of wrong or missing information sent by the public from a fiche.

The public site's « Signaler une information erronée ou manquante » lands here; the support team
works the queue in the back office (Suivi → Signalements) and closes each item. The sender's address
is kept only as a salted digest, for throttling (never shown, never exported).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from ror_graph.models.base import utcnow

SIGNALEMENT_MAX_LENGTH = 2000
SIGNALEMENT_EMAIL_MAX_LENGTH = 254


class Signalement(SQLModel, table=True):
    """One report about an établissement (or one of its offers), open until support closes it."""

    __tablename__ = "signalement"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    finess: str = Field(max_length=9, index=True, description="FINESS of the établissement concerned.")
    unite: str | None = Field(default=None, max_length=40, description="Identifier of the offer, if any.")
    message: str = Field(max_length=SIGNALEMENT_MAX_LENGTH, description="What is wrong or missing.")
    email: str | None = Field(default=None, max_length=SIGNALEMENT_EMAIL_MAX_LENGTH,
                              description="Optional reply address of the sender.")
    address_digest: str = Field(max_length=64, index=True, description="Salted SHA-256 of the client address.")
    statut: str = Field(default="ouvert", max_length=10, index=True, description="ouvert | clos")
    closed_at: datetime | None = None
    closed_by: str | None = Field(default=None, max_length=200)
