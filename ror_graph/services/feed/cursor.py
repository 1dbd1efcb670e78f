"""Change-feed cursors: the event log's ``seq`` (commit order) plus the moment the cursor was handed out.

A cursor is ``<seq>.<issued unix seconds>``. The seq is what makes resuming exact (``seq > cursor``,
commit-ordered, see ``services.events.log``). The issue time is what makes expiry decidable: events
are purged once older than the retention and passed by every registered consumer, and a feed reader
is not a registered consumer, so a cursor handed out more than the retention ago may point before
purged events: it answers ``CURSOR_EXPIRED`` (resynchronise from a bulk export, then follow its cursor).
A reader that polls at least once per retention period always holds a fresh cursor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ror_graph.services.core.errors import BadInputError, CursorExpiredError

_CURSOR = re.compile(r"^(\d{1,18})\.(\d{1,12})$")
EXPORT_HINT = "Resynchronise from a bulk export (ror-graph export, POST /api/exports), then follow its cursor."


@dataclass(frozen=True)
class Cursor:
    """A position in the feed: every change with a larger ``seq`` comes after it."""

    seq: int
    issued_at: datetime

    def encode(self) -> str:
        return f"{self.seq}.{int(self.issued_at.timestamp())}"


def issue(seq: int, now: datetime) -> str:
    """The cursor string a reader gets for position ``seq`` at ``now``."""
    return Cursor(seq, now).encode()


def decode(value: str | None, *, now: datetime, retention: timedelta) -> int:
    """The seq of cursor ``value`` (``None`` or empty: the start of the log); raises when malformed or expired."""
    if not value:
        return 0
    match = _CURSOR.match(value.strip())
    if match is None:
        raise BadInputError("Malformed cursor: pass back a cursor the feed or an export handed out.", field="after")
    issued = datetime.fromtimestamp(int(match.group(2)), tz=UTC)
    if issued < now - retention:
        raise CursorExpiredError(f"This cursor is older than the feed's retention ({retention.days} days). "
                                 + EXPORT_HINT, field="after")
    return int(match.group(1))
