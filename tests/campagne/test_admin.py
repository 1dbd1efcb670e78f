"""Back office: support creates a campaign (checked, audited), follows its dashboard (progress, late
list, SVG charts from the daily snapshots), exports it as XLSX, and sees the e-mails that failed."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
from sqlalchemy import update
from sqlmodel import select

from ror_graph.models import AuditLog, Campagne, Etablissement, MailEnvoi, utcnow
from ror_graph.services.campagne.snapshot import prendre_snapshot
from tests.admin.conftest import page_token


async def create(support, **fields) -> object:
    token = await page_token(support, "/admin/campagne/create")
    return await support.post("/admin/campagne/create", data={"csrf_token": token, "active": "y", **fields})


async def test_support_creates_a_campaign_bad_input_changes_nothing(support, session):
    # given support fills the form with a deadline before the opening
    refused = await create(support, nom="Campagne 2026", region_code="11", departements="", categories="",
                           ouverture="2026-09-01", echeance="2026-03-01")
    # then it is refused in French and nothing is stored
    assert refused.status_code == 400 and "doit suivre l" in refused.text
    assert (await session.exec(select(Campagne))).all() == []
    # an unknown département is refused too
    refused = await create(support, nom="Campagne 2026", region_code="", departements="75 999", categories="",
                           ouverture="2026-03-01", echeance="2026-09-30")
    assert refused.status_code == 400 and "999" in refused.text
    # when the form is right, the campaign exists and its creation is audited
    done = await create(support, nom="Campagne 2026 Île-de-France", region_code="11", departements="75",
                        categories="500, 202", ouverture="2026-03-01", echeance="2026-09-30")
    assert done.status_code == 302, done.text[:500]
    row = (await session.exec(select(Campagne))).one()
    assert (row.region_code, row.departements, row.categories) == ("11", ["75"], ["202", "500"])
    assert row.echeance.date().isoformat() == "2026-09-30"
    audit = (await session.exec(select(AuditLog).where(AuditLog.entity == "campagne"))).all()
    assert {a.field for a in audit} >= {"nom", "echeance"} and {a.actor for a in audit} == {"support@ars.test"}


async def dashboard_world(session, structures) -> Campagne:
    """Région 11 (10 open EGs, catégories 500/202): 2 validated since the opening, deadline passed."""
    now = utcnow()
    campagne = Campagne(nom="Campagne IDF", region_code="11", ouverture=now - timedelta(days=20),
                        echeance=now - timedelta(days=1))
    session.add(campagne)
    conn = await session.connection()
    await conn.execute(update(Etablissement).where(Etablissement.id.in_(structures.eg_ids[:6]))  # type: ignore[union-attr]
                       .values(derniere_validation_at=now - timedelta(days=2)))
    await session.commit()
    for days in (3, 2, 1, 0):
        await prendre_snapshot(session, now=now - timedelta(days=days))
    await session.refresh(campagne)
    return campagne


async def test_dashboard_progress_late_list_charts_and_xlsx(support, session, structures):
    campagne = await dashboard_world(session, structures)
    page = await support.get(f"/admin/campagne/tableau?id={campagne.id}")
    assert page.status_code == 200
    html = page.text
    assert 'id="kpi-validee">2<' in html and 'id="kpi-en_retard">8<' in html
    assert 'id="par-departement"' in html and "Paris" in html
    assert html.count('class="serie"') == 4  # 2 charts × (région 11, département 75)
    assert html.count("<svg") >= 2 and 'id="chart-complets"' in html and 'id="chart-valides"' in html
    late = html.split('id="en-retard"')[1]
    assert late.count("<tr><td><a href=") == 8
    # the XLSX export has the same figures
    export = await support.get(f"/admin/campagne/tableau.xlsx?id={campagne.id}")
    assert export.status_code == 200 and export.headers["content-type"].startswith("application/vnd.openxml")
    book = openpyxl.load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["Progression", "En retard", "Indicateurs"]
    rows = list(book["Progression"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Département", "Nom", "Catégorie")
    assert sum(r[3 + 2] for r in rows[1:]) == 2 and sum(r[7] for r in rows[1:]) == 10  # validées, total
    assert len(list(book["En retard"].iter_rows(values_only=True))) == 9
    assert len(list(book["Indicateurs"].iter_rows(values_only=True))) == 1 + 4 * 2
    # an unknown campaign is a 404
    assert (await support.get("/admin/campagne/tableau?id=999")).status_code == 404


async def test_failed_mails_are_listed_for_support(support, session):
    session.add(MailEnvoi(cle="x", kind="relance", etape="j-7", destinataire="perdu@example.fr", sujet="Campagne",
                          statut="echec", tentatives=1, erreur="SMTPRecipientsRefused: 550 no such user"))
    await session.commit()
    page = await support.get("/admin/mail-envoi/list?statut=echec")
    assert page.status_code == 200 and "perdu@example.fr" in page.text and "550 no such user" in page.text



async def test_the_eg_page_shows_its_campaign_status_and_open_anomalies(support, session, structures):
    from ror_graph.services.qualite import moteur

    campagne = await dashboard_world(session, structures)
    await moteur.evaluer(session, None)
    await session.commit()
    # EG 0 (Paris, validated 2 days ago) and EG 6 (Paris, not validated, deadline passed)
    for eg_id, statut in ((structures.eg_ids[0], "validee"), (structures.eg_ids[6], "en_retard")):
        page = await support.get(f"/admin/etablissement/details/{eg_id}")
        assert page.status_code == 200
        assert f'data-statut="{statut}"' in page.text and campagne.nom in page.text
        assert 'id="anomalies-ouvertes"' in page.text
    # an EG of Lyon is in no campaign
    page = await support.get(f"/admin/etablissement/details/{structures.eg_ids[1]}")
    assert "Campagne en cours" in page.text and 'id="campagne-statut"' not in page.text
