"""Background work of a process: one way to run a task for a block's lifetime, one polling loop.

The search sync, the webhook sender, the public site's warm-up and the managed Meilisearch supervisor
all run beside the requests; they share these two pieces so that cancellation and failure handling
are written once: a task is always cancelled *and awaited* at exit, and a polling worker never dies
on an error (the database keeps the pending work), logging each distinct failure once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any


@contextlib.asynccontextmanager
async def background(work: Coroutine[Any, Any, Any], name: str) -> AsyncIterator[asyncio.Task]:
    """Run ``work`` as a task for the duration of the block (cancelled and awaited at exit)."""
    task = asyncio.create_task(work, name=name)
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def poll_forever(step: Callable[[], Awaitable[bool]], *, wake: asyncio.Event, interval: float,
                       label: str, log: logging.Logger) -> None:
    """Call ``step`` until cancelled: again at once when it returns ``True`` (more is due), otherwise
    when ``wake`` is set (a commit of this process appended events) or after ``interval`` seconds
    (other processes' writes, retries coming due). A failure is logged once per distinct error, then
    retried at the next turn."""
    last_error = None
    while True:
        wake.clear()  # a commit from now on triggers the next turn
        try:
            more = await step()
            last_error = None
            if more:
                continue
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # never let the worker die: the database keeps the work
            if repr(exc) != last_error:  # once per distinct failure, not every poll
                log.warning("%s: %r (retrying every %.2g s)", label, exc, interval)
            last_error = repr(exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wake.wait(), timeout=interval)
