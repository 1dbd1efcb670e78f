"""The public search page in a real browser (Debian's chromium through Playwright) on the demo data:
typo-tolerant box, facet filters, pages, distance sort, map markers and cards, XLSX export."""

from __future__ import annotations

import pytest

from tests.public.conftest import DemoSite

pytestmark = [pytest.mark.browser, pytest.mark.meili]


async def hit_names(page) -> list[str]:
    return await page.locator("#zone-resultats .hit").evaluate_all("els => els.map(e => e.dataset.nom)")


async def typed_search(page, site: DemoSite, text: str) -> None:
    """Open /recherche and type ``text`` in the box as a person would (results follow the keystrokes)."""
    await page.goto(f"{site.url}/recherche")
    await page.locator("#q").press_sequentially(text, delay=30)
    await page.wait_for_url(lambda url: "q=" in url)
    await page.wait_for_load_state("networkidle")


async def test_typing_ehpd_angrs_lists_the_ehpads_of_angers_first(demo_site: DemoSite, page, artifacts):
    # given the demo directory, when someone types a misspelt "ehpd angrs"
    await typed_search(page, demo_site, "ehpd angrs")
    # then the first results are EHPAD offers located in Angers
    first = page.locator("#zone-resultats .hit").first
    hits = page.locator("#zone-resultats .hit")
    assert await hits.count() == 15  # a full first page
    for i in range(5):
        hit = hits.nth(i)
        assert "EHPAD" in (await hit.locator(".eg").inner_text()) + (await hit.locator("h3").inner_text())
        assert "ANGERS" in (await hit.locator(".adresse").inner_text()).upper()
    assert await first.locator("h3 a").get_attribute("href")
    # and the whole search is in the address (shareable)
    assert "q=ehpd+angrs" in page.url
    await page.screenshot(path=str(artifacts / "recherche_ehpd_angrs.png"), full_page=True)


async def test_a_public_filter_changes_the_count_to_its_facet_count(demo_site: DemoSite, page):
    # given every offer, and the count the "public" facet announces for one of its values
    await page.goto(f"{demo_site.url}/recherche")
    total_before = int(await page.locator("#compte").get_attribute("data-total"))
    boxes = page.locator("input[name=public]")
    counts = await boxes.evaluate_all("els => els.map(e => Number(e.dataset.count))")
    box = boxes.nth(next(i for i, n in enumerate(counts) if n < total_before))
    announced = int(await box.get_attribute("data-count"))
    assert 0 < announced < total_before
    # when that public is ticked (its group unfolded first)
    await page.locator("summary", has_text="Public pris en charge").click()
    await box.check()
    # then the results count is the announced one, and no other facet value announces more
    await page.wait_for_function(f"document.querySelector('#compte').dataset.total === '{announced}'")
    counts = await page.locator("#zone-resultats input[type=checkbox]").evaluate_all(
        "els => els.map(e => Number(e.dataset.count))")
    assert max(counts) <= announced
    assert "public=" in page.url
    # and the back button returns to the unfiltered search
    await page.go_back()
    await page.wait_for_function(f"document.querySelector('#compte').dataset.total === '{total_before}'")
    # and the « Accessibilité » filter (the registry's TRE_R202 facet of the EG) narrows the same way:
    # « Non accessible » announces a share of the offers, and ticking it shows exactly that many
    await page.locator("summary", has_text="Accessibilité").click()
    non_accessible = page.locator("input[name=accessibilite][value='2']")
    announced = int(await non_accessible.get_attribute("data-count"))
    assert 0 < announced < total_before
    await non_accessible.check()
    await page.wait_for_function(f"document.querySelector('#compte').dataset.total === '{announced}'")
    assert "accessibilite=2" in page.url
    assert await page.locator("input[name=accessibilite][value='2']").is_checked()


async def test_page_two_shows_the_next_fifteen(demo_site: DemoSite, page):
    await typed_search(page, demo_site, "ehpad")
    first_page = await hit_names(page)
    # when the next page is asked for
    await page.get_by_role("link", name="Page suivante").click()
    await page.wait_for_url(lambda url: "page=2" in url)
    await page.wait_for_function("document.querySelector('ol.hits').getAttribute('start') === '16'")
    second_page = await hit_names(page)
    # then it holds other offers (15 of them), numbered from 16
    assert len(second_page) == 15 and not set(first_page) & set(second_page)


async def test_distance_sort_around_angers_shows_ascending_km(demo_site: DemoSite, page, artifacts):
    # given offers around Angers, sorted by distance
    await page.goto(f"{demo_site.url}/recherche?q=ehpad&autour=Angers+%2849%29&sort=distance")
    distances = await page.locator(".hit").evaluate_all("els => els.map(e => Number(e.dataset.distance))")
    # then the distances go up, and each offer shows its distance in km
    assert len(distances) == 15 and distances == sorted(distances)
    assert distances[0] < 10
    assert "km" in await page.locator(".hit .distance").first.inner_text()
    await page.screenshot(path=str(artifacts / "recherche_distance_angers.png"), full_page=True)


async def test_the_map_has_one_marker_per_result_and_a_card_on_click(demo_site: DemoSite, page, artifacts):
    await typed_search(page, demo_site, "ehpad")
    with_position = await page.locator(".hit[data-lat]").count()
    # then the map has one marker per result of the page (and works without tiles)
    markers = page.locator("#carte .leaflet-marker-icon")
    assert with_position == 15 and await markers.count() == with_position
    # when a marker is clicked, a card shows that offer with a link to its fiche
    name = await markers.first.get_attribute("title")
    await markers.first.dispatch_event("click")  # offers of one EG share a position: markers overlap
    card = page.locator(".leaflet-popup-content .carte-fiche")
    await card.wait_for()
    assert name in await card.inner_text()
    assert "/etablissement/" in await card.locator("a").get_attribute("href")
    await page.screenshot(path=str(artifacts / "recherche_carte_fiche.png"), full_page=True)


async def test_the_xlsx_export_holds_the_results_of_the_page(demo_site: DemoSite, page, artifacts):
    import openpyxl

    await typed_search(page, demo_site, "ehpd angrs")
    names = set(await hit_names(page))
    # when the Excel export of the current search is downloaded
    async with page.expect_download() as info:
        await page.locator("#export-xlsx").click()
    download = await info.value
    saved = artifacts / download.suggested_filename
    await download.save_as(saved)
    assert saved.suffix == ".xlsx"
    workbook = openpyxl.load_workbook(saved, read_only=True)
    cells = {str(c) for row in workbook.active.iter_rows(values_only=True) for c in row if c is not None}
    # then it opens with openpyxl and lists every offer of the page
    assert names <= cells


async def test_territoires_d_intervention_are_listed_and_drawn(demo_site: DemoSite, page):
    # given a search for home-care services (they serve communes around them)
    await page.goto(f"{demo_site.url}/recherche?q=soins+infirmiers+domicile")
    details = page.locator("details.territoires").first
    await details.locator("summary").click()
    communes = await details.locator("li").count()
    assert communes > 0
    # when they are shown on the map, one circle per commune appears
    await details.locator(".zone-carte").click()
    assert await page.locator("#carte path.leaflet-interactive").count() == communes


async def test_suggestions_complete_communes_and_categories_with_the_keyboard(demo_site: DemoSite, page):
    await page.goto(f"{demo_site.url}/recherche")
    await page.locator("#q").press_sequentially("ehpad ang", delay=30)
    options = page.locator("#suggestions [role=option]")
    await options.filter(has_text="Angers (49)").first.wait_for()
    labels = await options.all_inner_texts()
    assert any(label.startswith("Angers (49)") for label in labels)
    # when the commune is chosen with the arrows and Enter, the search is centred on it
    index = next(i for i, label in enumerate(labels) if label.startswith("Angers (49)"))
    for _ in range(index + 1):
        await page.keyboard.press("ArrowDown")
    await page.keyboard.press("Enter")
    await page.wait_for_url(lambda url: "autour=Angers" in url)
    assert await page.locator("#autour").input_value() == "Angers (49)"
