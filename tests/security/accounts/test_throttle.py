"""Login brute force: attempts are counted per e-mail and per client address in the database.

Given the default policy (5 failures of one e-mail in 15 min lock it for 15 min; 30 from one address),
a locked e-mail is refused whatever the password and whether or not the account exists, with the
code TOO_MANY_ATTEMPTS and the seconds to wait; the lock ends by itself or by an admin's unlock.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from ror_graph.db import session_factory
from ror_graph.models import AuditLog, LoginThrottle
from ror_graph.services.accounts import passwords
from ror_graph.services.accounts.accounts import authenticate
from ror_graph.services.accounts.throttle import ThrottlePolicy, TooManyAttemptsError
from tests.admin.conftest import csrf_from, page_token
from tests.security.accounts.conftest import PASSWORD, account_id, api_login, login

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
POLICY = ThrottlePolicy()
# Smaller limits where the test is about the mechanism, not the default figures (argon2 is slow on purpose).
SMALL = ThrottlePolicy(max_failures=2, max_address_failures=3)


async def fail(session, email: str, times: int, *, address: str | None = "10.0.0.1", now: datetime = T0,
               policy: ThrottlePolicy = POLICY) -> None:
    for _ in range(times):
        assert await authenticate(session, email, "wrong password!", address=address, now=now, policy=policy) is None


async def locked_row(session, scope: str, key: str, failures: int) -> LoginThrottle:
    """A counter as the throttle leaves it after ``failures`` failures a minute ago (locked for 15 min)."""
    now = datetime.now(UTC)
    row = LoginThrottle(scope=scope, key=key, failures=failures, window_started_at=now - timedelta(minutes=1),
                        last_attempt_at=now - timedelta(minutes=1), locked_until=now + timedelta(minutes=14))
    session.add(row)
    await session.commit()
    return row


async def test_fifth_failure_locks_the_email_even_for_the_right_password(session, accounts):
    # given five wrong passwords for the support account
    await fail(session, accounts["support"], 5)
    # when the right password is tried one minute later
    with pytest.raises(TooManyAttemptsError) as refused:
        await authenticate(session, accounts["support"], PASSWORD, address="10.0.0.1", now=T0 + timedelta(minutes=1))
    # then it is refused without a check, with the code and the seconds left in the 15-minute lock
    assert refused.value.code == "TOO_MANY_ATTEMPTS"
    assert refused.value.retry_after == 14 * 60
    row = (await session.exec(select(LoginThrottle).where(LoginThrottle.key == accounts["support"]))).one()
    assert row.failures == 5 and row.locked_until == T0 + POLICY.lock


async def test_failures_under_the_limit_do_not_lock_and_a_success_clears_the_count(session, accounts):
    # given a limit of 2: one failure, then the right password
    await fail(session, accounts["support"], 1, policy=SMALL)
    assert (await authenticate(session, accounts["support"], PASSWORD, now=T0, policy=SMALL)) is not None
    # then the count starts again: one more failure still does not lock
    await fail(session, accounts["support"], 1, policy=SMALL)
    assert (await authenticate(session, accounts["support"], PASSWORD, now=T0, policy=SMALL)) is not None


async def test_unknown_email_is_locked_exactly_like_a_real_one(session, accounts):
    # given two failures (the limit here) for an e-mail without account and two for a real account
    await fail(session, "nobody@ars.test", 2, policy=SMALL)
    await fail(session, accounts["admin"], 2, address="10.0.0.2", policy=SMALL)
    # then both answer the same refusal (the lock reveals nothing about the account's existence)
    answers = []
    for email, address in (("nobody@ars.test", "10.0.0.1"), (accounts["admin"], "10.0.0.2")):
        with pytest.raises(TooManyAttemptsError) as refused:
            await authenticate(session, email, PASSWORD, address=address, now=T0, policy=SMALL)
        answers.append((refused.value.code, refused.value.message, refused.value.retry_after))
    assert answers[0] == answers[1]


async def test_lock_ends_after_its_duration(session, accounts):
    await fail(session, accounts["support"], 2, policy=SMALL)
    with pytest.raises(TooManyAttemptsError):
        await authenticate(session, accounts["support"], PASSWORD, now=T0 + SMALL.lock - timedelta(seconds=1),
                           policy=SMALL)
    later = T0 + SMALL.lock + timedelta(seconds=1)
    assert (await authenticate(session, accounts["support"], PASSWORD, now=later, policy=SMALL)) is not None


async def test_one_address_guessing_many_emails_is_locked(session, accounts):
    # given failures from one address up to its limit, spread over e-mails (none reaches its own limit)
    for i in range(SMALL.max_address_failures):
        await fail(session, f"guess{i}@ars.test", 1, address="203.0.113.9", policy=SMALL)
    # then that address is refused even for a real account with the right password...
    with pytest.raises(TooManyAttemptsError):
        await authenticate(session, accounts["support"], PASSWORD, address="203.0.113.9", now=T0, policy=SMALL)
    # ...while the same account still logs in from elsewhere
    assert (await authenticate(session, accounts["support"], PASSWORD, address="10.0.0.1", now=T0,
                               policy=SMALL)) is not None


async def test_concurrent_guesses_verify_at_most_the_limit(engine, accounts):
    # given 20 wrong passwords sent at the same time for one e-mail (several workers)
    factory = session_factory(engine)

    async def guess(i: int) -> str:
        async with factory() as session:
            try:
                result = await authenticate(session, accounts["support"], f"guess number {i}", address=f"10.1.0.{i}",
                                            now=T0)
            except TooManyAttemptsError:
                return "refused"
            return "checked" if result is None else "accepted"

    outcomes = await asyncio.gather(*(guess(i) for i in range(20)))
    # then at most 5 passwords were verified; every other guess was refused unchecked
    assert outcomes.count("checked") <= POLICY.max_failures
    assert outcomes.count("checked") + outcomes.count("refused") == 20


async def test_password_check_runs_off_the_event_loop():
    # given a coroutine that counts how often the event loop gets to run it
    ticks, done = 0, False

    async def ticker() -> None:
        nonlocal ticks
        while not done:
            ticks += 1
            await asyncio.sleep(0)

    async def check() -> int:
        nonlocal done
        await passwords.verify_password_async(passwords.hash_password(PASSWORD), "wrong password!")
        seen, done = ticks, True
        return seen

    task = asyncio.create_task(ticker())
    # when a password is verified (argon2, tenths of a second of CPU)
    ticks_during_check = await check()
    await task
    # then the loop kept serving the other coroutine meanwhile
    assert ticks_during_check > 1


async def test_graphql_login_answers_too_many_attempts_with_retry_after(api, accounts, session):
    # given five wrong passwords through the API
    for _ in range(5):
        assert (await api_login(api, accounts["support"], "wrong password!"))["code"] == "UNAUTHENTICATED"
    # when the right password follows
    answer = await api_login(api, accounts["support"])
    # then the typed error says how long to wait, and no session was opened
    assert answer["__typename"] == "TooManyAttemptsError"
    assert answer["code"] == "TOO_MANY_ATTEMPTS" and 0 < answer["retryAfter"] <= 15 * 60
    assert "token" not in answer


@pytest.mark.parametrize("document", [
    "mutation { a: login(email: \"x@ars.test\", password: \"p1\") { __typename } "
    "b: login(email: \"x@ars.test\", password: \"p2\") { __typename } }",
    "mutation { ...A ...B } fragment A on Mutation { a: login(email: \"x@ars.test\", password: \"p1\") "
    "{ __typename } } fragment B on Mutation { b: login(email: \"x@ars.test\", password: \"p2\") { __typename } }",
    "mutation { ... on Mutation { a: login(email: \"x@ars.test\", password: \"p1\") { __typename } } "
    "login(email: \"x@ars.test\", password: \"p2\") { __typename } }",
])
async def test_a_request_with_two_login_fields_is_refused_before_anything_runs(api, accounts, session, document):
    # when one request carries two login fields (aliases, named or inline fragments)
    response = await api.post("/graphql", json={"query": document},
                              headers={"Accept": "application/graphql-response+json"})
    # then it is refused as bad input, not executed, and no attempt was even counted
    assert response.status_code == 400
    body = response.json()
    assert "data" not in body
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_INPUT"]
    assert (await session.exec(select(LoginThrottle))).all() == []


async def test_one_login_field_is_still_accepted(api, accounts):
    answer = await api_login(api, accounts["referent"])
    assert answer["__typename"] == "LoginPayload" and answer["token"]


async def test_admin_login_is_throttled_with_retry_after(http_from, accounts):
    browser = http_from("10.0.0.7")
    for _ in range(5):
        assert (await login(browser, accounts["admin"], "wrong password!")).status_code == 400
    # when the right password follows
    response = await login(browser, accounts["admin"])
    # then the login page refuses it with 429 and Retry-After, and nothing opens
    assert response.status_code == 429
    assert 0 < int(response.headers["retry-after"]) <= 900
    assert "Trop de tentatives" in response.text
    assert (await browser.get("/admin/etablissement/list")).status_code == 302


async def test_admin_sees_failures_and_unlocks_an_account(http_from, accounts, session):
    # given a locked support account
    await locked_row(session, "account", accounts["support"], 5)
    admin = http_from("10.0.0.8")
    assert (await login(admin, accounts["admin"])).status_code == 302
    # then the accounts list shows its failures and lock
    listing = await admin.get("/admin/account/list")
    assert "5 échec(s), verrouillé jusqu&#39;au" in listing.text or "5 échec(s), verrouillé jusqu'au" in listing.text
    # when the admin unlocks it
    support_id = await account_id(session, accounts["support"])
    form = await admin.get(f"/admin/account/debloquer?pks={support_id}")
    done = await admin.post("/admin/account/debloquer", data={"pks": str(support_id), "motif": "Appel de la personne",
                                                             "csrf_token": csrf_from(form.text)})
    assert done.status_code == 303
    # then the counter is gone, the unlock is audited, and the right password works again
    assert (await session.exec(select(LoginThrottle).where(LoginThrottle.key == accounts["support"]))).all() == []
    audit = (await session.exec(select(AuditLog).where(AuditLog.entity == "login_throttle"))).one()
    assert audit.actor == accounts["admin"] and audit.motif == "Appel de la personne"
    assert (await login(http_from("10.0.0.9"), accounts["support"])).status_code == 302


async def test_admin_unlocks_a_client_address(http_from, accounts, session):
    # given a locked client address
    row = await locked_row(session, "address", "203.0.113.5", 30)
    assert (await login(http_from("203.0.113.5"), accounts["support"])).status_code == 429
    admin = http_from("10.0.0.8")
    await login(admin, accounts["admin"])
    listing = await admin.get("/admin/login-throttle/list")
    assert listing.status_code == 200 and "203.0.113.5" in listing.text
    done = await admin.post("/admin/login-throttle/debloquer", data={
        "pks": str(row.id), "motif": "", "csrf_token": await page_token(admin, "/admin/login-throttle/list")})
    # then it logs in again at once
    assert done.status_code == 303
    assert (await login(http_from("203.0.113.5"), accounts["support"])).status_code == 302


async def test_support_cannot_unlock(http_from, accounts):
    support = http_from("10.0.0.8")
    await login(support, accounts["support"])
    assert (await support.get("/admin/login-throttle/list")).status_code in {403, 404}
    assert (await support.get("/admin/account/debloquer?pks=1")).status_code in {403, 404}


async def test_refused_multi_login_request_leaves_no_password_in_the_logs(api, caplog):
    document = ("mutation { a: login(email: \"x@ars.test\", password: \"s3cret-guess-one\") { __typename } "
                "b: login(email: \"x@ars.test\", password: \"s3cret-guess-two\") { __typename } }")
    with caplog.at_level("DEBUG"):
        response = await api.post("/graphql", json={"query": document})
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_INPUT"
    assert "s3cret-guess" not in caplog.text
