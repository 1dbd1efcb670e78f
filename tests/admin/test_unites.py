"""Units in the back office: declared fields edited and offers closed through the write services."""

from __future__ import annotations

import html
from datetime import date

import httpx
from sqlmodel import select

from ror_graph.models import AuditLog, Event, Unite
from ror_graph.services.accounts.principal import Principal
from ror_graph.services.core.write import parse
from ror_graph.services.unite.inputs import UniteUpdate
from ror_graph.services.unite.write import update_unite
from tests.admin.conftest import page_token

SUPPORT = Principal(kind="account", name="other.support@ars.test", role="support", level=3)


async def _rows(session, model, *where):
    session.expire_all()
    return list(await session.exec(select(model).where(*where)))


async def _unite(session, unite_id: int) -> Unite:
    """The stored offer, detached: later reads (which expire the session) leave its values readable."""
    unite = (await _rows(session, Unite, Unite.id == unite_id))[0]
    session.expunge(unite)
    return unite


async def _form(http: httpx.AsyncClient, unite: Unite, **changes) -> dict[str, str]:
    """The edit form as the browser posts it: every field with its current value, then ``changes``."""
    data = {"identifiant": unite.identifiant, "version": str(unite.version), "nom": unite.nom,
            "type_offre_code": unite.type_offre_code or "", "champ_activite_code": unite.champ_activite_code,
            "mode_prise_en_charge_code": unite.mode_prise_en_charge_code,
            "temporalite_code": unite.temporalite_code or "", "age_min": str(unite.age_min),
            "age_max": str(unite.age_max), "soins_sans_consentement": "", "secteur_psychiatrique": "",
            "commentaire": unite.commentaire or "", "save": "Save",
            "csrf_token": await page_token(http, "/admin/unite/list")}
    if unite.unite_sensible:
        data["unite_sensible"] = "y"  # an unchecked checkbox is simply absent
    data.update(changes)
    return data


async def test_edit_form_offers_nomenclature_choices_and_read_only_identity(support: httpx.AsyncClient, offres,
                                                                          session):
    unite = await _unite(session, offres[0])
    # when support opens the edit form of an offer
    form = await support.get(f"/admin/unite/edit/{unite.id}")
    # then the coded fields are drop-downs of the national nomenclatures, identifier and version read-only
    assert form.status_code == 200
    assert "04 — Médico-social (MS)" in form.text and "01 — Temporaire" in form.text
    assert "(obsolète)" in form.text  # retired TRE_R213 codes stay listed, marked
    assert 'name="identifiant"' in form.text and 'name="version"' in form.text and "readonly" in form.text


async def test_support_edits_a_unit_through_the_service(support: httpx.AsyncClient, offres, session):
    unite = await _unite(session, offres[0])
    # when support renames the offer, makes it temporary and widens its ages
    response = await support.post(f"/admin/unite/edit/{unite.id}", data=await _form(
        support, unite, nom="Hébergement temporaire", temporalite_code="01", age_min="55",
        soins_sans_consentement="false"))
    # then the row changed and its version moved on
    assert response.status_code == 302, response.text[-3000:]
    stored = await _unite(session, unite.id)
    assert (stored.nom, stored.temporalite_code, stored.age_min, stored.age_max) == (
        "Hébergement temporaire", "01", 55, 120)
    assert stored.soins_sans_consentement is False and stored.version == 2
    # and one audit row per changed field, signed by support with source "admin"
    audits = {a.field: a for a in await _rows(session, AuditLog, AuditLog.entity == "unite")}
    assert set(audits) == {"nom", "temporalite_code", "age_min", "soins_sans_consentement"}
    assert (audits["age_min"].old_value, audits["age_min"].new_value) == ("60", "55")
    assert {(a.entity_id, a.actor, a.role, a.source) for a in audits.values()} == {
        (unite.identifiant, "support@ars.test", "support", "admin")}
    # and the search outbox will re-read the offer
    assert ("unite", unite.id) in {(o.entity, o.entity_id) for o in await _rows(session, Event)}
    # and the other offer is untouched
    assert (await _unite(session, offres[1])).version == 1


async def test_admin_can_edit_a_unit_too(admin: httpx.AsyncClient, offres, session):
    unite = await _unite(session, offres[1])
    response = await admin.post(f"/admin/unite/edit/{unite.id}", data=await _form(admin, unite, commentaire="Vu"))
    assert response.status_code == 302
    [audit] = await _rows(session, AuditLog, AuditLog.entity == "unite")
    assert (audit.field, audit.new_value, audit.role, audit.source) == ("commentaire", "Vu", "admin", "admin")


async def test_a_post_without_the_version_is_refused(support: httpx.AsyncClient, offres, session):
    # given the edit form, when a crafted POST leaves the version out
    unite = await _unite(session, offres[0])
    form = await _form(support, unite, nom="Sans version")
    del form["version"]
    response = await support.post(f"/admin/unite/edit/{unite.id}", data=form)
    # then it is refused (the form's fallback to the current version is not used) and nothing is written
    assert response.status_code == 400
    assert "The version you read is required." in html.unescape(response.text)
    stored = await _unite(session, unite.id)
    assert (stored.nom, stored.version) == (unite.nom, 1)
    assert await _rows(session, AuditLog) == []


async def test_stale_version_is_refused_and_nothing_is_written(support: httpx.AsyncClient, offres, session):
    # given support opened the form at version 1, then someone else saved the offer (version 2)
    opened = await _unite(session, offres[0])
    form = await _form(support, opened, nom="Mon nom")
    await update_unite(session, SUPPORT, identifiant=opened.identifiant, version=1,
                       data=parse(UniteUpdate, {"nom": "Le nom de l'autre"}))
    audits_before = len(await _rows(session, AuditLog))
    outbox_before = len(await _rows(session, Event))
    # when support saves the stale form
    response = await support.post(f"/admin/unite/edit/{opened.id}", data=form)
    # then the form explains the conflict and nothing of this save is written
    assert response.status_code == 400
    page = html.unescape(response.text)
    assert "modifiée par quelqu'un d'autre" in page and "version actuelle : 2" in page
    stored = await _unite(session, opened.id)
    assert (stored.nom, stored.version) == ("Le nom de l'autre", 2)
    assert len(await _rows(session, AuditLog)) == audits_before
    assert len(await _rows(session, Event)) == outbox_before


async def test_invalid_code_is_a_form_error(support: httpx.AsyncClient, offres, session):
    unite = await _unite(session, offres[0])
    # a code outside TRE_R227, and a retired TRE_R213 code (listed, but no longer writable)
    for field, code in (("champ_activite_code", "99"), ("mode_prise_en_charge_code", "03")):
        response = await support.post(f"/admin/unite/edit/{unite.id}", data=await _form(support, unite,
                                                                                          **{field: code}))
        assert response.status_code == 400, field
        page = html.unescape(response.text)
        assert "Code refusé" in page and "Rien n'a été enregistré" in page
    stored = await _unite(session, unite.id)
    assert (stored.champ_activite_code, stored.mode_prise_en_charge_code, stored.version) == ("04", "46", 1)
    assert await _rows(session, AuditLog) == [] and await _rows(session, Event) == []


async def test_identifier_cannot_be_changed_from_the_form(support: httpx.AsyncClient, offres, session):
    unite = await _unite(session, offres[0])
    response = await support.post(f"/admin/unite/edit/{unite.id}", data=await _form(
        support, unite, identifiant="11/999999", nom="X"))
    assert response.status_code == 400 and "ne change jamais" in html.unescape(response.text)
    assert (await _unite(session, unite.id)).nom == "Hébergement permanent"
    assert await _rows(session, AuditLog) == []


async def test_close_an_offer_with_a_motif(support: httpx.AsyncClient, offres, session):
    unite = await _unite(session, offres[0])
    # the offer's page offers the closing action, which leads to the form listing the TRE_R286 types
    assert "Fermer l&#39;offre" in (await support.get(f"/admin/unite/details/{unite.id}")).text
    action = await support.get("/admin/unite/action/fermer", params={"pks": str(unite.id)})
    assert action.status_code == 302 and action.headers["location"].endswith(f"/admin/unite/fermer/{unite.id}")
    form = await support.get(action.headers["location"])
    assert form.status_code == 200 and "DEF — Définitive" in form.text and 'type="date"' in form.text
    url = f"/admin/unite/fermer/{unite.id}"
    fields = {"version": "1", "date_fermeture": "2026-03-31", "type_fermeture_code": "DEF"}
    # without motif: refused, nothing written
    refused = await support.post(url, data={**fields, "motif": " ", "csrf_token": await page_token(support)})
    assert refused.status_code == 400 and "Le motif de la fermeture est obligatoire." in html.unescape(refused.text)
    assert not (await _unite(session, unite.id)).ferme and await _rows(session, AuditLog) == []
    # with a motif: closed, audited with the motif, re-indexed (the worker drops closed offers)
    done = await support.post(url, data={**fields, "motif": "Courrier ARS du 2 mars",
                                         "csrf_token": await page_token(support)})
    assert done.status_code == 303 and done.headers["location"].endswith(f"/admin/unite/details/{unite.id}")
    assert "Offre fermée." in (await support.get(done.headers["location"])).text
    stored = await _unite(session, unite.id)
    assert (stored.ferme, stored.date_fermeture, stored.type_fermeture_code, stored.version) == (
        True, date(2026, 3, 31), "DEF", 2)
    audits = await _rows(session, AuditLog, AuditLog.entity == "unite")
    assert {a.field for a in audits} == {"date_fermeture", "type_fermeture_code", "ferme"}
    assert {(a.motif, a.source, a.actor) for a in audits} == {("Courrier ARS du 2 mars", "admin", "support@ars.test")}
    assert ("unite", unite.id) in {(o.entity, o.entity_id) for o in await _rows(session, Event)}
    # and a closed offer can no longer be edited from the back office
    assert (await support.get(f"/admin/unite/edit/{unite.id}")).status_code == 403


async def test_close_refuses_an_unknown_type_and_a_stale_version(support: httpx.AsyncClient, offres, session):
    unite = await _unite(session, offres[0])
    url = f"/admin/unite/fermer/{unite.id}"
    base = {"date_fermeture": "2026-03-31", "motif": "essai", "csrf_token": await page_token(support)}
    wrong_type = await support.post(url, data={**base, "version": "1", "type_fermeture_code": "ZZZ"})
    assert wrong_type.status_code == 400 and "Code refusé (Type de fermeture)" in html.unescape(wrong_type.text)
    stale = await support.post(url, data={**base, "version": "5", "type_fermeture_code": "DEF"})
    assert stale.status_code == 400 and "modifiée par quelqu'un d'autre" in html.unescape(stale.text)
    stored = await _unite(session, unite.id)
    assert (stored.ferme, stored.version) == (False, 1)
    assert await _rows(session, AuditLog) == [] and await _rows(session, Event) == []


async def test_provisional_closure_keeps_the_offer_open_with_its_reopening_date(support: httpx.AsyncClient, offres,
                                                                                session):
    unite = await _unite(session, offres[1])
    response = await support.post(f"/admin/unite/fermer/{unite.id}", data={
        "version": "1", "date_fermeture": "2026-07-01", "type_fermeture_code": "PRO",
        "date_reouverture_prevue": "2026-09-01", "motif": "Travaux d'été", "csrf_token": await page_token(support)})
    assert response.status_code == 303
    stored = await _unite(session, unite.id)
    assert (stored.ferme, stored.type_fermeture_code, stored.date_reouverture_prevue) == (
        False, "PRO", date(2026, 9, 1))
