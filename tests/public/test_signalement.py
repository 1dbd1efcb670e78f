"""The one intake of « signaler une erreur » (service level): a report is recorded and opens an anomaly of
source ``signalement`` in support's queue, with its audit row, in one transaction; or it is refused with
nothing written: bad message or e-mail, unknown FINESS, too many reports from one address. A filled
honeypot stores nothing and looks like a success."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from ror_graph.models import Anomalie, AuditLog, EntiteJuridique, Etablissement, Signalement, utcnow
from ror_graph.models.signalement import SIGNALEMENT_MAX_LENGTH, SIGNALEMENT_MIN_LENGTH
from ror_graph.services.core.errors import BadInputError, NotFoundError
from ror_graph.services.qualite import gestion
from ror_graph.services.signalement.queue import (
    SIGNALEMENT_LIMIT,
    SIGNALEMENT_WINDOW,
    SignalementInput,
    TooManySignalementsError,
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


async def test_a_report_opens_an_anomaly_linked_to_its_intake_record(session, eg):
    # when someone reports a changed phone number on an offer, leaving an e-mail
    row = await submit_signalement(session, SignalementInput(eg, "  Le  téléphone a changé  ", "a@b.fr", "X1"),
                                   address="203.0.113.7", salt=SALT)
    # then one open anomaly of source signalement is in the queue, saying what, where and whom to answer
    assert row is not None and (row.statut, row.source, row.regle) == ("ouverte", "signalement", "signalement")
    assert row.message == "[offre X1] Le téléphone a changé (contact : a@b.fr)"
    # and the intake record keeps the sender's address only as a salted digest; the anomaly points to it
    intake = (await session.exec(select(Signalement))).one()
    assert row.cle == f"signalement:{intake.id}" and intake.email == "a@b.fr"
    assert "203.0.113.7" not in intake.address_digest and len(intake.address_digest) == 64
    audit = (await session.exec(select(AuditLog))).one()
    assert (audit.entity, audit.entity_id, audit.new_value, audit.source) == ("anomalie", str(row.id), "ouverte", "web")


@pytest.mark.parametrize(("data", "error"), [
    (SignalementInput(FINESS, "x" * (SIGNALEMENT_MIN_LENGTH - 1)), BadInputError),  # too short to be useful
    (SignalementInput(FINESS, "x" * (SIGNALEMENT_MAX_LENGTH + 1)), BadInputError),
    (SignalementInput(FINESS, "Adresse fausse", email="pas-un-email"), BadInputError),
    (SignalementInput("490999999", "Adresse fausse"), NotFoundError),
])
async def test_bad_input_is_refused_and_nothing_is_written(session, eg, data, error):
    with pytest.raises(error):
        await submit_signalement(session, data, address="203.0.113.7", salt=SALT)
    for model in (Signalement, Anomalie, AuditLog):
        assert await count(session, model) == 0


async def test_the_longest_report_with_an_e_mail_fits_the_queue(session, eg):
    long = SignalementInput(eg, "x" * SIGNALEMENT_MAX_LENGTH, email=f"{'a' * 240}@example.org", unite="U" * 40)
    row = await submit_signalement(session, long, address="203.0.113.7", salt=SALT)
    assert row is not None and row.id is not None


async def test_a_filled_honeypot_stores_nothing(session, eg):
    data = SignalementInput(eg, "Achetez des montres", honeypot="http://spam.example")
    assert await submit_signalement(session, data, address="203.0.113.7", salt=SALT) is None
    assert await count(session, Signalement) == 0 and await count(session, Anomalie) == 0


async def test_one_address_is_throttled_the_others_are_not(session, eg):
    now = utcnow()
    data = SignalementInput(eg, "Horaires faux le samedi")
    for i in range(SIGNALEMENT_LIMIT):
        await submit_signalement(session, data, address="203.0.113.7", salt=SALT, now=now + timedelta(minutes=i))
    # the next one from that address within the window is refused, and says when to retry
    with pytest.raises(TooManySignalementsError) as refused:
        await submit_signalement(session, data, address="203.0.113.7", salt=SALT, now=now + timedelta(minutes=10))
    assert 0 < refused.value.retry_after <= SIGNALEMENT_WINDOW.total_seconds() - 600
    assert await count(session, Signalement) == SIGNALEMENT_LIMIT == await count(session, Anomalie)
    # another address is served, and the first one again once the window has passed
    assert await submit_signalement(session, data, address="198.51.100.9", salt=SALT, now=now + timedelta(minutes=10))
    assert await submit_signalement(session, data, address="203.0.113.7", salt=SALT,
                                    now=now + SIGNALEMENT_WINDOW + timedelta(minutes=1))


async def test_support_closes_a_report_in_the_anomaly_queue(session, eg):
    # given a report from the public site
    row = await submit_signalement(session, SignalementInput(eg, "Erreur sur l'adresse"), address="a", salt=SALT)
    # when support closes it with a comment, like any anomaly
    closed = await gestion.fermer(session, row.id, "Adresse corrigée", actor="support@ars.test", role="support")
    # then it is closed, with the comment, and the closure is audited with its author
    assert (closed.statut, closed.commentaire, closed.fermee_par) == ("fermee", "Adresse corrigée", "support@ars.test")
    audit = (await session.exec(select(AuditLog).where(AuditLog.new_value == "fermee"))).one()
    assert (audit.entity, audit.actor) == ("anomalie", "support@ars.test")
