"""Password hashing, verification and policy.

argon2id costs tenths of a second of CPU and 64 MiB of memory on purpose; done on the event loop
it stalls every other request of the worker (one GraphQL request with 30 ``login`` aliases froze
``/health`` for seconds). The ``*_async`` variants run it in a worker thread (argon2-cffi releases
the GIL), at most ``os.cpu_count()`` at a time per event loop: a burst of logins queues instead of
taking all the memory and CPU from the other requests.
"""

from __future__ import annotations

import asyncio
import os
import weakref

import anyio
import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ror_graph.services.core.errors import BadInputError

_HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
# Verified when the e-mail is unknown, so a wrong e-mail costs as much time as a wrong password.
_DUMMY_HASH = _HASHER.hash("not-a-real-password")


_LIMITERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = weakref.WeakKeyDictionary()


def _limiter() -> anyio.CapacityLimiter:
    """The running loop's limiter of concurrent argon2 computations (limiters are bound to one loop)."""
    loop = asyncio.get_running_loop()
    limiter = _LIMITERS.get(loop)
    if limiter is None:
        limiter = _LIMITERS[loop] = anyio.CapacityLimiter(os.cpu_count() or 2)
    return limiter


def hash_password(password: str) -> str:
    """argon2id hash of ``password`` (salted; the parameters are stored in the hash)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``; never raises on a malformed hash."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with older argon2 parameters than the current defaults."""
    return _HASHER.check_needs_rehash(password_hash)


async def hash_password_async(password: str) -> str:
    """``hash_password`` in a worker thread: the event loop keeps serving other requests."""
    return await anyio.to_thread.run_sync(hash_password, password, limiter=_limiter())


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    """``verify_password`` in a worker thread; ``None`` (unknown account) checks a dummy hash, same cost."""
    return await anyio.to_thread.run_sync(verify_password, password_hash or _DUMMY_HASH, password or "",
                                          limiter=_limiter())


def check_password_policy(password: str, *, email: str, field: str = "password") -> None:
    """Refuse (``BAD_INPUT``) a password shorter than 12 characters, absurdly long, or equal to the e-mail."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadInputError(f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.", field=field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise BadInputError(f"Passwords have at most {MAX_PASSWORD_LENGTH} characters.", field=field)
    if password.strip().lower() == (email or "").strip().lower():
        raise BadInputError("The password must not be the e-mail address.", field=field)
