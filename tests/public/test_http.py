"""The public site over HTTP (no browser): nothing confidential on the pages (the visibility policy's
public profile), the report form's answers, CORS on /graphql and /api/search, the OpenAPI document,
the landing page and GraphiQL without outside assets, the search page without JavaScript."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import text

from ror_graph.app import create_app
from ror_graph.db import make_engine
from ror_graph.settings import Settings
from search_index.index_settings import FACET_ATTRIBUTES
from tests.public.conftest import DemoSite

pytestmark = pytest.mark.meili
ORIGIN = "https://annuaire.example"


@pytest.fixture
async def http(demo_site: DemoSite):
    async with httpx.AsyncClient(base_url=demo_site.url, timeout=20) as client:
        yield client


async def rows(demo_site: DemoSite, sql: str) -> list:
    engine = make_engine(demo_site.database_url)
    async with engine.connect() as conn:
        result = (await conn.execute(text(sql))).all()
    await engine.dispose()
    return result


async def test_fiches_show_no_confidential_contact_and_no_sensitive_offer(demo_site: DemoSite, http):
    # given the demo's sensitive offers and the telecoms above level 1 (or of contacts above level 1)
    sensitive = await rows(demo_site, "SELECT u.nom, e.finess FROM unite u JOIN etablissement e "
                                      "ON e.id = u.etablissement_id WHERE u.unite_sensible")
    hidden = await rows(demo_site, "SELECT t.valeur, e.finess FROM telecom t JOIN contact c ON c.id = t.contact_id "
                                   "JOIN unite u ON u.id = c.unite_id JOIN etablissement e ON e.id = u.etablissement_id"
                                   " WHERE (t.confidentialite > 1 OR c.confidentialite > 1) AND NOT u.unite_sensible"
                                   " ORDER BY t.id LIMIT 40")
    assert sensitive and hidden
    # then no fiche shows them, while the same fiches show the offers and level-1 numbers they may
    for nom, finess in sensitive:
        page = await http.get(f"/etablissement/{finess}")
        assert page.status_code == 200 and "Offres (" in page.text
        assert nom.split(" — ")[0] not in page.text
    for valeur, finess in hidden:
        page = await http.get(f"/etablissement/{finess}")
        assert valeur not in page.text and "Téléphone" in page.text


async def test_unknown_fiche_is_a_404_page(http):
    assert (await http.get("/etablissement/000000000")).status_code == 404
    assert (await http.get("/etablissement/<script>")).status_code == 404


async def test_report_form_answers(demo_site: DemoSite, http):
    finess = (await rows(demo_site, "SELECT finess FROM etablissement ORDER BY id LIMIT 1"))[0][0]
    # a good report: back to the fiche with a thank-you (Post/Redirect/Get)
    sent = await http.post(f"/etablissement/{finess}/signaler", data={"message": "Site web obsolète"})
    assert sent.status_code == 303 and sent.headers["location"].endswith("?signalement=merci#signaler")
    # bad input: the fiche again, the message kept, the error said, nothing stored
    bad = await http.post(f"/etablissement/{finess}/signaler", data={"message": "Site web obsolète", "email": "x@"})
    assert bad.status_code == 400 and "Adresse e-mail invalide" in bad.text and "Site web obsolète" in bad.text
    # a robot filling the honeypot sees a success and stores nothing
    robot = await http.post(f"/etablissement/{finess}/signaler", data={"message": "spam spam", "site_web": "x"})
    assert robot.status_code == 303
    stored = await rows(demo_site, f"SELECT message FROM signalement WHERE finess = '{finess}'")
    assert [r[0] for r in stored] == ["Site web obsolète"]
    # and the report is in support's one queue, as an open anomaly of source signalement
    queued = await rows(demo_site, "SELECT a.statut, a.message FROM anomalie a JOIN etablissement e ON "
                                   f"e.id = a.etablissement_id WHERE a.source = 'signalement'"
                                   f" AND e.finess = '{finess}'")
    assert [tuple(r) for r in queued] == [("ouverte", "Site web obsolète")]


async def test_cors_preflight_on_graphql_and_search_for_configured_origins(demo_site: DemoSite):
    settings = demo_site.settings.model_copy(update={"cors_origins": [ORIGIN]})
    app = create_app(Settings(**settings.model_dump()))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        for path, method in (("/graphql", "POST"), ("/api/search", "GET")):
            ok = await client.options(path, headers={"Origin": ORIGIN, "Access-Control-Request-Method": method,
                                                     "Access-Control-Request-Headers": "content-type"})
            assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == ORIGIN
            other = await client.options(path, headers={"Origin": "https://evil.example",
                                                        "Access-Control-Request-Method": method})
            assert "access-control-allow-origin" not in other.headers
        answered = await client.post("/graphql", json={"query": "{ __typename }"}, headers={"Origin": ORIGIN})
        assert answered.json() == {"data": {"__typename": "Query"}}
        assert answered.headers["access-control-allow-origin"] == ORIGIN
    await app.state.ror.engine.dispose()


async def test_openapi_documents_every_search_parameter_error_and_export(http):
    doc = (await http.get("/api/openapi.json")).json()
    assert doc["openapi"].startswith("3.")
    search = doc["paths"]["/api/search"]["get"]
    names = {p["name"] for p in search["parameters"]}
    assert set(FACET_ATTRIBUTES) | {"q", "lat", "lon", "nearCommune", "radiusKm", "sort", "page", "perPage"} <= names
    assert {"400", "503"} <= set(search["responses"])
    assert {"/api/search.csv", "/api/search.xlsx"} <= set(doc["paths"])
    # and what it says is what the endpoint does: an unknown parameter is a 400 naming it
    refused = await http.get("/api/search", params={"departemnt": "49"})
    assert refused.status_code == 400 and refused.json()["error"]["field"] == "departemnt"


async def test_landing_page_and_graphiql_use_no_outside_asset(http):
    home = await http.get("/")
    assert home.status_code == 200
    for link in ("/recherche", "/graphql", "/admin/", "/api/openapi.json"):
        assert f'href="{link}"' in home.text
    ide = await http.get("/graphql", headers={"Accept": "text/html"})
    assert ide.status_code == 200 and "graphiql.min.js" in ide.text
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', ide.text)


async def test_search_page_works_without_javascript(http):
    page = await http.get("/recherche", params={"q": "ehpad", "autour": "Angers (49)", "sort": "distance"})
    assert page.status_code == 200 and page.text.count('class="hit"') == 15
    assert "km</p>" in page.text and 'rel="next"' in page.text
    # a page beyond the 200 consultable results is brought back to the last one
    far = await http.get("/recherche", params={"page": "99"})
    assert "page 14 sur 14" in far.text
    # people's mistakes are said on the page, not thrown at them
    unknown = await http.get("/recherche", params={"autour": "Nullepart-sur-Rien"})
    assert unknown.status_code == 200 and "inconnue" in unknown.text
    bad = await http.get("/recherche", params={"age": "deux"})
    assert bad.status_code == 400 and "Recherche impossible" in bad.text


async def test_suggestions_complete_categories_and_communes(http):
    found = (await http.get("/recherche/suggestions", params={"q": "ehpad"})).json()["suggestions"]
    assert found[0]["kind"] == "categorie" and "EHPAD" in found[0]["label"].upper()
    found = (await http.get("/recherche/suggestions", params={"q": "angers"})).json()["suggestions"]
    assert found[0] == {"kind": "commune", "kindLabel": "Commune", "code": "49007", "label": "Angers (49)"}
