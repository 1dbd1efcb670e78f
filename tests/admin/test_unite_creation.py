"""Support creates an offer in the back office from a modèle de saisie: the template preselects the
values of the same registry as ``creerUnite(modele:)``, the agent's changes win, the save goes through
the write service (audit, events, French refusals, nothing written on a refusal)."""

from __future__ import annotations

import html
import re

import httpx
from sqlmodel import col, select

from ror_graph.models import AuditLog, Etablissement, Event, ModeleSaisie, Unite, UniteCode, ZoneIntervention
from ror_graph.services.qualite.modeles import DEFAULTS, modeles
from tests.admin.conftest import Seeded, page_token

SSIAD = next(values for code, _, values, _ in DEFAULTS if code == "ssiad")


async def _stored(session, **where) -> list[Unite]:
    session.expire_all()
    return list(await session.exec(select(Unite).where(*(getattr(Unite, k) == v for k, v in where.items()))))


async def _codes(session, unite_id: int) -> dict[str, set[str]]:
    codes: dict[str, set[str]] = {}
    for attribute, code in await session.exec(select(UniteCode.attribute, UniteCode.code)
                                              .where(UniteCode.unite_id == unite_id)):
        codes.setdefault(attribute, set()).add(code)
    return codes


async def _form(http: httpx.AsyncClient, eg: str, **fields) -> dict[str, object]:
    """The creation form as a browser posts it after choosing the SSIAD template (lists repeat their key)."""
    data: dict[str, object] = {"csrf_token": await page_token(http, "/admin/unite/creer"), "modele": "ssiad",
                               "finess": eg, "nom": "SSIAD du 11e", "age_min": "60", "age_max": "120",
                               "type_offre_code": SSIAD["type_offre_code"],
                               "champ_activite_code": SSIAD["champ_activite_code"],
                               "mode_prise_en_charge_code": SSIAD["mode_prise_en_charge_code"],
                               "activites": SSIAD["activites"], "publics": SSIAD["publics"]}
    data.update(fields)
    return data


async def test_choosing_a_template_preselects_its_values(support: httpx.AsyncClient, structures: Seeded):
    # given the units list offers the creation form
    listing = await support.get("/admin/unite/list")
    assert "/admin/unite/creer" in listing.text and "Créer une unité" in listing.text
    # when support opens it with the SSIAD template (what the form does without JavaScript)
    page = await support.get("/admin/unite/creer", params={"modele": "ssiad", "finess": structures.eg_finess[0]})
    text = html.unescape(page.text)
    # then every shipped template is offered, and the SSIAD one's codes are selected
    assert page.status_code == 200
    assert all(f'<option value="{code}"' in text for code, *_ in DEFAULTS)
    assert '<option value="ssiad" selected>' in text
    assert f'<option value="{SSIAD["type_offre_code"]}" selected>' in text
    assert '<option value="287" selected>' in text
    # and the page carries the templates for the in-page preselection, from the same registry
    assert '"ssiad": {' in text and '"type_offre_code": "28"' in text


async def test_a_template_edited_by_support_preselects_its_ages_too(support: httpx.AsyncClient, session):
    # given support made the UVP template start at age 0 and flagged it sensible
    await modeles(session)
    row = await session.get(ModeleSaisie, "uvp")
    row.valeurs = {**row.valeurs, "age_min": 0, "age_max": 99, "unite_sensible": True}
    await session.commit()
    # when the form is opened with it, the ages and the flag are preselected, and carried for the in-page choice
    text = html.unescape((await support.get("/admin/unite/creer", params={"modele": "uvp"})).text)
    assert 'id="f-age_min" name="age_min" value="0"' in text and 'name="age_max" value="99"' in text
    assert re.search(r'name="unite_sensible"\s+checked', text)
    assert '"age_min": 0' in text


async def test_support_creates_from_a_template_and_its_changes_win(support: httpx.AsyncClient, structures: Seeded,
                                                                  session):
    finess = structures.eg_finess[0]
    # when support saves the SSIAD template's values, changing the publics and clearing the type d'offre
    response = await support.post("/admin/unite/creer",
                                  data=await _form(support, finess, publics=["02"], type_offre_code=""))
    # then the offer exists with what was posted (the cleared type stays empty: nothing filled behind the agent)
    assert response.status_code == 303, html.unescape(response.text)[-2000:]
    [unite] = await _stored(session, nom="SSIAD du 11e")
    assert response.headers["location"].endswith(f"/admin/unite/details/{unite.id}")
    assert (unite.type_offre_code, unite.champ_activite_code, unite.mode_prise_en_charge_code) == (None, "04", "49")
    assert unite.identifiant == f"11/{unite.id}"
    codes = await _codes(session, unite.id)
    assert codes["activite"] == {"287"} and codes["public"] == {"02"}
    # and home care gets its EG's département as zone, as through GraphQL
    zone = list(await session.exec(select(ZoneIntervention.code).where(col(ZoneIntervention.unite_id) == unite.id)))
    assert len(zone) == 21 and all(code.startswith("75") for code in zone)
    # and the creation is audited as support through the back office, and an event is appended
    audits = list(await session.exec(select(AuditLog).where(AuditLog.entity == "unite")))
    assert audits and {(a.actor, a.role, a.source) for a in audits} == {("support@ars.test", "support", "admin")}
    assert ("unite", unite.id) in {(e.entity, e.entity_id) for e in await session.exec(select(Event))}


async def test_refusals_are_in_french_and_write_nothing(support: httpx.AsyncClient, structures: Seeded, session):
    finess = structures.eg_finess[0]
    cases = [({"nom": ""}, "À renseigner : Nom"), ({"age_min": "soixante"}, "un nombre entier d'années"),
             ({"modele": "inconnu"}, "Modèle de saisie inconnu"), ({"activites": ["XXX"]}, "Code refusé"),
             ({"finess": "000000000"}, "Rien n'a été enregistré")]
    for fields, message in cases:
        response = await support.post("/admin/unite/creer", data=await _form(support, finess, **fields))
        text = html.unescape(response.text)
        assert response.status_code == 400, (fields, text[-1500:])
        assert message in text and "Rien n'a été enregistré" in text, (fields, text[-1500:])
        # the form comes back with what was typed
        assert 'value="SSIAD du 11e"' in text or fields.get("nom") == ""
    assert await _stored(session) == []


async def test_the_eg_page_opens_the_creation_form_for_its_finess(support: httpx.AsyncClient, structures: Seeded,
                                                                  session):
    # given the page of an EG
    eg = await session.get(Etablissement, structures.eg_ids[0])
    fiche = html.unescape((await support.get(f"/admin/etablissement/details/{eg.id}")).text)
    # when support follows its « Créer une unité » link
    link = re.search(r'id="creer-unite"\s+href="([^"]+)"', fiche)
    assert link is not None
    form = html.unescape((await support.get(link.group(1))).text)
    # then the creation form is for that EG
    assert re.search(rf'name="finess" value="{eg.finess}"', form)
