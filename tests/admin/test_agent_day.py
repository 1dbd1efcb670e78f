"""A support agent's day in a real browser (Debian's chromium through Playwright), page by page.

Finds an EG by a fragment of its name, opens its page and sees its units, corrects a FINESS field
(a bad value refused with a French message, a good one saved with its motif), edits an offer's
activités and contacts, and finds all of it in the EG's timeline. Each page is saved as a
screenshot in ``tests/artifacts/agent_day_*.png`` (git-ignored) for the review note.
"""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from ror_graph.models import Nomenclature
from ror_graph.services.unite.inputs import ATTRIBUTE_SYSTEMS
from tests.admin.conftest import PASSWORD, Seeded
from tests.admin.test_browser import ARTIFACTS, server  # noqa: F401 (fixtures)
from tests.live import admin_page

pytestmark = pytest.mark.browser
CONTACT = [{"nature_code": "06", "nom": "Accueil de l'EHPAD", "confidentialite": 1,
            "telecoms": [{"canal_code": "2", "valeur": "0141000000", "confidentialite": 1}]}]


async def test_the_agent_day(structures: Seeded, offres: list[int], accounts, session, server: str,  # noqa: F811
                             chromium_path: str):
    from playwright.async_api import expect

    activite, libelle = (await session.exec(select(Nomenclature.code, Nomenclature.label).where(
        Nomenclature.system == ATTRIBUTE_SYSTEMS["activites"], Nomenclature.writable).order_by(Nomenclature.code))
    ).first()
    ARTIFACTS.mkdir(exist_ok=True)
    async with admin_page(chromium_path, server, accounts["support"], PASSWORD) as page:
        async def shot(name: str) -> None:
            await page.screenshot(path=str(ARTIFACTS / f"agent_day_{name}.png"), full_page=True)

        # given support is logged in, on its dashboard
        await shot("1_tableau_de_bord")

        # when it finds the EG by a fragment of its name: one row, with labels rather than codes
        await page.goto(f"{server}/admin/etablissement/list")
        await page.fill("#search-input", "numero 00")
        await page.press("#search-input", "Enter")
        rows = page.locator("table tbody tr")
        await expect(rows).to_have_count(1)
        await expect(rows.first).to_contain_text("Paris (75)")
        await shot("2_liste_recherche")

        # and opens its page: identity with locks, its units
        await rows.first.locator("a[href*='/admin/etablissement/details/']").first.click()
        await expect(page.locator("#unites")).to_contain_text("Unités (2)")
        await expect(page.locator("body")).to_contain_text("Hébergement permanent")
        await shot("3_fiche_etablissement")

        # then a bad postal code is refused with a French message, nothing saved
        await page.locator("a[href*='champ=code_postal']").click()
        await page.fill("#f-valeur", "ABCDE")
        await page.fill("#f-motif", "Courrier de l'ARS du 3 mars")
        await page.click("#submit")
        await expect(page.locator("#form-error")).to_contain_text("code postal de 5 chiffres attendu")
        await shot("4_correction_refusee")
        # and a good one is saved with its motif
        await page.fill("#f-valeur", "75015")
        await page.click("#submit")
        await expect(page.locator("body")).to_contain_text("Code postal corrigé.")

        # when it edits the first offer's activités and contacts
        await page.locator("tr", has_text="Hébergement permanent").locator("a", has_text="listes").click()
        await page.select_option("#f-activites", [activite])
        await page.fill("#f-contacts", json.dumps(CONTACT, ensure_ascii=False))
        await shot("5_listes_unite")
        await page.click("#submit")
        await expect(page.locator("body")).to_contain_text("Listes enregistrées (2 modifiée(s)).")

        # then the EG's timeline shows the correction with its motif, the activités and the contact
        await page.locator("a[href*='/admin/etablissement/details/']").first.click()
        timeline = page.locator("#timeline")
        await expect(timeline).to_contain_text("Code postal : 75001 → 75015")
        await expect(timeline).to_contain_text("Motif : Courrier de l'ARS du 3 mars")
        await expect(timeline).to_contain_text("Accueil de l'EHPAD (niveau 1) : 0141000000")
        await expect(timeline).to_contain_text(f"Activités opérationnelles (Hébergement permanent) : — → {libelle}")
        await shot("6_historique")
