"""Signalements: the intake record of reports of wrong or missing information (public fiche, GraphQL).

Each report also opens an anomaly of source ``signalement`` (key ``signalement:<id>``): support works
it in the one queue, « Anomalies ». This row keeps what was received: the message, the optional reply
e-mail and the sender's address as a salted digest, which the throttle counts (never shown, never
exported). Its ``statut``/``closed_*`` columns predate the single queue and are no longer written:
the anomaly carries the state.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from ror_graph.models.base import utcnow

SIGNALEMENT_MIN_LENGTH = 10
# fits with the reply e-mail and the offer in the anomaly's message (2,000 characters)
SIGNALEMENT_MAX_LENGTH = 1500
# the column's width: reports of up to 2,000 characters were accepted before the single queue
STORED_MESSAGE_LENGTH = 2000
SIGNALEMENT_EMAIL_MAX_LENGTH = 254


class Signalement(SQLModel, table=True):
    """One report received about an établissement (or one of its offers)."""

    __tablename__ = "signalement"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    finess: str = Field(max_length=9, index=True, description="FINESS of the établissement concerned.")
    unite: str | None = Field(default=None, max_length=40, description="Identifier of the offer, if any.")
    message: str = Field(max_length=STORED_MESSAGE_LENGTH, description="What is wrong or missing.")
    email: str | None = Field(default=None, max_length=SIGNALEMENT_EMAIL_MAX_LENGTH,
                              description="Optional reply address of the sender.")
    address_digest: str = Field(max_length=64, index=True, description="Salted SHA-256 of the client address.")
    statut: str = Field(default="ouvert", max_length=10, index=True, description="ouvert | clos")
    closed_at: datetime | None = None
    closed_by: str | None = Field(default=None, max_length=200)
