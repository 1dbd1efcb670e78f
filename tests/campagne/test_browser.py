"""The campaign dashboard in a real browser (Debian's chromium through Playwright): support opens it from
the campaign list, sees the status counts, the charts and the late structures; a screenshot is kept."""

from __future__ import annotations

import pytest

from tests.admin.conftest import PASSWORD
from tests.admin.test_browser import ARTIFACTS
from tests.campagne.test_admin import dashboard_world
from tests.live import admin_page

pytestmark = pytest.mark.browser


async def test_support_follows_the_campaign_dashboard(session, structures, accounts, server, chromium_path):
    from playwright.async_api import expect

    campagne = await dashboard_world(session, structures)
    async with admin_page(chromium_path, server, accounts["support"], PASSWORD) as page:
        # given support is logged in
        # when it opens the campaign's dashboard from the campaign list
        await page.goto(f"{server}/admin/campagne/list")
        await page.locator("a.tableau-link").first.click()
        await expect(page).to_have_url(f"{server}/admin/campagne/tableau?id={campagne.id}")
        # then it sees the counts, both charts drawn with their series, and the late structures
        await expect(page.locator("#kpi-validee")).to_have_text("2")
        await expect(page.locator("#kpi-en_retard")).to_have_text("8")
        await expect(page.locator("#chart-complets polyline.serie")).to_have_count(2)
        await expect(page.locator("#chart-valides polyline.serie")).to_have_count(2)
        await expect(page.locator("#en-retard tbody tr")).to_have_count(8)
        box = await page.locator("#chart-complets").bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "campagne_dashboard.png"), full_page=True)
        # and the export button downloads the XLSX
        async with page.expect_download() as download:
            await page.click("#export-xlsx")
        assert (await download.value).suggested_filename == f"campagne-{campagne.id}.xlsx"
