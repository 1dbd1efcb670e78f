"""The signalement queue in the back office: support lists the reports sent from the public fiches,
filters the open ones and closes them (confirmation, CSRF, audited through the service)."""

from __future__ import annotations

import httpx
from sqlmodel import select

from ror_graph.models import AuditLog, Signalement
from ror_graph.services.signalement.queue import SignalementInput, submit_signalement
from tests.admin.conftest import Seeded, page_token


async def test_support_lists_open_reports_and_closes_them(support: httpx.AsyncClient, structures: Seeded, session):
    # given two reports sent from the public fiche of an EG
    finess = structures.eg_finess[0]
    for i, message in enumerate(("Le téléphone ne répond plus", "Horaires du samedi faux")):
        await submit_signalement(session, SignalementInput(finess, message), address=f"192.0.2.{i}", salt="s")
    ids = [s.id for s in (await session.exec(select(Signalement).order_by(Signalement.id))).all()]
    # when support opens the queue, both are listed as open
    listing = await support.get("/admin/signalement/list", params={"etat": "ouvert"})
    assert listing.status_code == 200
    assert "Le téléphone ne répond plus" in listing.text and "Horaires du samedi faux" in listing.text
    # and closing the first one asks for confirmation, then closes it
    action = await support.get("/admin/signalement/action/clore", params={"pks": str(ids[0])})
    confirm = await support.get(action.headers["location"])
    assert "1 signalement(s)" in confirm.text
    done = await support.post("/admin/signalement/clore", data={"pks": str(ids[0]),
                                                                "csrf_token": await page_token(support)})
    assert done.status_code == 303
    # then only the other one is still open, and the closure is in the audit trail with its author
    still_open = await support.get("/admin/signalement/list", params={"etat": "ouvert"})
    assert "Horaires du samedi faux" in still_open.text and "Le téléphone ne répond plus" not in still_open.text
    session.expire_all()
    closure = (await session.exec(select(AuditLog).where(AuditLog.new_value == "clos"))).one()
    assert closure.entity_id == str(ids[0]) and closure.actor == "support@ars.test"


async def test_closing_without_csrf_token_is_refused(support: httpx.AsyncClient, structures: Seeded, session):
    await submit_signalement(session, SignalementInput(structures.eg_finess[0], "Adresse erronée"), address="a",
                             salt="s")
    row_id = (await session.exec(select(Signalement.id))).one()
    refused = await support.post("/admin/signalement/clore", data={"pks": str(row_id)})
    assert refused.status_code in (400, 403)
    session.expire_all()
    assert (await session.get(Signalement, row_id)).statut == "ouvert"
