"""Relay-style connections over keyset pages: opaque cursors, ``pageInfo``, a lazily computed ``totalCount``."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ror_graph.services.core.errors import BadInputError
from ror_graph.services.directory.pages import Page


@dataclass(frozen=True, slots=True)
class Edge:
    node: Any
    cursor: str


@dataclass(frozen=True, slots=True)
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@dataclass
class Connection:
    """A page plus a count that runs only if ``totalCount`` is selected."""

    edges: list[Edge]
    page_info: PageInfo
    count: Callable[[], Awaitable[int]]

    @property
    def nodes(self) -> list[Any]:
        return [edge.node for edge in self.edges]


def encode_cursor(order: str, key: Any, row_id: int) -> str:
    """Opaque cursor: the ordering and the row's (key, id), base64url-encoded JSON."""
    value = key.isoformat() if isinstance(key, datetime) else key
    raw = json.dumps([order, value, row_id], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, order: str, *, datetime_key: bool = False) -> tuple[Any, int]:
    """The (key, id) of a cursor made by ``encode_cursor`` for ``order``; ``BAD_INPUT`` otherwise."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_order, value, row_id = json.loads(raw)
        if cursor_order != order or not isinstance(row_id, int):
            raise ValueError("cursor of another ordering")
        if datetime_key:
            value = datetime.fromisoformat(value)
        elif value is not None and not isinstance(value, str | int):
            raise ValueError("bad key")
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise BadInputError("Invalid cursor for this list and ordering.", field="after") from None
    return value, row_id


def connection(page: Page, order: str, *, has_previous: bool, count: Callable[[], Awaitable[int]]) -> Connection:
    edges = [
        Edge(node=item, cursor=encode_cursor(order, key, row_id))
        for item, (key, row_id) in zip(page.items, page.keys, strict=True)
    ]
    info = PageInfo(
        has_next_page=page.has_next,
        has_previous_page=has_previous,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return Connection(edges=edges, page_info=info, count=count)
