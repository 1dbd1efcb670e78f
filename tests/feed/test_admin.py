"""Back office: an admin sets a client's regions and webhook (secret shown once), sees its lag, and retries
a pending webhook delivery."""

from __future__ import annotations

import httpx
from sqlmodel import select

from ror_graph.models import ApiClientFeed, WebhookDelivery, utcnow
from ror_graph.services.accounts.auth import create_api_client
from tests.admin.conftest import (  # noqa: F401  (fixtures)
    accounts,
    admin,
    admin_app,
    client,
    page_token,
    password_hash,
    settings,
    structures,
    support,
)


async def test_admin_configures_a_webhook_and_retries_a_delivery(admin: httpx.AsyncClient, session):  # noqa: F811
    # given an API client
    api_client, _token = await create_api_client(session, name="ViaTrajectoire", profile="professional")
    # when the admin gives it region 84 and a webhook
    response = await admin.post("/admin/api-client-feed/create", data={
        "client_id": str(api_client.id), "regions": "84", "webhook_url": "https://vt.example.org/ror",
        "save": "Save", "csrf_token": await page_token(admin)})
    # then the secret is shown once, stored for signing, and the listing shows the settings
    assert response.status_code == 200, response.text[:500]
    feed = (await session.exec(select(ApiClientFeed))).one()
    assert feed.regions == ["84"] and feed.webhook_secret and feed.webhook_secret in response.text
    listing = await admin.get("/admin/api-client-feed/list")
    assert "https://vt.example.org/ror" in listing.text and feed.webhook_secret not in listing.text
    # and a delivery that failed can be retried now from the delivery log
    session.add(WebhookDelivery(client_id=api_client.id, first_seq=1, last_seq=1, items=1, payload="{}",
                                attempts=3, last_error="ConnectError", next_attempt_at=utcnow().replace(year=2099)))
    await session.commit()
    log = await admin.get("/admin/webhook-delivery/list")
    assert "ConnectError" in log.text
    done = await admin.post("/admin/webhook-delivery/reessayer", data={"pks": "1",
                                                                       "csrf_token": await page_token(admin)})
    assert done.status_code == 303
    session.expire_all()
    assert (await session.get(WebhookDelivery, 1)).next_attempt_at.year < 2099


async def test_a_bad_webhook_url_is_refused(admin, session):  # noqa: F811
    api_client, _token = await create_api_client(session, name="x", profile="public")
    response = await admin.post("/admin/api-client-feed/create", data={
        "client_id": str(api_client.id), "regions": "", "webhook_url": "http://example.org/hook",
        "save": "Save", "csrf_token": await page_token(admin)})
    assert "HTTPS" in response.text
    assert (await session.exec(select(ApiClientFeed))).first() is None
