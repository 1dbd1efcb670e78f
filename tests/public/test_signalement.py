"""The signalement queue (service level): a report is stored with its audit row, or refused with nothing
written: bad message or e-mail, unknown FINESS, too many reports from one address; a filled honeypot
stores nothing and looks like a success. Support closes reports (audited)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from ror_graph.models import AuditLog, EntiteJuridique, Etablissement, Signalement, utcnow
from ror_graph.services.core.changes import Actor
from ror_graph.services.core.errors import BadInputError, NotFoundError
from ror_graph.services.signalement.queue import (
    SIGNALEMENT_LIMIT,
    SIGNALEMENT_WINDOW,
    SignalementInput,
    TooManySignalementsError,
    close_signalements,
    submit_signalement,
)

FINESS = "490000031"
SALT = "test-salt"


@pytest.fixture
async def eg(session) -> str:
    ej = EntiteJuridique(finess="490000023", raison_sociale="CH TEST")
    session.add(ej)
    await session.flush()
    session.add(Etablissement(finess=FINESS, entite_juridique_id=ej.id, raison_sociale="EHPAD TEST"))
    await session.commit()
    return FINESS


async def count(session, model) -> int:
    return (await session.exec(select(func.count()).select_from(model))).one()


async def test_a_report_is_queued_open_with_its_audit_row_and_a_digest_of_the_address(session, eg):
    row = await submit_signalement(session, SignalementInput(eg, "  Le  téléphone a changé  ", "a@b.fr", "X1"),
                                   address="203.0.113.7", salt=SALT)
    assert row is not None and row.statut == "ouvert" and row.message == "Le téléphone a changé"
    assert "203.0.113.7" not in row.address_digest and len(row.address_digest) == 64
    audit = (await session.exec(select(AuditLog).where(AuditLog.entity == "signalement"))).one()
    assert (audit.entity_id, audit.field, audit.new_value, audit.source) == (str(row.id), "statut", "ouvert", "web")


@pytest.mark.parametrize(("data", "error"), [
    (SignalementInput(FINESS, "abc"), BadInputError),  # too short to be useful
    (SignalementInput(FINESS, "x" * 2001), BadInputError),
    (SignalementInput(FINESS, "Adresse fausse", email="pas-un-email"), BadInputError),
    (SignalementInput("490999999", "Adresse fausse"), NotFoundError),
])
async def test_bad_input_is_refused_and_nothing_is_written(session, eg, data, error):
    with pytest.raises(error):
        await submit_signalement(session, data, address="203.0.113.7", salt=SALT)
    assert await count(session, Signalement) == 0 and await count(session, AuditLog) == 0


async def test_a_filled_honeypot_stores_nothing(session, eg):
    data = SignalementInput(eg, "Achetez des montres", honeypot="http://spam.example")
    assert await submit_signalement(session, data, address="203.0.113.7", salt=SALT) is None
    assert await count(session, Signalement) == 0


async def test_one_address_is_throttled_the_others_are_not(session, eg):
    now = utcnow()
    data = SignalementInput(eg, "Horaires faux le samedi")
    for i in range(SIGNALEMENT_LIMIT):
        await submit_signalement(session, data, address="203.0.113.7", salt=SALT, now=now + timedelta(minutes=i))
    # the next one from that address within the window is refused, and says when to retry
    with pytest.raises(TooManySignalementsError) as refused:
        await submit_signalement(session, data, address="203.0.113.7", salt=SALT, now=now + timedelta(minutes=10))
    assert 0 < refused.value.retry_after <= SIGNALEMENT_WINDOW.total_seconds() - 600
    assert await count(session, Signalement) == SIGNALEMENT_LIMIT
    # another address is served, and the first one again once the window has passed
    assert await submit_signalement(session, data, address="198.51.100.9", salt=SALT, now=now + timedelta(minutes=10))
    assert await submit_signalement(session, data, address="203.0.113.7", salt=SALT,
                                    now=now + SIGNALEMENT_WINDOW + timedelta(minutes=1))


async def test_support_closes_reports_and_the_closure_is_audited(session, eg):
    rows = [await submit_signalement(session, SignalementInput(eg, f"Erreur numéro {i}"), address=f"a{i}", salt=SALT)
            for i in range(2)]
    support = Actor(name="support@ars.test", role="support", source="admin")
    assert await close_signalements(session, [r.id for r in rows], support) == 2
    assert await close_signalements(session, [r.id for r in rows], support) == 0  # already closed
    closed = (await session.exec(select(Signalement))).all()
    assert {(s.statut, s.closed_by) for s in closed} == {("clos", "support@ars.test")}
    audit = (await session.exec(select(AuditLog).where(AuditLog.new_value == "clos"))).all()
    assert len(audit) == 2 and {a.actor for a in audit} == {"support@ars.test"}
