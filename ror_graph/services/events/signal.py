"""Wake an in-process consumer right after a commit that appended events (instead of at its next poll).

``append_events`` flags the session; the listeners below turn the flag into one ``callback()`` per
commit, and forget it on rollback. Other processes' writes are found by the consumer's regular poll.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session

from ror_graph.services.events.log import WROTE_EVENTS


@contextlib.contextmanager
def events_signal(engine: AsyncEngine, callback: Callable[[], None]) -> Iterator[None]:
    """Call ``callback`` after each commit, by a session on ``engine``, that appended events."""
    target = engine.sync_engine

    def after_commit(session: Session) -> None:
        if session.info.pop(WROTE_EVENTS, False) and session.bind is target:
            callback()

    def after_rollback(session: Session) -> None:
        session.info.pop(WROTE_EVENTS, None)

    listeners = [("after_commit", after_commit), ("after_rollback", after_rollback)]
    for name, listener in listeners:
        sa_event.listen(Session, name, listener)
    try:
        yield
    finally:
        for name, listener in listeners:
            sa_event.remove(Session, name, listener)
