"""Webhooks: changes pushed to API clients, signed, in order, retried until acknowledged, never lost.

Two steps, each safe across processes:

1. **Enqueue** (``enqueue_deliveries``): the ``webhooks`` consumer of the event log (its own cursor and
   lease, ``services.events.consumers``) turns each batch of events into one ``WebhookDelivery`` per
   client with a webhook: the feed items *that client* sees (its profile through the visibility
   policy, its regions), the same JSON as the feed. The rows are written in the consumer's batch
   transaction; a batch redone after a lost lease skips the events a client already has (its highest
   ``last_seq``, and a unique (client, first seq)), so nothing is enqueued twice.
2. **Send** (``send_due``): per client, the oldest pending delivery is leased, POSTed and marked
   delivered on a 2xx answer; otherwise it stays first with ``attempts``, the status or error, and a
   growing delay (``backoff``). A client's next delivery never goes before the previous one was
   acknowledged: changes arrive in commit order, hence in order per entity. A receiver gets each
   delivery once unless it fails to answer after processing it; ``X-ROR-Delivery`` (the delivery id)
   lets it discard such a repeat.

Signature: ``X-ROR-Signature: sha256=<hex HMAC-SHA256 of the raw body with the client's secret>``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import ApiClient, ApiClientFeed, Consumer, Event, WebhookDelivery, utcnow
from ror_graph.services.accounts.auth import caller_for_profile
from ror_graph.services.clients.settings import record_read
from ror_graph.services.events.consumers import run_batch
from ror_graph.services.events.log import last_seq
from ror_graph.services.feed.changes import FeedFilter, items_for
from ror_graph.services.feed.cursor import issue

CONSUMER = "webhooks"
LEASE = timedelta(seconds=60)
TIMEOUT_SECONDS = 10.0
SIGNATURE_HEADER, DELIVERY_HEADER = "X-ROR-Signature", "X-ROR-Delivery"


def sign(secret: str, body: bytes) -> str:
    """The signature header value of ``body``: what a receiver recomputes with its secret to verify it."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> timedelta:
    """Delay before the next attempt after ``attempts`` failures: 1 s, 2 s, 4 s… capped at 5 minutes."""
    return timedelta(seconds=min(300.0, 2.0 ** max(0, attempts - 1)))


async def _subscribers(session: AsyncSession, now: datetime) -> list[tuple[ApiClient, ApiClientFeed, int]]:
    """Active clients with a webhook, each with the highest seq already enqueued for it."""
    done = (select(func.max(WebhookDelivery.last_seq)).where(col(WebhookDelivery.client_id) == ApiClient.id)
            .scalar_subquery())
    rows = await session.exec(
        select(ApiClient, ApiClientFeed, func.coalesce(done, 0))  # type: ignore[call-overload]
        .join(ApiClientFeed, col(ApiClientFeed.client_id) == ApiClient.id)
        .where(col(ApiClientFeed.webhook_url).is_not(None), col(ApiClient.revoked_at).is_(None),
               or_(col(ApiClient.expires_at).is_(None), col(ApiClient.expires_at) > now))
        .order_by(col(ApiClient.id)))
    return [tuple(row) for row in rows.all()]


async def enqueue_deliveries(session: AsyncSession, events: Sequence[Event], *, now: datetime | None = None) -> int:
    """Handler of the ``webhooks`` consumer: one delivery per subscribed client that sees something."""
    now, created = now or utcnow(), 0
    for client, feed, done in await _subscribers(session, now):
        batch = [e for e in events if (e.seq or 0) > done]
        if not batch:
            continue
        caller = caller_for_profile(client.profile, api_client_id=client.id)
        items = await items_for(session, caller, batch, FeedFilter().within(frozenset(feed.regions or ())), now)
        if not items:
            continue
        last = batch[-1].seq or 0
        payload = json.dumps({"cursor": issue(last, now), "changes": [i.as_json() for i in items]},
                             ensure_ascii=False, separators=(",", ":"))
        session.add(WebhookDelivery(client_id=client.id or 0, first_seq=batch[0].seq or 0, last_seq=last,
                                    items=len(items), payload=payload, next_attempt_at=now, created_at=now))
        created += 1
    await session.flush()
    return created


@dataclass
class SendReport:
    delivered: int = 0
    failed: int = 0


async def _claim_head(session: AsyncSession, client_id: int, owner: str, now: datetime) -> WebhookDelivery | None:
    """Lease the client's oldest pending delivery if it is due and free; ``None`` otherwise. Commits."""
    head = (await session.exec(select(WebhookDelivery).where(  # type: ignore[call-overload]
        col(WebhookDelivery.client_id) == client_id, col(WebhookDelivery.status) == "pending")
        .order_by(col(WebhookDelivery.first_seq)).limit(1))).scalars().first()
    if head is None or _aware(head.next_attempt_at) > now:
        await session.commit()
        return None
    conn = await session.connection()
    result = await conn.execute(update(WebhookDelivery).where(
        col(WebhookDelivery.id) == head.id, col(WebhookDelivery.status) == "pending",
        or_(col(WebhookDelivery.lease_owner).is_(None), col(WebhookDelivery.lease_expires_at) <= now,
            col(WebhookDelivery.lease_owner) == owner))
        .values(lease_owner=owner, lease_expires_at=now + LEASE))
    await session.commit()
    return head if result.rowcount == 1 else None


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def _post(http: httpx.AsyncClient, url: str, secret: str,
                delivery: WebhookDelivery) -> tuple[int | None, str | None]:
    """(HTTP status, error) of one attempt; an error is anything but a 2xx answer."""
    body = delivery.payload.encode()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body),
               DELIVERY_HEADER: str(delivery.id), "User-Agent": "ror-graph-webhooks"}
    try:
        response = await http.post(url, content=body, headers=headers, timeout=TIMEOUT_SECONDS)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:2000]
    return response.status_code, None if response.is_success else f"HTTP {response.status_code}"


async def _finish(session: AsyncSession, delivery: WebhookDelivery, owner: str, status: int | None,
                  error: str | None, now: datetime, delay: Callable[[int], timedelta]) -> None:
    attempts = delivery.attempts + 1
    values: dict[str, Any] = {"attempts": attempts, "last_status": status, "last_error": error,
                              "lease_owner": None, "lease_expires_at": None}
    if error is None:
        values.update(status="delivered", delivered_at=now)
    else:
        values.update(next_attempt_at=now + delay(attempts))
    conn = await session.connection()
    await conn.execute(update(WebhookDelivery).where(col(WebhookDelivery.id) == delivery.id,
                                                     col(WebhookDelivery.lease_owner) == owner).values(**values))
    await session.commit()


async def send_client(sessions: async_sessionmaker[AsyncSession], http: httpx.AsyncClient, client_id: int, *,
                      owner: str, delay: Callable[[int], timedelta] = backoff, limit: int = 100) -> SendReport:
    """Send client ``client_id``'s due deliveries in order, stopping at the first failure."""
    report = SendReport()
    async with sessions() as session:
        feed = await session.get(ApiClientFeed, client_id)
        if feed is None or not feed.webhook_url or not feed.webhook_secret:
            return report
        url, secret = feed.webhook_url, feed.webhook_secret
        await session.commit()
        for _ in range(limit):
            now = utcnow()
            delivery = await _claim_head(session, client_id, owner, now)
            if delivery is None:
                break
            status, error = await _post(http, url, secret, delivery)
            await _finish(session, delivery, owner, status, error, utcnow(), delay)
            if error:
                report.failed += 1
                break
            report.delivered += 1
            await record_read(session, client_id, delivery.last_seq)  # its position and lag, as for a reader
    return report


async def send_due(sessions: async_sessionmaker[AsyncSession], http: httpx.AsyncClient, *, owner: str,
                   delay: Callable[[int], timedelta] = backoff) -> SendReport:
    """One pass over every client with pending deliveries (clients in parallel, each in order)."""
    async with sessions() as session:
        conn = await session.connection()
        clients = list((await conn.execute(select(col(WebhookDelivery.client_id)).where(
            col(WebhookDelivery.status) == "pending").distinct())).scalars())
        await session.commit()
    reports = await asyncio.gather(*(send_client(sessions, http, c, owner=owner, delay=delay) for c in clients))
    return SendReport(sum(r.delivered for r in reports), sum(r.failed for r in reports))


async def start_consumer(session: AsyncSession) -> None:
    """Register the ``webhooks`` consumer at the end of the log if new: webhooks push what changes from
    the moment they exist (a client starts from a bulk export, whose cursor the feed follows)."""
    conn = await session.connection()
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    await conn.execute(insert(Consumer).values(name=CONSUMER, cursor=await last_seq(session), attempts=0,
                                               updated_at=utcnow()).on_conflict_do_nothing(index_elements=["name"]))
    await session.commit()


async def pump(sessions: async_sessionmaker[AsyncSession], http: httpx.AsyncClient, *, owner: str,
               batch_size: int = 200) -> SendReport:
    """Enqueue what the ``webhooks`` consumer has not seen yet, then send what is due (one worker round)."""
    while True:
        result = await run_batch(sessions, CONSUMER, owner, enqueue_deliveries, batch_size=batch_size,
                                 backoff=backoff)
        if result.error or len(result.events) < batch_size:
            break
    return await send_due(sessions, http, owner=owner)


async def retry_now(session: AsyncSession, ids: Sequence[int], *, now: datetime | None = None) -> int:
    """Make pending deliveries ``ids`` due at once (support's « Réessayer maintenant »); commits."""
    conn = await session.connection()
    result = await conn.execute(update(WebhookDelivery).where(
        col(WebhookDelivery.id).in_(list(ids)), col(WebhookDelivery.status) == "pending")
        .values(next_attempt_at=now or utcnow(), lease_owner=None, lease_expires_at=None))
    await session.commit()
    return result.rowcount or 0
