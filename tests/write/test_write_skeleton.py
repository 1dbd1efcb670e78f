"""The write skeleton: hooks run in one fixed order, any error rolls back everything; account principals."""

from __future__ import annotations

import pytest

from ror_graph.models import Account, Etablissement
from ror_graph.services.accounts.principal import Principal
from ror_graph.services.accounts.scope import authorize, load_etablissement
from ror_graph.services.core.changes import ChangeSet
from ror_graph.services.core.errors import BadInputError, ForbiddenError
from ror_graph.services.core.write import WriteOperation
from tests.write.conftest import EG_A, EJ_A, fingerprint, version_of


class Rename(WriteOperation[Etablissement]):
    """A minimal write of EG A's nom opérationnel that logs its hooks and can fail at a chosen one."""

    def __init__(self, *args, fail_at: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fail_at, self.calls = fail_at, []

    def _step(self, name: str) -> None:
        self.calls.append(name)
        if name == self.fail_at:
            raise BadInputError(f"failed at {name}")

    async def load(self) -> None:
        self._step("load")
        self.row, self.ej = await load_etablissement(self.session, EG_A)

    def authorize(self) -> None:
        self._step("authorize")
        authorize(self.principal, self.row, self.ej)

    def reject_locked(self) -> None:
        self._step("reject_locked")

    def check_version(self) -> None:
        self._step("check_version")
        super().check_version()

    async def clean(self) -> None:
        self._step("clean")

    async def diff(self) -> bool:
        self._step("diff")
        return True

    async def claim(self) -> None:
        await super().claim()
        self._step("claim")

    async def apply(self, cs: ChangeSet) -> None:
        cs.set(self.row, "etablissement", self.row.finess, "nom_operationnel", "Renommé")
        self._step("apply")

    async def enqueue(self, cs: ChangeSet) -> None:
        cs.enqueue("etablissement", self.row.id)
        self._step("enqueue")


async def test_hooks_run_in_the_documented_order(session, world):
    operation = Rename(session, world.principal("referent_a"), version=1)
    eg = await operation.run()
    assert operation.calls == ["load", "authorize", "reject_locked", "check_version", "clean", "diff", "claim",
                               "apply", "enqueue"]
    assert (eg.nom_operationnel, eg.version) == ("Renommé", 2)


@pytest.mark.parametrize("fail_at", ["clean", "claim", "apply", "enqueue"])
async def test_an_error_at_any_hook_leaves_no_row_audit_or_event(session, world, fail_at):
    # given EG A at version 1
    before = await fingerprint(session)
    # when the write fails at a hook, even after the version was claimed and the change audited
    with pytest.raises(BadInputError):
        await Rename(session, world.principal("referent_a"), version=1, fail_at=fail_at).run()
    # then nothing at all was written: same version, no audit row, no outbox row
    assert await fingerprint(session) == before
    assert await version_of(session, Etablissement, finess=EG_A) == 1


async def test_an_account_principal_reads_its_scopes_and_refuses_an_inactive_account(session, world):
    # given the directeur of EJ A (CLI / admin actions build principals from the account)
    account_id = world.callers["directeur_a"].account_id
    principal = await Principal.for_account(session, account_id, source="cli")
    # then it carries the account's scopes, level and audit identity
    assert (principal.role, principal.scopes_ej, principal.level) == ("directeur", frozenset({EJ_A}), 2)
    assert (principal.actor.name, principal.actor.source) == ("directeur.a@example.fr", "cli")
    # and a deactivated account cannot write
    account = await session.get(Account, account_id)
    account.active = False
    await session.commit()
    with pytest.raises(ForbiddenError):
        await Principal.for_account(session, account_id, source="cli")
