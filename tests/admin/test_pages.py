"""What support reads on the pages: labels not codes, French buttons, locks, menus by role, Paris time."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import httpx
from sqlmodel import select

from ror_graph.models import ImportRun, Nomenclature
from ror_graph.models.coded import CATEGORIE_EG
from tests.admin.conftest import Seeded, login, page_token

# Codes the seeded rows hold (tests/admin/conftest.py), each of which has a label in the reference data.
RAW_CODES = {
    "500", "202",  # catégories (JDV_J55)
    "75", "69",  # départements
    "11", "84",  # régions
    "75056", "69123",  # communes (COG)
    "a_completer", "valide", "modifie",  # statut de la description
    "21", "04", "46", "02",  # codes of the seeded offers
}


def cells(page: str) -> list[str]:
    """Text of every table cell of a page."""
    return [html.unescape(re.sub(r"<[^>]+>", " ", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", page, re.S)]


async def test_no_page_shows_a_raw_code_where_a_label_exists(support: httpx.AsyncClient, structures: Seeded,
                                                             offres: list[int], session):
    # given EGs in Paris and Lyon (catégories 500 and 202) and two offers with coded fields
    eg = structures.eg_ids[0]
    pages = ["/admin/etablissement/list", f"/admin/etablissement/details/{eg}", "/admin/unite/list",
             f"/admin/unite/details/{offres[0]}", "/admin/entite-juridique/list", "/admin/tableau-de-bord"]
    ehpad = (await session.exec(select(Nomenclature.label).where(
        Nomenclature.system == CATEGORIE_EG, Nomenclature.code == "500"))).one()
    seen = []
    for path in pages:
        # when support opens each page
        response = await support.get(path)
        assert response.status_code == 200, path
        # then no table cell is a bare code: each reads as its label (the code may follow in brackets)
        raw = [cell for cell in cells(response.text) if cell in RAW_CODES]
        assert raw == [], f"{path} shows raw codes {raw}"
        seen += cells(response.text)
    assert ehpad in seen and "Paris (75)" in seen and "Île-de-France (11)" in seen and "À compléter" in seen
    assert "Médico-social (MS) (04)" in seen  # detail pages keep the code after the label


async def test_the_eg_list_shows_the_columns_support_works_with(support: httpx.AsyncClient, structures: Seeded):
    # when support opens the EG list, then its headings are the six useful columns, in French
    page = (await support.get("/admin/etablissement/list")).text
    headings = [html.unescape(re.sub(r"<[^>]+>", "", h)).strip()
                for h in re.findall(r"<th[^>]*>(.*?)</th>", page, re.S)]
    for heading in ("FINESS", "Raison sociale", "Commune (COG)", "Catégorie", "Statut de la description",
                    "Dernière validation"):
        assert heading in headings, headings


async def test_the_edit_form_is_french_and_shows_locked_fields_read_only(support: httpx.AsyncClient,
                                                                        structures: Seeded):
    # when support opens an EG's edit form
    page = (await support.get(f"/admin/etablissement/edit/{structures.eg_ids[0]}")).text
    # then the buttons are in French (posting SQLAdmin's own values) and the FINESS fields carry a lock
    assert '<button type="submit" name="save" value="Save" class="btn btn-primary">Enregistrer</button>' in page
    assert "Enregistrer et continuer" in page and ">Save<" not in page
    for label, name in (("FINESS", "finess"), ("Raison sociale", "raison_sociale"), ("Version", "version")):
        assert f"{label} (verrouillé)</label>" in page
        assert re.search(rf'<input[^>]*id="{name}"[^>]*readonly', page), name
    assert "Corriger un champ FINESS" in page


async def test_support_sees_no_menu_it_cannot_open_and_admin_does(client: httpx.AsyncClient, accounts):
    # given support logged in: no "Administration" heading (its entries answer 403 to support)
    await login(client, accounts["support"])
    page = (await client.get("/admin/etablissement/list")).text
    assert "Administration" not in page and "Structures" in page
    assert (await client.get("/admin/account/list")).status_code == 403
    # given admin logged in: the heading and its entries are there
    await client.get("/admin/logout")
    await login(client, accounts["admin"])
    page = (await client.get("/admin/etablissement/list")).text
    assert "Administration" in page and "/admin/account/list" in page


async def test_dashboard_times_are_paris_time(support: httpx.AsyncClient, session):
    # given an import started at 10:00 UTC on 1 July (summer time: 12:00 in Paris) and finished at 10:05 UTC
    session.add(ImportRun(started_at=datetime(2026, 7, 1, 10, 0, tzinfo=UTC),
                          finished_at=datetime(2026, 7, 1, 10, 5, tzinfo=UTC), source="finess.csv", format="etalab",
                          status="ok"))
    await session.commit()
    # when support opens the dashboard, then both times read in Paris time
    page = (await support.get("/admin/tableau-de-bord")).text
    assert "01/07/2026 12:00" in page and "01/07/2026 12:05" in page
    assert "10:00" not in page and "UTC" not in page


async def test_list_filters_are_drop_downs_not_columns_of_links(support: httpx.AsyncClient, structures: Seeded):
    # when support opens the EG list
    page = (await support.get("/admin/etablissement/list", params={"etat": "ouverts"})).text
    # then the département filter is one drop-down (with a box to narrow it), keeping the other filters
    select = re.search(r'<select[^>]*name="departement"[^>]*>(.*?)</select>', page, re.S)
    assert select and "75 – Paris" in select.group(1) and "49 – Maine-et-Loire" in select.group(1)
    assert 'data-target="filter-departement"' in page
    form = page[page.rindex("<form", 0, select.start()):select.start()]
    assert 'name="etat" value="ouverts"' in form
    assert "?departement=" not in page and "&departement=" not in page  # no link per département


async def test_edit_form_messages_are_french(support: httpx.AsyncClient, structures: Seeded):
    # when support types letters in a number field of the EG's declared fields
    eg_id = structures.eg_ids[0]
    token = await page_token(support, f"/admin/etablissement/edit/{eg_id}")
    response = await support.post(f"/admin/etablissement/edit/{eg_id}", data={
        "csrf_token": token, "finess": structures.eg_finess[0], "raison_sociale": "EHPAD NUMERO 00", "version": "1",
        "nb_place_aide_sociale_permanent": "douze", "save": "Save"})
    # then the form comes back with WTForms' French message, not its English one
    assert response.status_code == 400
    assert "Not a valid integer" not in response.text and "entier" in html.unescape(response.text)
