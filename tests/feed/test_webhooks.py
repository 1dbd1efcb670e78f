"""Webhooks to a real HTTP receiver that is down for a while: every change once, in order, signed, per profile."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from ror_graph.models import WebhookDelivery
from ror_graph.services.accounts.auth import create_api_client
from ror_graph.services.clients.settings import configure_feed
from ror_graph.services.core.changes import Actor
from ror_graph.services.core.errors import BadInputError
from ror_graph.services.events.consumers import run_batch
from ror_graph.services.feed.webhooks import CONSUMER, enqueue_deliveries, retry_now, send_due
from tests.feed.receiver import Receiver, free_port
from tests.feed.test_feed import SECRET_PHONE, patch
from tests.write.conftest import tel

ADMIN = Actor(name="admin@example.fr", role="admin", source="admin")
QUICK = lambda attempts: timedelta(milliseconds=20)  # noqa: E731  (backoff of the test: retry soon)


async def subscribe(session, world, name: str, profile: str, url: str, regions=()) -> tuple[int, str]:
    client, _token = await create_api_client(session, name=name, profile=profile)
    admin_account = world.callers["admin"]
    actor = Actor(name=admin_account.email, role="admin", source="admin", account_id=admin_account.account_id)
    _feed, secret = await configure_feed(session, actor=actor, client_id=client.id, regions=list(regions),
                                         webhook_url=url)
    assert secret
    return client.id, secret


async def pump(sessions, http, rounds: int = 1) -> None:
    """What the server's webhook worker does: move the consumer on, then send what is due."""
    for _ in range(rounds):
        while (await run_batch(sessions, CONSUMER, "test", enqueue_deliveries, batch_size=50)).events:
            pass
        await send_due(sessions, http, owner="test", delay=QUICK)
        await asyncio.sleep(0.03)


def verified(receiver: Receiver, secret: str) -> bool:
    return all(hmac.compare_digest(headers["X-ROR-Signature"],
                                   "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest())
               for headers, body in receiver.received)


async def test_receiver_down_for_a_while_still_gets_every_change_once(session, sessions, world):
    # given a public and a regulation client whose receivers are down
    public_rx, regulation_rx = Receiver(free_port()), Receiver(free_port())
    _, public_secret = await subscribe(session, world, "carte", "public", public_rx.url)
    _, regulation_secret = await subscribe(session, world, "samu", "regulation", regulation_rx.url)
    async with httpx.AsyncClient() as http:
        await pump(sessions, http)  # the consumer starts after the subscriptions
        # when 30 changes are made, one of them hides offer B, another adds a level-3 telecom
        for n in range(28):
            await patch(session, world, {"commentaire": f"c{n}"})
            await pump(sessions, http)
        await patch(session, world, {"contacts": [{"nature_code": "06", "nom": "Accueil", "confidentialite": 1,
                                                   "telecoms": [tel("2", SECRET_PHONE, 3)]}]})
        await patch(session, world, {"unite_sensible": True}, identifiant=world.unite_b)
        await pump(sessions, http, rounds=3)
        failed = (await session.exec(select(WebhookDelivery).where(WebhookDelivery.status == "pending"))).all()
        # then nothing is lost: each client's oldest delivery keeps failing, the next ones wait behind it
        heads = {d.client_id: d for d in sorted(failed, key=lambda d: -d.first_seq)}
        assert len(heads) == 2 and all(d.attempts >= 2 and d.last_error for d in heads.values())
        assert all(d.attempts == 0 for d in failed if d not in heads.values())
        await session.commit()
        # and the receivers come back
        public_rx.start()
        regulation_rx.start()
        try:
            for _ in range(200):
                await pump(sessions, http)
                pending = (await session.exec(select(WebhookDelivery).where(WebhookDelivery.status == "pending"))).all()
                await session.commit()
                if not pending:
                    break
        finally:
            public_rx.stop()
            regulation_rx.stop()
    # then each receiver got every change once, in commit order, with valid signatures
    for receiver, secret in ((public_rx, public_secret), (regulation_rx, regulation_secret)):
        changes = [c for c in receiver.changes() if c["entity"] == "unite"]
        cursors = [int(c["cursor"].split(".")[0]) for c in changes]
        assert cursors == sorted(set(cursors)) and verified(receiver, secret)
        versions = [c["version"] for c in changes if c["key"] == world.unite_a]
        assert versions == sorted(set(versions)) and len(versions) == 29
        assert len({h["X-ROR-Delivery"] for h, _b in receiver.received}) == len(receiver.received)
    # and the public client saw neither the level-3 telecom nor offer B's content after it was hidden
    public = [c for c in public_rx.changes() if c["entity"] == "unite"]
    assert SECRET_PHONE not in str(public_rx.received)
    assert [c["op"] for c in public if c["key"] == world.unite_b] == ["deleted"]
    assert SECRET_PHONE in str(regulation_rx.received)


async def test_retry_now_and_bad_settings(session, sessions, world):
    # given a client whose receiver is down and one failed delivery scheduled far away
    rx = Receiver(free_port())
    await subscribe(session, world, "carte", "public", rx.url)
    async with httpx.AsyncClient() as http:
        await pump(sessions, http)
        await patch(session, world, {"commentaire": "x"})
        while (await run_batch(sessions, CONSUMER, "t", enqueue_deliveries, batch_size=50)).events:
            pass
        await send_due(sessions, http, owner="t", delay=lambda attempts: timedelta(hours=1))
        delivery = (await session.exec(select(WebhookDelivery))).one()
        assert delivery.status == "pending" and delivery.attempts == 1
        await session.commit()
        # when the receiver is back, nothing goes before the delay… unless support retries now
        rx.start()
        try:
            assert (await send_due(sessions, http, owner="t")).delivered == 0
            assert await retry_now(session, [delivery.id]) == 1
            assert (await send_due(sessions, http, owner="t")).delivered == 1
        finally:
            rx.stop()
    assert len(rx.received) == 1
    # and the client's position is where its last delivery ended: no lag
    from ror_graph.services.clients.settings import position

    client_id = delivery.client_id
    session.expire_all()
    assert (await position(session, client_id)).lag == 0
    # and a webhook URL must be HTTPS (HTTP only to this machine), regions must exist
    for url, regions in (("http://example.org/hook", []), ("ftp://x", []), ("https://example.org/h", ["99"])):
        with pytest.raises(BadInputError):
            await subscribe(session, world, "bad", "public", url, regions)
