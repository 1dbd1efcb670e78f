"""Writes from the back office go through the services: audit row, outbox row, FINESS rules."""

from __future__ import annotations

import html

import httpx
from sqlmodel import select

from ror_graph.models import AuditLog, EntiteJuridique, Etablissement, Event, FinessFieldState
from tests.admin.conftest import Seeded, page_token


async def _rows(session, model, *where):
    session.expire_all()
    return list(await session.exec(select(model).where(*where)))


async def test_finess_correction_without_motif_is_refused(support: httpx.AsyncClient, structures: Seeded, session):
    # given an EG and the correction form
    eg_id = structures.eg_ids[3]
    url = f"/admin/etablissement/corriger-finess/{eg_id}"
    form = await support.get(url)
    assert form.status_code == 200 and "Motif de la correction" in form.text
    # when support submits a new raison sociale without a motif
    response = await support.post(url, data={"champ": "raison_sociale", "valeur": "EHPAD LES TILLEULS",
                                             "motif": "   ", "csrf_token": await page_token(support)})
    # then the form says the motif is required and nothing is written
    assert response.status_code == 400
    assert "Le motif de la correction est obligatoire." in response.text
    eg = (await _rows(session, Etablissement, Etablissement.id == eg_id))[0]
    assert eg.raison_sociale == "EHPAD NUMERO 03"
    assert await _rows(session, AuditLog) == [] and await _rows(session, Event) == []


async def test_finess_correction_with_motif_changes_the_field_audits_and_enqueues(
        support: httpx.AsyncClient, structures: Seeded, session):
    eg_id, finess = structures.eg_ids[3], structures.eg_finess[3]
    # when support corrects the raison sociale with a motif
    response = await support.post(f"/admin/etablissement/corriger-finess/{eg_id}", data={
        "champ": "raison_sociale", "valeur": "EHPAD LES TILLEULS", "motif": "Ticket 4521 : erreur de saisie FINESS",
        "csrf_token": await page_token(support)})
    # then it lands on the EG's page with a confirmation
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"/admin/etablissement/details/{eg_id}")
    details = await support.get(response.headers["location"])
    assert "EHPAD LES TILLEULS" in details.text and "corrigé" in details.text
    # and the field, its audit row (with motif and author), the outbox row and the FINESS state are written
    eg = (await _rows(session, Etablissement, Etablissement.id == eg_id))[0]
    assert eg.raison_sociale == "EHPAD LES TILLEULS"
    [audit] = await _rows(session, AuditLog)
    assert (audit.entity, audit.entity_id, audit.field) == ("etablissement", finess, "raison_sociale")
    assert (audit.old_value, audit.new_value) == ("EHPAD NUMERO 03", "EHPAD LES TILLEULS")
    assert (audit.actor, audit.role, audit.source) == ("support@ars.test", "support", "admin")
    assert audit.motif == "Ticket 4521 : erreur de saisie FINESS"
    outbox = await _rows(session, Event)
    assert [(o.entity, o.entity_id) for o in outbox] == [("etablissement", eg_id)]
    [state] = await _rows(session, FinessFieldState)
    assert state.corrected and state.finess_value == "EHPAD NUMERO 03"
    # and the audit view shows it
    audit_page = await support.get("/admin/audit-log/list", params={"search": finess})
    assert "Ticket 4521" in audit_page.text and "EHPAD LES TILLEULS" in audit_page.text


async def test_ej_correction_goes_through_the_same_service(support: httpx.AsyncClient, structures: Seeded, session):
    ej = (await _rows(session, EntiteJuridique))[0]
    response = await support.post(f"/admin/entite-juridique/corriger-finess/{ej.id}", data={
        "champ": "raison_sociale", "valeur": "ASSOCIATION RENOMMEE", "motif": "Statuts 2026",
        "csrf_token": await page_token(support)})
    assert response.status_code == 303
    [audit] = await _rows(session, AuditLog)
    assert (audit.entity, audit.entity_id, audit.motif) == ("entite_juridique", structures.ej_finess, "Statuts 2026")
    # every EG of the EJ is re-indexed (their documents carry the EJ's name)
    assert {o.entity_id for o in await _rows(session, Event, Event.entity == "etablissement")} == set(
        structures.eg_ids)


async def test_correction_refuses_a_field_that_is_not_finess_owned(support: httpx.AsyncClient, structures: Seeded,
                                                                   session):
    response = await support.post(f"/admin/etablissement/corriger-finess/{structures.eg_ids[0]}", data={
        "champ": "nom_operationnel", "valeur": "X", "motif": "essai", "csrf_token": await page_token(support)})
    assert response.status_code == 400
    assert await _rows(session, AuditLog) == []


async def test_correction_reports_the_service_error_in_french(support: httpx.AsyncClient, structures: Seeded,
                                                              session):
    # a catégorie outside the JDV_J55 value set is refused by the service; the form shows why
    response = await support.post(f"/admin/etablissement/corriger-finess/{structures.eg_ids[0]}", data={
        "champ": "categorie_code", "valeur": "ZZZ", "motif": "essai", "csrf_token": await page_token(support)})
    assert response.status_code == 400
    assert 'id="form-error"' in response.text
    assert await _rows(session, AuditLog) == []


async def test_edit_form_shows_finess_fields_read_only_and_saves_declared_fields_through_the_service(
        support: httpx.AsyncClient, structures: Seeded, session):
    eg_id = structures.eg_ids[0]
    form = await support.get(f"/admin/etablissement/edit/{eg_id}")
    assert form.status_code == 200
    assert 'name="raison_sociale"' in form.text and "readonly" in form.text
    assert 'name="categorie_code"' not in form.text  # other FINESS fields are not in the form at all
    # when support changes the nom opérationnel
    response = await support.post(f"/admin/etablissement/edit/{eg_id}", data={
        "finess": structures.eg_finess[0], "raison_sociale": "EHPAD NUMERO 00", "version": "1",
        "nom_operationnel": "Les Tilleuls", "commentaire": "", "accessibilite_code": "",
        "nb_place_aide_sociale_permanent": "", "nb_place_aide_sociale_temporaire": "", "hebergement_famille": "",
        "save": "Save", "csrf_token": await page_token(support)})
    # then the write service stored it with its audit and outbox rows
    assert response.status_code == 302, response.text[:2000]
    eg = (await _rows(session, Etablissement, Etablissement.id == eg_id))[0]
    assert eg.nom_operationnel == "Les Tilleuls" and eg.version == 2
    audits = {a.field: a for a in await _rows(session, AuditLog)}
    assert audits["nom_operationnel"].new_value == "Les Tilleuls"
    assert audits["nom_operationnel"].source == "admin"
    assert [(o.entity, o.entity_id) for o in await _rows(session, Event)] == [("etablissement", eg_id)]


async def test_edit_form_refuses_a_tampered_finess_field(support: httpx.AsyncClient, structures: Seeded, session):
    eg_id = structures.eg_ids[0]
    response = await support.post(f"/admin/etablissement/edit/{eg_id}", data={
        "finess": structures.eg_finess[0], "raison_sociale": "NOM FORGE", "version": "1",
        "nom_operationnel": "X", "save": "Save", "csrf_token": await page_token(support)})
    assert response.status_code == 400
    assert "Corriger un champ FINESS" in response.text
    eg = (await _rows(session, Etablissement, Etablissement.id == eg_id))[0]
    assert (eg.raison_sociale, eg.nom_operationnel) == ("EHPAD NUMERO 00", None)
    assert await _rows(session, AuditLog) == []


async def test_edit_with_a_stale_version_is_refused(support: httpx.AsyncClient, structures: Seeded, session):
    eg_id = structures.eg_ids[0]
    response = await support.post(f"/admin/etablissement/edit/{eg_id}", data={
        "finess": structures.eg_finess[0], "raison_sociale": "EHPAD NUMERO 00", "version": "7",
        "nom_operationnel": "Trop tard", "save": "Save", "csrf_token": await page_token(support)})
    assert response.status_code == 400
    assert await _rows(session, AuditLog) == []


async def test_edit_without_the_version_read_is_refused(support: httpx.AsyncClient, structures: Seeded, session):
    # given the EG edit form, when a crafted POST leaves the version out (it would skip optimistic locking)
    eg_id = structures.eg_ids[0]
    response = await support.post(f"/admin/etablissement/edit/{eg_id}", data={
        "finess": structures.eg_finess[0], "raison_sociale": "EHPAD NUMERO 00",
        "nom_operationnel": "Sans version", "save": "Save", "csrf_token": await page_token(support)})
    # then it is refused with a French message, and nothing is written
    assert response.status_code == 400
    assert "La version de la fiche que vous avez ouverte manque" in html.unescape(response.text)
    eg = (await _rows(session, Etablissement, Etablissement.id == eg_id))[0]
    assert (eg.nom_operationnel, eg.version) == (None, 1)
    assert await _rows(session, AuditLog) == [] and await _rows(session, Event) == []


async def test_read_only_views_refuse_create_edit_and_delete(support: httpx.AsyncClient, structures: Seeded):
    token = await page_token(support)
    assert (await support.get("/admin/entite-juridique/edit/1")).status_code == 403
    assert (await support.get("/admin/commune/create")).status_code == 403
    assert (await support.post("/admin/nomenclature/create", data={"csrf_token": token})).status_code == 403
    delete = await support.delete(f"/admin/etablissement/delete?pks={structures.eg_ids[0]}",
                                  headers={"X-CSRF-Token": token})
    assert delete.status_code == 403


async def test_validate_on_behalf_of_the_director_requires_a_motif(support: httpx.AsyncClient, structures: Seeded,
                                                                   session):
    ids = structures.eg_ids[1:3]
    # the list action leads to the validation form for the selected EGs
    action = await support.get("/admin/etablissement/action/valider", params={"pks": ",".join(map(str, ids))})
    assert action.status_code == 302
    form = await support.get(action.headers["location"])
    assert structures.eg_finess[1] in form.text and structures.eg_finess[2] in form.text
    token = await page_token(support)
    # without motif: refused, nothing written
    refused = await support.post("/admin/etablissement/valider", data={
        "pks": ",".join(map(str, ids)), "motif": "", "csrf_token": token})
    assert refused.status_code == 400 and await _rows(session, AuditLog) == []
    # with a motif: both EGs validated now, audited with the motif
    done = await support.post("/admin/etablissement/valider", data={
        "pks": ",".join(map(str, ids)), "motif": "Confirmé par le directeur au téléphone", "csrf_token": token})
    assert done.status_code == 303
    egs = await _rows(session, Etablissement, Etablissement.id.in_(ids))
    assert all(eg.statut_description == "valide" and eg.derniere_validation_par == "support@ars.test" for eg in egs)
    audits = await _rows(session, AuditLog, AuditLog.field == "derniere_validation_at")
    assert {a.entity_id for a in audits} == set(structures.eg_finess[1:3])
    assert {a.motif for a in audits} == {"Confirmé par le directeur au téléphone"}
