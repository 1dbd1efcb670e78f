"""Admin services on accounts and API clients: deactivate / reactivate, revoke; admin only, audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from ror_graph.models import Account, ApiClient, AuditLog, SessionToken
from ror_graph.services.accounts.accounts import login, set_account_active
from ror_graph.services.accounts.auth import create_api_client, hash_token, resolve_bearer, revoke_api_client
from ror_graph.services.core.changes import Actor
from ror_graph.services.core.errors import BadInputError, ForbiddenError, NotFoundError, UnauthenticatedError
from tests.write.conftest import T0, count


async def _account_id(session, email: str) -> int:
    return (await session.exec(select(Account.id).where(Account.email == email))).one()


async def _audit(session, entity: str) -> list[AuditLog]:
    session.expire_all()
    return list(await session.exec(select(AuditLog).where(AuditLog.entity == entity).order_by(AuditLog.id)))


async def _issue_token(session, account_id: int, token: str, *, expires_in: timedelta = timedelta(hours=12)) -> None:
    session.add(SessionToken(account_id=account_id, token_hash=hash_token(token), created_at=T0,
                             expires_at=T0 + expires_in))
    await session.commit()


async def test_deactivation_revokes_open_sessions_and_is_audited(session, world):
    # given a référent with two open sessions and one already expired
    referent_id = world.callers["referent_a"].account_id
    await _issue_token(session, referent_id, "open-1")
    await _issue_token(session, referent_id, "open-2")
    await _issue_token(session, referent_id, "old", expires_in=timedelta(hours=-1))
    assert (await resolve_bearer(session, "open-1", now=T0)).account_id == referent_id
    # when the admin deactivates the account with a motif
    account = await set_account_active(session, actor=world.callers["admin"], account_id=referent_id, active=False,
                                       motif="Départ de l'établissement", now=T0)
    # then it is inactive, its open tokens are revoked (the expired one is left as it was) and refused
    assert account.active is False
    assert await count(session, "session_token", account_id=referent_id, revoked_at=T0) == 2
    for token in ("open-1", "open-2"):
        with pytest.raises(UnauthenticatedError):
            await resolve_bearer(session, token, now=T0)
    # and the audit trail says who did it and why
    audits = await _audit(session, "account")
    assert [(a.entity_id, a.field, a.old_value, a.new_value) for a in audits] == [
        (str(referent_id), "active", "true", "false"), (str(referent_id), "revoked_sessions", None, "2")]
    assert {(a.actor, a.role, a.motif) for a in audits} == {("admin@example.fr", "admin", "Départ de l'établissement")}


async def test_deactivated_account_cannot_log_in_until_reactivated(session, world):
    from ror_graph.services.accounts.accounts import create_account

    created = await create_account(session, email="claire@example.fr", password="correct horse battery",
                                   role="support")
    admin = world.callers["admin"]
    await set_account_active(session, actor=admin, account_id=created.id, active=False)
    with pytest.raises(UnauthenticatedError):
        await login(session, "claire@example.fr", "correct horse battery")
    await set_account_active(session, actor=admin, account_id=created.id, active=True, motif="Retour")
    token, _ = await login(session, "claire@example.fr", "correct horse battery")
    assert (await resolve_bearer(session, token)).email == "claire@example.fr"
    assert [a.new_value for a in await _audit(session, "account")] == ["false", "true"]


@pytest.mark.parametrize("who", ["support", "referent_a", "api_client", "anonymous"])
async def test_only_admins_manage_accounts_and_clients(session, world, who):
    caller = world.callers[who]
    target = world.callers["referent_b"].account_id
    client_id = (await session.exec(select(ApiClient.id))).first()
    expected = UnauthenticatedError if who in {"api_client", "anonymous"} else ForbiddenError
    with pytest.raises(expected):
        await set_account_active(session, actor=caller, account_id=target, active=False)
    with pytest.raises(expected):
        await revoke_api_client(session, actor=caller, client_id=client_id)
    assert await count(session, "account", id=target, active=True) == 1
    assert await count(session, "api_client", id=client_id, revoked_at=None) == 1
    assert await _audit(session, "account") == [] and await _audit(session, "api_client") == []


async def test_an_admin_actor_is_rechecked_against_its_account(session, world):
    # an Actor claiming the admin role for a support account (stale admin session) is refused
    support_id = world.callers["support"].account_id
    forged = Actor(name="support@example.fr", role="admin", source="admin", account_id=support_id)
    with pytest.raises(ForbiddenError):
        await set_account_active(session, actor=forged, account_id=world.callers["referent_a"].account_id,
                                 active=False)


async def test_admin_cannot_deactivate_itself_and_no_op_writes_nothing(session, world):
    admin = world.callers["admin"]
    with pytest.raises(BadInputError):
        await set_account_active(session, actor=admin, account_id=admin.account_id, active=False)
    await set_account_active(session, actor=admin, account_id=world.callers["support"].account_id, active=True)
    with pytest.raises(NotFoundError):
        await set_account_active(session, actor=admin, account_id=999_999, active=False)
    assert await _audit(session, "account") == []


async def test_revoked_api_client_token_is_refused(session, world):
    client, token = await create_api_client(session, name="Portail régional", profile="professional")
    client_id = client.id
    assert (await resolve_bearer(session, token)).api_client_id == client_id
    # when the admin revokes it
    revoked = await revoke_api_client(session, actor=world.callers["admin"], client_id=client_id,
                                      motif="Convention terminée", now=T0)
    # then its token is refused, the revocation is audited, and a second revocation is refused
    assert revoked.revoked_at == T0
    with pytest.raises(UnauthenticatedError):
        await resolve_bearer(session, token, now=T0 + timedelta(seconds=1))
    [audit] = await _audit(session, "api_client")
    assert (audit.entity_id, audit.field, audit.old_value, audit.motif, audit.actor) == (
        str(client_id), "revoked_at", None, "Convention terminée", "admin@example.fr")
    with pytest.raises(BadInputError):
        await revoke_api_client(session, actor=world.callers["admin"], client_id=client_id)
    with pytest.raises(NotFoundError):
        await revoke_api_client(session, actor=world.callers["admin"], client_id=999_999)
    assert len(await _audit(session, "api_client")) == 1
