"""Back office: support reads the anomaly queue, closes anomalies with a comment (audited), edits a modèle de saisie."""

from __future__ import annotations

from sqlmodel import select

from ror_graph.models import Anomalie, AuditLog, ModeleSaisie
from ror_graph.services.qualite import modeles, moteur
from tests.admin.conftest import page_token


async def test_support_closes_anomalies_with_a_comment(support, session, structures):
    # given the nightly pass over the seeded structures (EHPAD without phone nor installed hébergement)
    await moteur.evaluer(session, None)
    await session.commit()
    rows = (await session.exec(select(Anomalie).where(Anomalie.regle == "sans_telephone_public"))).all()
    assert rows
    listing = await support.get("/admin/anomalie/list?statut=ouverte")
    assert listing.status_code == 200 and "Aucun téléphone de niveau 1" in listing.text
    token = await page_token(support, "/admin/anomalie/list")
    pks = ",".join(str(r.id) for r in rows[:2])
    # a closure without comment is refused, nothing changes
    refused = await support.post("/admin/anomalie/fermer", data={"csrf_token": token, "pks": pks, "valeur": " "})
    assert refused.status_code == 400 and "commentaire" in refused.text.lower()
    # with a comment, both are closed and audited
    done = await support.post("/admin/anomalie/fermer", data={"csrf_token": token, "pks": pks,
                                                              "valeur": "Standard joint par téléphone"})
    assert done.status_code == 303
    session.expire_all()
    closed = (await session.exec(select(Anomalie).where(Anomalie.statut == "fermee"))).all()
    assert {r.id for r in closed} == {r.id for r in rows[:2]}
    assert {r.commentaire for r in closed} == {"Standard joint par téléphone"}
    audit = (await session.exec(select(AuditLog).where(AuditLog.entity == "anomalie"))).all()
    assert {a.actor for a in audit} == {"support@ars.test"} and len(audit) == 4


async def test_support_edits_a_template(support, session):
    await modeles.ensure_defaults(session)
    token = await page_token(support, "/admin/modele-saisie/edit/ssiad")
    bad = await support.post("/admin/modele-saisie/edit/ssiad", data={
        "csrf_token": token, "libelle": "SSIAD", "valeurs": '{"inconnu": 1}', "zone_departement": "y"})
    assert bad.status_code == 400 and "inconnu" in bad.text
    ok = await support.post("/admin/modele-saisie/edit/ssiad", data={
        "csrf_token": token, "libelle": "SSIAD renforcé", "zone_departement": "y",
        "valeurs": '{"type_offre_code": "75", "publics": ["01", "05"]}'})
    assert ok.status_code == 302, ok.text[:300]
    session.expire_all()
    row = await session.get(ModeleSaisie, "ssiad")
    assert row is not None and (row.libelle, row.valeurs["type_offre_code"]) == ("SSIAD renforcé", "75")
