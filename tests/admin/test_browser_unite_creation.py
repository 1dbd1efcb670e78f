"""In a real browser: support opens « Créer une unité », picks the SSIAD modèle de saisie, sees its
values preselected, changes the publics, saves, and finds the offer with the template's values.
Debian's chromium through Playwright against the uvicorn server of ``test_browser``."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from ror_graph.models import Unite, UniteCode
from tests.admin.conftest import PASSWORD, Seeded
from tests.admin.test_browser import ARTIFACTS, server  # noqa: F401  (fixture)
from tests.live import admin_page

pytestmark = pytest.mark.browser


async def test_support_creates_a_unit_from_a_template(structures: Seeded, accounts, server: str,  # noqa: F811
                                                      chromium_path: str, session):
    from playwright.async_api import expect

    async with admin_page(chromium_path, server, accounts["support"], PASSWORD, height=1200) as page:
        # given support logs in and opens the creation form from the units list
        await page.goto(f"{server}/admin/unite/list")
        await page.get_by_role("link", name="Créer une unité").click()
        await expect(page).to_have_url(f"{server}/admin/unite/creer")

        # when it picks the SSIAD template
        await page.select_option("#f-modele", "ssiad")
        # then the template's values are selected in the form
        await expect(page.locator("#f-type_offre_code")).to_have_value("28")
        await expect(page.locator("#f-mode_prise_en_charge_code")).to_have_value("49")
        await expect(page.locator("#f-champ_activite_code")).to_have_value("04")
        await expect(page.locator("#f-activites option:checked")).to_have_count(1)
        await expect(page.locator("#f-activites option[value='287']")).to_have_js_property("selected", True)
        await expect(page.locator("#f-publics option[value='01']")).to_have_js_property("selected", True)

        # when it fills the rest, adds a public, and saves
        await page.fill("#f-finess", structures.eg_finess[0])
        await page.fill("#f-nom", "SSIAD Paris Centre")
        await page.fill("#f-age_min", "60")
        await page.fill("#f-age_max", "120")
        await page.select_option("#f-publics", ["01", "02"])
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "admin_unite_creation_modele.png"), full_page=True)
        await page.click("#submit")

        # then the new offer's page shows it, with the success message
        await expect(page).to_have_url(re.compile(r".*/admin/unite/details/\d+$"), timeout=10000)
        await expect(page.locator("body")).to_contain_text("SSIAD Paris Centre")
        await expect(page.locator("body")).to_contain_text("créée (modèle « SSIAD")
        await page.screenshot(path=str(ARTIFACTS / "admin_unite_created_from_modele.png"), full_page=True)

    # and the stored offer has the template's values and the agent's change
    unite = (await session.exec(select(Unite).where(Unite.nom == "SSIAD Paris Centre"))).one()
    assert (unite.type_offre_code, unite.champ_activite_code, unite.mode_prise_en_charge_code) == ("28", "04", "49")
    codes = {(a, c) for a, c in await session.exec(select(UniteCode.attribute, UniteCode.code)
                                                  .where(UniteCode.unite_id == unite.id))}
    assert {("activite", "287"), ("public", "01"), ("public", "02")} <= codes
