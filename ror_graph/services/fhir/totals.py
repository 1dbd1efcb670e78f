"""``Bundle.total`` of FHIR searches, counted once per state of the directory.

A client syncing with ``_lastUpdated`` walks ``next`` links: every page of the walk asks the same
count (the whole directory, ≈ 300k offers nationally), which costs more than building the page. Every
write appends to the event log in its own transaction (``services.events.log``), so the highest
``seq`` names the state of the data: a count made at seq *n* is still exact while the highest seq is
*n*. The key is the count statement itself (its SQL and parameters, the caller's visibility clauses
included), so two callers who see different offers never share a total. Entries also expire after
``ttl`` seconds: an event purge can lower the highest seq back to a value seen before.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.services.events.log import last_seq


class Totals:
    """Counts by (statement, data version), least recently used first out; one per app."""

    def __init__(self, size: int = 512, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.size, self.ttl, self.clock = size, ttl, clock
        self._entries: OrderedDict[tuple[str, str], tuple[int, float, int]] = OrderedDict()

    async def version(self, session: AsyncSession) -> int:
        """The data version a search reads (read before its counts, so a count is never older than it)."""
        return await last_seq(session)

    async def count(self, session: AsyncSession, statement: Any, version: int) -> int:
        """``statement`` (a ``SELECT count(*)``) at ``version``: from the cache, or counted and kept."""
        compiled = statement.compile()
        key = (str(compiled), repr(sorted(compiled.params.items())))
        now = self.clock()
        entry = self._entries.get(key)
        if entry is not None and entry[0] == version and now - entry[1] < self.ttl:
            self._entries.move_to_end(key)
            return entry[2]
        total = int((await session.exec(statement)).one())
        self._entries[key] = (version, now, total)
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return total
