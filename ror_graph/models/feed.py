"""How API clients consume the directory: their feed settings and position, and webhook deliveries.

* ``ApiClientFeed``: per API client, the regions it is limited to, its webhook (HTTPS URL and the
  HMAC secret that signs each delivery), and the last feed position it read (for its lag).
* ``WebhookDelivery``: one batch of changes for one client, written by the ``webhooks`` consumer of the
  event log in its own transaction (the outbox of the push), then POSTed in order, retried with backoff
  until the receiver answers 2xx; never deleted while pending.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel, UniqueConstraint

from ror_graph.models.base import utcnow


class ApiClientFeed(SQLModel, table=True):
    """The feed side of one API client (absent: no region limit, no webhook, never read)."""

    __tablename__ = "api_client_feed"

    client_id: int = Field(foreign_key="api_client.id", primary_key=True, ondelete="CASCADE")
    regions: list[str] | None = Field(default=None, sa_column=Column(JSON), description="COG region codes; "
                                      "empty: the whole country.")
    webhook_url: str | None = Field(default=None, max_length=500)
    webhook_secret: str | None = Field(default=None, max_length=100, description="HMAC-SHA256 key of deliveries.")
    last_seq: int | None = Field(default=None, description="Feed position of the client's last read.")
    last_read_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class WebhookDelivery(SQLModel, table=True):
    """One signed POST of a batch of changes to one client, until it is acknowledged."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (UniqueConstraint("client_id", "first_seq", name="uq_webhook_delivery_batch"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="api_client.id", index=True, ondelete="CASCADE")
    first_seq: int = Field(description="First event seq of the batch (orders a client's deliveries).")
    last_seq: int
    items: int = Field(default=0, description="Changes in the batch.")
    payload: str = Field(description="The JSON body, signed and sent as is on every attempt.")
    status: str = Field(default="pending", max_length=12, index=True, description="pending | delivered")
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    lease_owner: str | None = Field(default=None, max_length=120)
    lease_expires_at: datetime | None = None
    last_status: int | None = Field(default=None, description="HTTP status of the last attempt.")
    last_error: str | None = Field(default=None, max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None
