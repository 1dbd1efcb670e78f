"""End to end in a real browser: support logs in, finds an EG by FINESS, corrects its raison
sociale with a motif and finds the change in the history. Debian's chromium through Playwright,
against a uvicorn server started by the test on a free loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ror_graph.app import create_app
from tests.admin.conftest import PASSWORD, Seeded
from tests.live import admin_page, serve, stop

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture
def server(settings) -> Iterator[str]:
    """The real app served by uvicorn in a thread; yields its base URL."""
    base, uv, thread = serve(create_app(settings))
    yield base
    stop(uv, thread)


async def test_support_corrects_a_raison_sociale_and_sees_it_in_the_history(
        structures: Seeded, accounts, server: str, chromium_path: str):
    from playwright.async_api import expect

    finess = structures.eg_finess[5]
    async with admin_page(chromium_path, server, accounts["support"], PASSWORD) as page:
        # given support is logged in
        # when it finds the EG by FINESS in the list
        await page.goto(f"{server}/admin/etablissement/list")
        await page.fill("#search-input", finess)
        await page.press("#search-input", "Enter")
        await expect(page).to_have_url(f"{server}/admin/etablissement/list?search={finess}")
        await expect(page.locator("table tbody tr")).to_have_count(1)
        await page.locator("table tbody a[href*='/admin/etablissement/details/']").first.click()

        # and corrects the raison sociale with a motif through the FINESS correction form
        await page.get_by_role("link", name="Corriger un champ FINESS").click()
        await page.select_option("#f-champ", "raison_sociale")
        await page.fill("#f-valeur", "EHPAD LES GLYCINES")
        await page.fill("#f-motif", "Ticket 7781 : nom mal saisi dans FINESS")
        await page.click("#submit")

        # then the EG shows the new name
        await expect(page.locator("body")).to_contain_text("EHPAD LES GLYCINES")
        # and the history lists the change with its motif and author
        await page.goto(f"{server}/admin/audit-log/list")
        row = page.locator("table tbody tr", has_text=finess)
        await expect(row).to_contain_text("raison_sociale")
        await expect(row).to_contain_text("EHPAD NUMERO 05")
        await expect(row).to_contain_text("EHPAD LES GLYCINES")
        await expect(row).to_contain_text("Ticket 7781")
        await expect(row).to_contain_text(accounts["support"])
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "admin_audit_after_finess_correction.png"), full_page=True)
