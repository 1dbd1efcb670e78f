"""The rest of the public site in a real browser: the embeddable box on another origin, the report form
landing in the back-office queue, GraphiQL with the outside network blocked, and an axe-core audit."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from tests.public.conftest import AXE, PASSWORD, SUPPORT_EMAIL, DemoSite, serve

pytestmark = [pytest.mark.browser, pytest.mark.meili]
EMBED_EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "embed.html"


@pytest.fixture
def other_origin(demo_site: DemoSite):
    """A page of another site (another origin) embedding the box, as ``docs/embed.html`` shows."""
    html = EMBED_EXAMPLE.read_text(encoding="utf-8").replace("http://localhost:8000", demo_site.url)
    base, server, thread = serve(Starlette(routes=[Route("/", lambda request: HTMLResponse(html))]))
    yield base
    server.should_exit = True
    thread.join(timeout=10)


async def test_the_embedded_box_searches_from_another_origin(demo_site: DemoSite, other_origin: str, page,
                                                             artifacts):
    # given the example page served by another site
    assert other_origin != demo_site.url
    await page.goto(other_origin)
    box = page.locator("ror-recherche")
    # when someone types in the box (inside its shadow DOM)
    await box.get_by_label("Rechercher un EHPAD").press_sequentially("angers", delay=30)
    await page.wait_for_function(
        "() => { const r = document.querySelector('ror-recherche').shadowRoot;"
        " return r.querySelector('[role=status]').textContent.includes('offre') && r.querySelectorAll('li').length }")
    # then EHPADs of Maine-et-Loire are listed, linking to their fiches on the ROR site, in a new tab
    links = box.locator("li a")
    assert await links.count() > 0
    assert (await links.first.get_attribute("href")).startswith(f"{demo_site.url}/etablissement/")
    assert await links.first.get_attribute("target") == "_blank"
    assert "EHPAD" in (await box.locator("li").first.inner_text()).upper()
    await page.screenshot(path=str(artifacts / "embed_other_origin.png"), full_page=True)


async def test_a_report_from_a_fiche_reaches_the_back_office_queue(demo_site: DemoSite, page, artifacts):
    # given the fiche of an EHPAD found by the search
    await page.goto(f"{demo_site.url}/recherche?q=ehpad+angers")
    await page.locator(".hit h3 a").first.click()
    await page.wait_for_url(lambda url: "/etablissement/" in url)
    # when a visitor reports a wrong telephone number
    await page.get_by_label("Qu'est-ce qui est erroné ou manquant ?").fill("Le numéro de l'accueil a changé (test).")
    await page.get_by_label("Votre e-mail (facultatif, pour vous répondre)").fill("visiteur@example.org")
    await page.get_by_role("button", name="Envoyer le signalement").click()
    await page.get_by_text("votre signalement a été transmis").wait_for()
    # then support finds it in the one back-office queue, « Anomalies », open
    await page.goto(f"{demo_site.url}/admin/login")
    await page.fill("#username", SUPPORT_EMAIL)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(lambda url: "/admin/login" not in url)
    await page.goto(f"{demo_site.url}/admin/anomalie/list?regle=signalement")
    row = page.locator("table tbody tr", has_text="Le numéro de l'accueil a changé")
    await row.wait_for()
    assert "visiteur@example.org" in await row.inner_text()
    assert "Erreur signalée par un usager" in await row.inner_text()
    await page.screenshot(path=str(artifacts / "admin_signalements.png"), full_page=True)


async def test_graphiql_runs_a_query_with_the_outside_network_blocked(demo_site: DemoSite, page, artifacts):
    outside: list[str] = []

    async def only_this_server(route):
        if route.request.url.startswith(demo_site.url):
            await route.continue_()
        else:
            outside.append(route.request.url)
            await route.abort()

    await page.route("**/*", only_this_server)
    query = "{ __schema { queryType { name } } }"
    await page.goto(f"{demo_site.url}/graphql#query={quote(query)}", wait_until="networkidle")
    await page.locator(".graphiql-execute-button").click()
    result = page.locator(".result-window")
    await result.get_by_text('"Query"').wait_for()
    assert outside == []
    await page.screenshot(path=str(artifacts / "graphiql_offline.png"))


@pytest.mark.parametrize("path", ["/", "/recherche?q=ehpad&autour=Angers+%2849%29", "fiche"])
async def test_axe_finds_no_serious_or_critical_violation(demo_site: DemoSite, page, path: str):
    if path == "fiche":
        await page.goto(f"{demo_site.url}/recherche?q=ehpad+angers")
        path = await page.locator(".hit h3 a").first.get_attribute("href")
    await page.goto(f"{demo_site.url}{path}", wait_until="networkidle")
    await page.add_script_tag(path=str(AXE))
    report = await page.evaluate(
        "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']})")
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
           for v in report["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == []
