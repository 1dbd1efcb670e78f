"""Support edits an offer's lists in the back office through the API's service and typed input."""

from __future__ import annotations

import html
import json
import re

import httpx
import pytest
from sqlmodel import select

from ror_graph.models import AuditLog, Contact, Event, Nomenclature, Telecom, Unite, UniteCode, ZoneIntervention
from ror_graph.services.unite.inputs import ATTRIBUTE_SYSTEMS
from tests.admin.conftest import page_token

CONTACT = [{"nature_code": "06", "nom": "Accueil", "confidentialite": 1,
            "telecoms": [{"canal_code": "2", "valeur": "0241000000", "confidentialite": 1}]}]


@pytest.fixture
async def activites(session) -> list[str]:
    """Two writable activité codes (TRE_R211)."""
    return list((await session.exec(select(Nomenclature.code).where(
        Nomenclature.system == ATTRIBUTE_SYSTEMS["activites"], Nomenclature.writable).order_by(Nomenclature.code)
        .limit(2))).all())


async def _form(support: httpx.AsyncClient, unite_id: int) -> tuple[str, dict]:
    """The form page and what a browser would post back untouched."""
    page = (await support.get(f"/admin/unite/listes/{unite_id}")).text
    data: dict = {"csrf_token": await page_token(support), "version": re.search(
        r'name="version" value="(\d+)"', page).group(1), "zone_intervention": ""}
    for key in ("contacts", "horaires", "lieux"):
        data[key] = re.search(rf'name="{key}" rows="8">(.*?)</textarea>', page, re.S).group(1) \
            .replace("&#34;", '"').replace("&quot;", '"')
    return page, data


async def test_activites_contacts_and_zone_are_saved_through_the_service(
        support: httpx.AsyncClient, session, offres: list[int], activites: list[str]):
    unite_id = offres[0]
    # given the lists form of an offer (prefilled, with the version read)
    page, data = await _form(support, unite_id)
    assert "Activités" in page or "activit" in page.lower()
    # when support picks two activités, adds a contact and a commune of the zone, then saves
    response = await support.post(f"/admin/unite/listes/{unite_id}", data={
        **data, "activites": activites, "contacts": json.dumps(CONTACT), "zone_intervention": "49007"})
    # then the offer holds them, audited as support in the back office, with one event, version moved on
    assert response.status_code == 303, response.text[-800:]
    session.expire_all()
    codes = (await session.exec(select(UniteCode.code).where(UniteCode.unite_id == unite_id,
                                                             UniteCode.attribute == "activite"))).all()
    assert sorted(codes) == activites
    contact = (await session.exec(select(Contact).where(Contact.unite_id == unite_id))).one()
    assert contact.nom == "Accueil"
    assert (await session.exec(select(Telecom.valeur).where(Telecom.contact_id == contact.id))).one() == "0241000000"
    assert (await session.exec(select(ZoneIntervention.code).where(ZoneIntervention.unite_id == unite_id))).all() \
        == ["49007"]
    audited = {a.field for a in (await session.exec(select(AuditLog).where(AuditLog.source == "admin"))).all()}
    assert {"activites", "contacts", "zone_intervention"} <= audited
    assert (await session.get(Unite, unite_id)).version == 2
    assert (await session.exec(select(Event).where(Event.entity == "unite", Event.entity_id == unite_id))).all()


async def test_a_stale_version_is_refused_and_nothing_changes(support: httpx.AsyncClient, session,
                                                              offres: list[int], activites: list[str]):
    # given the form read at version 1, then someone else saves the offer
    _, data = await _form(support, offres[0])
    first = await support.post(f"/admin/unite/listes/{offres[0]}", data={**data, "activites": activites[:1]})
    assert first.status_code == 303
    # when support posts the stale form, then it is refused in French and the first change stays
    response = await support.post(f"/admin/unite/listes/{offres[0]}", data={**data, "activites": activites})
    assert response.status_code == 400
    shown = html.unescape(response.text)
    assert "modifiée par quelqu'un d'autre" in shown and "Rien n'a été enregistré" in shown
    session.expire_all()
    assert (await session.exec(select(UniteCode.code).where(UniteCode.unite_id == offres[0]))).all() == activites[:1]


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("contacts", "[{\"nom\": ", "Contacts et télécoms : JSON illisible (ligne 1"),
    ("horaires", "{}", "Horaires : une liste [ … ] est attendue"),
    ("activites", "ZZZ", "Code refusé"),
])
async def test_bad_lists_are_refused_in_french(support: httpx.AsyncClient, session, offres: list[int],
                                               field: str, value: str, expected: str):
    # when support posts an unreadable or invalid list, then the form says why and nothing is written
    _, data = await _form(support, offres[0])
    response = await support.post(f"/admin/unite/listes/{offres[0]}", data={**data, field: value})
    assert response.status_code == 400 and expected in html.unescape(response.text)
    session.expire_all()
    assert (await session.get(Unite, offres[0])).version == 1


async def test_commune_autocomplete_finds_communes_by_name(support: httpx.AsyncClient):
    # when the zone field asks for "Ange", then Angers comes back with its code
    rows = (await support.get("/admin/unite/communes", params={"q": "Ange"})).json()
    assert {"code": "49007", "label": "Angers (49) — 49007"} in rows

