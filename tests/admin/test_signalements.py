"""Public reports in the back office: one queue. A report sent from a public fiche is worked in
« Anomalies » (listed with its source, closed with a comment); there is no second « Signalements »
queue in the menus."""

from __future__ import annotations

import httpx
from sqlmodel import select

from ror_graph.models import Anomalie
from ror_graph.services.signalement.queue import SignalementInput, submit_signalement
from tests.admin.conftest import Seeded, page_token


async def test_a_public_report_is_worked_in_the_anomaly_queue(support: httpx.AsyncClient, structures: Seeded,
                                                              session):
    # given two reports sent from the public fiche of an EG
    finess = structures.eg_finess[0]
    for i, message in enumerate(("Le téléphone ne répond plus", "Horaires du samedi faux")):
        await submit_signalement(session, SignalementInput(finess, message), address=f"192.0.2.{i}", salt="s")
    ids = [a.id for a in (await session.exec(select(Anomalie).order_by(Anomalie.id))).all()]
    # when support opens the anomaly queue filtered on public reports, both are listed as open
    listing = await support.get("/admin/anomalie/list", params={"statut": "ouverte", "regle": "signalement"})
    assert listing.status_code == 200
    assert "Le téléphone ne répond plus" in listing.text and "Horaires du samedi faux" in listing.text
    # and the menus offer no second queue to work
    assert "/admin/signalement/" not in listing.text
    assert (await support.get("/admin/signalement/list")).status_code == 404
    # when support closes the first one with a comment
    token = await page_token(support, "/admin/anomalie/list")
    done = await support.post("/admin/anomalie/fermer", data={"csrf_token": token, "pks": str(ids[0]),
                                                              "valeur": "Numéro corrigé"})
    assert done.status_code == 303
    # then only the other one is still open
    still_open = await support.get("/admin/anomalie/list", params={"statut": "ouverte", "regle": "signalement"})
    assert "Horaires du samedi faux" in still_open.text and "Le téléphone ne répond plus" not in still_open.text
    session.expire_all()
    assert (await session.get(Anomalie, ids[0])).commentaire == "Numéro corrigé"


async def test_closing_without_csrf_token_is_refused(support: httpx.AsyncClient, structures: Seeded, session):
    row = await submit_signalement(session, SignalementInput(structures.eg_finess[0], "Adresse erronée"),
                                   address="a", salt="s")
    row_id = row.id
    refused = await support.post("/admin/anomalie/fermer", data={"pks": str(row_id), "valeur": "Vu"})
    assert refused.status_code in (400, 403)
    session.expire_all()
    assert (await session.get(Anomalie, row_id)).statut == "ouverte"
