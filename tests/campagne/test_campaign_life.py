"""A campaign's life with a controlled clock: statuses move with edits and validations, each reminder
step reaches each person once, none after validation, none twice with two workers."""

from __future__ import annotations

import asyncio
import email.header
from datetime import timedelta

from sqlmodel import select

from ror_graph.models import Etablissement, MailEnvoi
from ror_graph.services.campagne import statuts
from ror_graph.services.campagne.relances import relancer
from ror_graph.services.etablissement.inputs import EtablissementUpdate
from ror_graph.services.etablissement.write import update_etablissement
from ror_graph.services.scheduler.jobs import Job, ManualClock, run_due
from ror_graph.services.suivi.validation_flow import valider_etablissement
from tests.campagne.conftest import ECHEANCE, OUVERTURE, PUBLIC_URL
from tests.write.conftest import EG_A, EG_B

REFERENT, DIRECTEUR = "referent.a@example.fr", "directeur.a@example.fr"


def reminders_job(mail) -> Job:
    async def run(sessions, now):
        async with sessions() as session:
            return await relancer(session, mail, public_url=PUBLIC_URL, now=now)
    return Job("relances", timedelta(hours=1), run)


async def statut(session, campagne, finess, now) -> str:
    eg = (await session.exec(select(Etablissement).where(Etablissement.finess == finess))).one()
    await session.refresh(eg)
    found = await statuts.campagne_de(session, eg, now=now)
    return found[1] if found else "hors campagne"


def subject(message) -> str:
    return str(email.header.make_header(email.header.decode_header(message["Subject"])))


async def test_statuses_follow_edits_validation_and_deadline(session, world, campagne):
    # given the campaign is open and nothing happened: EG A is à faire, EG B (Lyon) is not in scope
    now = OUVERTURE + timedelta(days=1)
    assert await statut(session, campagne, EG_A, now) == "a_faire"
    assert await statut(session, campagne, EG_B, now) == "hors campagne"
    # when the référent edits the description, it is en cours
    eg = (await session.exec(select(Etablissement).where(Etablissement.finess == EG_A))).one()
    await update_etablissement(session, world.principal("referent_a"), finess=EG_A, version=eg.version,
                               data=EtablissementUpdate(nom_operationnel="Les Tilleuls"), now=now)
    assert await statut(session, campagne, EG_A, now) == "en_cours"
    # when the deadline passes without validation, it is en retard
    assert await statut(session, campagne, EG_A, ECHEANCE + timedelta(days=1)) == "en_retard"
    # and once the directeur validates (even late) it is validée
    await valider_etablissement(session, world.principal("directeur_a"), finess=EG_A,
                                now=ECHEANCE + timedelta(days=2))
    assert await statut(session, campagne, EG_A, ECHEANCE + timedelta(days=3)) == "validee"
    # and the list filters on the status
    rows, total = await statuts.etablissements(session, campagne, now=ECHEANCE + timedelta(days=3),
                                               filtre=statuts.Filtre(statut="validee"))
    assert total == 1 and [eg.finess for eg, _ in rows] == [EG_A]
    _, late = await statuts.etablissements(session, campagne, now=ECHEANCE + timedelta(days=3),
                                           filtre=statuts.Filtre(statut="en_retard"))
    assert late == 0


async def test_each_step_once_per_person_none_after_validation(session, sessions, world, campagne, smtp):
    inbox, mail = smtp
    clock = ManualClock(OUVERTURE + timedelta(minutes=5))
    job = [reminders_job(mail)]

    # at the opening: both people of EG A get the opening mail, EG B's référent (out of scope) nothing
    await run_due(sessions, job, "w1", clock)
    assert inbox.subjects() == [
        (DIRECTEUR, "Ouverture de la campagne « Campagne 2026 Île-de-France » : mettez à jour "
                    f"EHPAD {EG_A} (FINESS {EG_A})"),
        (REFERENT, "Ouverture de la campagne « Campagne 2026 Île-de-France » : mettez à jour "
                   f"EHPAD {EG_A} (FINESS {EG_A})"),
    ]
    # later runs of the same step (a restart, the next hour) send nothing again
    inbox.clear()
    for hours in (0, 1, 2, 24 * 20):
        clock.set(OUVERTURE + timedelta(hours=hours, minutes=10))
        await run_due(sessions, job, "w-restarted", clock)
    assert inbox.messages == []

    # 30 days before, then 7 days before: one mail each, to each person
    for step, when in (("30 jours", ECHEANCE - timedelta(days=30)), ("7 jours", ECHEANCE - timedelta(days=7))):
        for extra in (timedelta(0), timedelta(hours=2), timedelta(hours=5)):
            clock.set(when + extra)
            await run_due(sessions, job, "w1", clock)
        assert [s for _, s in inbox.subjects()] == [
            f"Campagne « Campagne 2026 Île-de-France » : plus que {step} pour valider EHPAD {EG_A} (FINESS {EG_A})"] * 2
        inbox.clear()

    # late: weekly
    for week in range(3):
        clock.set(ECHEANCE + timedelta(days=7 * week, hours=1))
        await run_due(sessions, job, "w1", clock)
        clock.advance(timedelta(days=2))
        await run_due(sessions, job, "w1", clock)
        assert len(inbox.messages) == 2 and all("en retard" in subject(m) for m in inbox.messages)
        inbox.clear()

    # the directeur validates: no more reminders
    async with sessions() as s:
        await valider_etablissement(s, world.principal("directeur_a"), finess=EG_A, now=clock.now())
    for week in range(3, 6):
        clock.set(ECHEANCE + timedelta(days=7 * week, hours=1))
        await run_due(sessions, job, "w1", clock)
    assert inbox.messages == []
    rows = (await session.exec(select(MailEnvoi.etape, MailEnvoi.destinataire, MailEnvoi.statut))).all()
    assert sorted({e for e, _, _ in rows}) == ["j-30", "j-7", "ouverture", "retard-1", "retard-2", "retard-3"]
    assert len(rows) == 12 and {s for _, _, s in rows} == {"envoye"}


async def test_two_workers_at_once_send_each_mail_once(sessions, world, campagne, smtp):
    # given two workers waking up at the same instant on the same database
    inbox, mail = smtp
    clock = ManualClock(ECHEANCE - timedelta(days=7))
    job = [reminders_job(mail)]
    # when both run the due jobs concurrently, several times
    for _ in range(3):
        await asyncio.gather(run_due(sessions, job, "worker-1", clock), run_due(sessions, job, "worker-2", clock))
    # then each person got the j-7 reminder exactly once
    assert sorted(m["To"] for m in inbox.messages) == [DIRECTEUR, REFERENT]


async def test_two_reminder_runs_bypassing_the_lease_still_send_once(sessions, world, campagne, smtp):
    # given two processes that both run the reminders (no scheduler lease), the unique key still holds
    inbox, mail = smtp
    now = OUVERTURE + timedelta(days=1)

    async def one():
        async with sessions() as s:
            return await relancer(s, mail, public_url=PUBLIC_URL, now=now)

    results = await asyncio.gather(one(), one())
    assert sorted(m["To"] for m in inbox.messages) == [DIRECTEUR, REFERENT]
    assert sum(r.envoyes for r in results) == 2 and sum(r.deja_faits for r in results) == 2


async def test_reminder_content_is_french_with_link_gaps_and_deadline(sessions, world, campagne, smtp):
    inbox, mail = smtp
    async with sessions() as s:
        await relancer(s, mail, public_url=PUBLIC_URL, now=ECHEANCE + timedelta(days=1))
    message = inbox.to(REFERENT)[0]
    body = message.get_payload(decode=True).decode("utf-8")
    assert message["From"] == "ROR Pays de test <ror@example.fr>"
    assert "en retard" in subject(message)
    assert "avant le 30/06/2026" in body and "Échéance : 30/06/2026" in body
    assert "Statut actuel : en retard" in body
    assert f"{PUBLIC_URL}/admin/etablissement/details/{world.eg_a}" in body
    # EG A has no contact at all: its direction phone and alert are missing, its offer lacks horaires? no: 46
    assert "Établissement : " in body and "téléphone de la direction" in body
    assert "Offre « Hébergement permanent » : " in body and "capacité installée" in body


async def test_a_failed_delivery_is_recorded_then_retried(session, sessions, world, campagne, smtp):
    inbox, mail = smtp
    from dataclasses import replace

    from tests.campagne.conftest import free_port
    dead = replace(mail, port=free_port())  # nothing listens there
    now = OUVERTURE + timedelta(days=1)
    async with sessions() as s:
        bilan = await relancer(s, dead, public_url=PUBLIC_URL, now=now)
    assert bilan.echecs == 2 and inbox.messages == []
    rows = (await session.exec(select(MailEnvoi))).all()
    assert {r.statut for r in rows} == {"echec"} and all("Connection" in (r.erreur or "") for r in rows)
    # the next run, with the relay back, delivers them once
    async with sessions() as s:
        bilan = await relancer(s, mail, public_url=PUBLIC_URL, now=now + timedelta(hours=1))
    assert bilan.envoyes == 2 and sorted(m["To"] for m in inbox.messages) == [DIRECTEUR, REFERENT]
