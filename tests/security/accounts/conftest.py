"""Fixtures of the account-security tests: the real app (GraphQL + back office) over ASGI, accounts.

Reuses the back-office fixtures (accounts of each role with the password ``PASSWORD``, structures)
and adds HTTP clients seen from distinct client addresses, a GraphQL helper and cookie tools.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Account
from tests.admin import conftest as _admin
from tests.admin.conftest import PASSWORD, login  # noqa: F401 - re-exported for the tests

# The back-office fixtures, shared with this package.
settings, admin_app, client, structures = _admin.settings, _admin.admin_app, _admin.client, _admin.structures
password_hash, accounts, admin = _admin.password_hash, _admin.accounts, _admin.admin

NEW_PASSWORD = "a much longer new passphrase"
LOGIN = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { __typename " \
        "... on LoginPayload { token } ... on Error { code field message } " \
        "... on TooManyAttemptsError { retryAfter } } }"


@pytest.fixture
async def http_from(admin_app) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
    """An HTTP client factory: each client is seen by the app as coming from ``address`` (own cookies)."""
    opened: list[httpx.AsyncClient] = []

    def make(address: str = "10.0.0.1") -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=admin_app, client=(address, 40000))
        http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        opened.append(http)
        return http

    yield make
    for http in opened:
        await http.aclose()


@pytest.fixture
def api(http_from) -> httpx.AsyncClient:
    return http_from("10.0.0.1")


async def graphql(http: httpx.AsyncClient, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await http.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    return {"status": response.status_code, **response.json()}


async def api_login(http: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict:
    """The ``login`` mutation's result object (``__typename`` plus token or error)."""
    body = await graphql(http, LOGIN, {"e": email, "p": password})
    return body["data"]["login"]


def cookie_payload(http: httpx.AsyncClient) -> dict:
    """What the signed back-office cookie carries (the signature is not checked here)."""
    raw = http.cookies["ror_admin_session"]
    data = raw.split(".")[0]
    return json.loads(base64.b64decode(data + "=" * (-len(data) % 4)))


async def account_id(session: AsyncSession, email: str) -> int:
    return (await session.exec(select(Account.id).where(Account.email == email))).one()
