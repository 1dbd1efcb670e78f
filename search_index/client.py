"""The one way this project opens a Meilisearch connection (search, outbox worker, reindex).

Responses are asked for uncompressed (``Accept-Encoding: identity``). By default the HTTP client
accepts gzip, and Meilisearch then streams a compressed response in chunks: the last small chunk
waits for the ACK of the previous one (Nagle on the server's socket, delayed ACK on ours), which
added a steady ~40 ms to every search page and every task poll — more than Meilisearch's own
processing time. Meilisearch runs next to the app (loopback or LAN), where compression saves
nothing worth that; measured in ``bench/search.py``.
"""

from __future__ import annotations

import httpx
import httpx2
from meilisearch_python_sdk import AsyncClient
from meilisearch_python_sdk.errors import MeilisearchError

NO_COMPRESSION = {"Accept-Encoding": "identity"}


def meili_client(url: str, key: str | None, *, timeout: int = 10) -> AsyncClient:
    """A Meilisearch client with one keep-alive connection pool; close it with ``aclose()``."""
    return AsyncClient(url, key or None, timeout=timeout, custom_headers=dict(NO_COMPRESSION))


# What a search call raises when Meilisearch is down or answers an error: the SDK's own errors and the
# transport errors of httpx2 (the SDK's HTTP client), plus httpx's for callers using it directly.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (MeilisearchError, httpx2.HTTPError, httpx.HTTPError)
