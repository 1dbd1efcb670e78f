"""Growing login locks: each new lock of a key within 24 h of the end of its previous one lasts twice as long.

Given a limit of 2 failures (argon2 is slow on purpose), locks of one e-mail last 15 min, then 30, 60, …
up to 24 h; a successful login or an admin unlock starts the series again, and so does a quiet day.
Time is simulated by passing ``now`` (and by moving stored dates), never by sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from ror_graph.models import LoginThrottle
from ror_graph.services.accounts.accounts import authenticate
from ror_graph.services.accounts.throttle import ThrottlePolicy, TooManyAttemptsError, unlock
from ror_graph.services.core.changes import Actor
from tests.security.accounts.conftest import PASSWORD, account_id, login

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SMALL = ThrottlePolicy(max_failures=2, max_address_failures=100)


async def lock_at(session, email: str, at: datetime) -> timedelta:
    """Two wrong passwords at ``at`` (the limit): the length of the lock they start."""
    for _ in range(2):
        assert await authenticate(session, email, "wrong password!", now=at, policy=SMALL) is None
    row = await counter(session, email)
    assert row.locked_until is not None
    return row.locked_until - at


async def counter(session, email: str) -> LoginThrottle:
    session.expire_all()
    return (await session.exec(select(LoginThrottle).where(LoginThrottle.scope == "account",
                                                           LoginThrottle.key == email))).one()


def test_policy_lengths_double_up_to_the_cap():
    assert [d // timedelta(minutes=1) for d in ThrottlePolicy().durations()] == [15, 30, 60, 120, 240, 480, 960, 1440]


async def test_second_lock_lasts_30_minutes_and_third_60(session, accounts):
    # given a first lock at T0 (15 min)
    email = accounts["support"]
    assert await lock_at(session, email, T0) == timedelta(minutes=15)
    # when the same e-mail fails again right after the lock ended, twice
    second_at = T0 + timedelta(minutes=16)
    second = await lock_at(session, email, second_at)
    third = await lock_at(session, email, second_at + second + timedelta(minutes=1))
    # then each lock lasts twice as long as the previous one, and says so in retry_after
    assert (second, third) == (timedelta(minutes=30), timedelta(minutes=60))
    assert (await counter(session, email)).locks == 3
    with pytest.raises(TooManyAttemptsError) as refused:
        await authenticate(session, email, PASSWORD, now=second_at + second + timedelta(minutes=1), policy=SMALL)
    assert refused.value.retry_after == 60 * 60


async def test_lock_length_is_capped_at_24_hours(session, accounts):
    # given an e-mail whose seventh lock (16 h) ended an hour ago
    email = accounts["support"]
    await lock_at(session, email, T0 - timedelta(days=2))
    row = await counter(session, email)
    row.locks, row.last_locked_until, row.locked_until = 7, T0 - timedelta(hours=1), T0 - timedelta(hours=1)
    await session.commit()
    # when it is locked again, and once more after that lock
    eighth = await lock_at(session, email, T0)
    ninth = await lock_at(session, email, T0 + eighth + timedelta(minutes=1))
    # then neither lasts more than 24 hours
    assert eighth == ninth == timedelta(hours=24)


async def test_a_lock_more_than_24_hours_after_the_previous_starts_again_at_15_minutes(session, accounts):
    # given two locks in a row (15 then 30 min)
    email = accounts["support"]
    await lock_at(session, email, T0)
    second = await lock_at(session, email, T0 + timedelta(minutes=16))
    # when the next lock comes more than 24 h after the end of the second
    later = T0 + timedelta(minutes=16) + second + timedelta(hours=24, minutes=1)
    # then it lasts 15 min again
    assert await lock_at(session, email, later) == timedelta(minutes=15)
    assert (await counter(session, email)).locks == 1


async def test_a_successful_login_resets_the_growth(session, accounts):
    # given two locks in a row (15 then 30 min)
    email = accounts["support"]
    await lock_at(session, email, T0)
    second = await lock_at(session, email, T0 + timedelta(minutes=16))
    # when the right password is given after the second lock
    after = T0 + timedelta(minutes=16) + second + timedelta(minutes=1)
    assert await authenticate(session, email, PASSWORD, now=after, policy=SMALL) is not None
    # then the next lock lasts 15 min again
    assert await lock_at(session, email, after + timedelta(minutes=1)) == timedelta(minutes=15)


async def test_an_admin_unlock_resets_the_growth(session, accounts):
    # given two locks in a row, the second still running
    email = accounts["support"]
    await lock_at(session, email, T0)
    second_at = T0 + timedelta(minutes=16)
    await lock_at(session, email, second_at)
    # when an admin unlocks the account
    admin = Actor(name=accounts["admin"], role="admin", source="admin",
                  account_id=await account_id(session, accounts["admin"]))
    assert await unlock(session, actor=admin, account_id=await account_id(session, email), now=second_at)
    # then the right password works at once and the next lock lasts 15 min again
    assert await authenticate(session, email, PASSWORD, now=second_at, policy=SMALL) is not None
    assert await lock_at(session, email, second_at + timedelta(minutes=1)) == timedelta(minutes=15)


async def test_address_locks_grow_too(session, accounts):
    # given an address limit of 2: two failures from one address (distinct e-mails), twice
    policy = ThrottlePolicy(max_failures=100, max_address_failures=2)
    lengths = []
    for at in (T0, T0 + timedelta(minutes=16)):
        for i in range(2):
            assert await authenticate(session, f"guess{i}@ars.test", "wrong password!", address="203.0.113.9",
                                      now=at, policy=policy) is None
        row = (await session.exec(select(LoginThrottle).where(LoginThrottle.key == "203.0.113.9"))).one()
        await session.refresh(row)
        assert row.locked_until is not None
        lengths.append(row.locked_until - at)
    # then the second lock of the address lasts twice as long
    assert lengths == [timedelta(minutes=15), timedelta(minutes=30)]


async def test_admin_views_show_the_lock_count(http_from, accounts, session):
    # given the support account in its third lock in a row
    now = datetime.now(UTC)
    session.add(LoginThrottle(scope="account", key=accounts["support"], failures=2, window_started_at=now,
                              last_attempt_at=now, locked_until=now + timedelta(minutes=50), locks=3,
                              last_locked_until=now + timedelta(minutes=50)))
    await session.commit()
    admin = http_from("10.0.0.8")
    assert (await login(admin, accounts["admin"])).status_code == 302
    # then the accounts list and the counters list show it
    assert "(verrou n° 3)" in (await admin.get("/admin/account/list")).text
    assert "Verrous d" in (await admin.get("/admin/login-throttle/list")).text


async def test_a_successful_login_does_not_reset_the_growth_of_its_address(session, accounts):
    # given an address locked once (15 min) after guessing other accounts' passwords
    policy = ThrottlePolicy(max_failures=100, max_address_failures=2)
    address = "203.0.113.7"

    async def address_lock(at: datetime) -> timedelta:
        for i in range(2):
            assert await authenticate(session, f"guess{i}@ars.test", "wrong password!", address=address,
                                      now=at, policy=policy) is None
        row = (await session.exec(select(LoginThrottle).where(LoginThrottle.key == address))).one()
        await session.refresh(row)
        assert row.locked_until is not None
        return row.locked_until - at

    assert await address_lock(T0) == timedelta(minutes=15)
    # when the guesser logs into an account of its own from that address once the lock is over
    after = T0 + timedelta(minutes=16)
    assert await authenticate(session, accounts["support"], PASSWORD, address=address, now=after,
                              policy=policy) is not None
    # then the address's next lock still doubles
    assert await address_lock(after + timedelta(minutes=1)) == timedelta(minutes=30)
