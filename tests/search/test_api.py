"""``GET /api/search`` and its CSV / XLSX exports, over HTTP, against the real Meilisearch."""

from __future__ import annotations

import csv
import io

import httpx
import openpyxl
from starlette.applications import Starlette

from ror_graph.api.search import routes
from ror_graph.resolvers.search import close_clients
from search_index.export import HEADERS
from search_index.query import haversine_km
from search_index.server import free_port
from tests.search.conftest import CORS_ORIGIN, make_state
from tests.search.dataset import PUBLIC, SECRET_VALUES, eg_spec, position


def keys(world, hits: list[dict]) -> list[str]:
    return world.data.keys(hits)


async def test_search_box_query_with_facets(http, world):
    # when a search box sends a misspelt query with facets
    response = await http.get("/api/search", params={"q": "ehpd angrs", "facets": "categorie,departement"})
    # then the JSON page has the hit first, labelled facets and paging info
    assert response.status_code == 200
    body = response.json()
    assert keys(world, body["hits"])[0] == "heb_angers"
    assert body["perPage"] == 15 and body["page"] == 1 and body["total"] >= 1
    assert {f["code"] for f in body["facets"]["departement"]} <= {"49", "75"}
    assert all(f["label"] and f["count"] > 0 for f in body["facets"]["categorie"])


async def test_filters_repeated_or_comma_separated(http, world):
    want = {u["key"] for u in PUBLIC if u["champ"] in ("02", "03")}
    for params in ({"champActivite": "02,03"}, [("champActivite", "02"), ("champActivite", "03")],
                   {"champsActivite": "02,03"}):  # the GraphQL filter's plural name works too
        body = (await http.get("/api/search", params=params)).json()
        assert set(keys(world, body["hits"])) == want


async def test_near_commune_with_radius_sorted_by_distance(http, world):
    body = (await http.get("/api/search", params={"nearCommune": "49007", "radiusKm": "30"})).json()
    distances = [h["distanceKm"] for h in body["hits"]]
    assert distances == sorted(distances) and all(d <= 30 for d in distances)
    centre = (world.ref.communes["49007"].latitude, world.ref.communes["49007"].longitude)
    assert set(keys(world, body["hits"])) == {u["key"] for u in PUBLIC if haversine_km(*centre, *position(u)) <= 30}


async def test_bad_filters_get_a_400_naming_the_field(http):
    for params, field in (
        ({"departement": "4x"}, "departement"),
        ({"departemnt": "49"}, "departemnt"),
        ({"lat": "47.4"}, "lon"),
        ({"lat": "north", "lon": "0"}, "lat"),
        ({"perPage": "51"}, "perPage"),
        ({"page": "99999999999"}, "page"),
        ({"page": "668", "perPage": "15"}, "page"),
        ({"sort": "distance"}, "sort"),
        ({"activite": "0\" OR 1"}, "activite"),
    ):
        response = await http.get("/api/search", params=params)
        assert response.status_code == 400, params
        error = response.json()["error"]
        assert error["code"] == "BAD_INPUT" and error["field"] == field and error["message"], params


async def test_cors_allows_the_configured_origin_only(http):
    allowed = await http.get("/api/search", headers={"Origin": CORS_ORIGIN})
    assert allowed.headers["access-control-allow-origin"] == CORS_ORIGIN
    other = await http.get("/api/search", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    preflight = await http.options("/api/search", headers={
        "Origin": CORS_ORIGIN, "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == CORS_ORIGIN


async def test_csv_export_contents(http, world):
    # when exporting the offers of Maine-et-Loire, nearest to Angers first
    response = await http.get("/api/search.csv", params={"departement": "49", "nearCommune": "49007"})
    # then the file opens in Excel (BOM, ;) and has one row per matching offer, in distance order
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    centre = (world.ref.communes["49007"].latitude, world.ref.communes["49007"].longitude)
    want = sorted((u for u in PUBLIC if eg_spec(u["eg"])["dep"] == "49"),
                  key=lambda u: haversine_km(*centre, *position(u)))
    assert [r["finess"] for r in rows] == [eg_spec(u["eg"])["finess"] for u in want]
    angers = rows[0]
    assert angers["commune"] == "Angers" and angers["offre"] == "Hébergement permanent"
    assert angers["departement"] == "Maine-et-Loire" and angers["age_min"] == "60"
    assert float(angers["distance_km"]) == round(haversine_km(*centre, *position(want[0])), 3)
    assert not any(secret in response.text for secret in SECRET_VALUES)


async def test_xlsx_export_contents(http, world):
    response = await http.get("/api/search.xlsx", params={"champActivite": "04"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    want = {u["nom"] for u in PUBLIC if u["champ"] == "04"}
    assert {r[HEADERS.index("offre")] for r in rows[1:]} == want and len(rows) - 1 == len(
        [u for u in PUBLIC if u["champ"] == "04"])
    ages = {r[HEADERS.index("offre")]: r[HEADERS.index("age_max")] for r in rows[1:]}
    assert ages["Soins infirmiers à domicile"] == 120  # numbers stay numbers in Excel


async def test_bad_export_query_is_a_400_not_a_file(http):
    response = await http.get("/api/search.xlsx", params={"region": "x"})
    assert response.status_code == 400 and response.json()["error"]["field"] == "region"


async def test_search_unavailable_is_a_503(world, meili):
    # given an app whose Meilisearch does not answer (nothing listens on that port)
    state = make_state(world.url, world.engine, meili, world.index_uid)
    state.meili_url = f"http://127.0.0.1:{free_port()}"
    app = Starlette(routes=routes(state))
    app.state.ror = state
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        response = await http.get("/api/search", params={"q": "ehpad"})
        # then search answers 503 with a clear message, and bad input is still a 400
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "SEARCH_UNAVAILABLE"
        assert (await http.get("/api/search", params={"age": "old"})).status_code == 400
        # and without any Meilisearch configured, too
        state.meili_url = None
        assert (await http.get("/api/search")).status_code == 503
    await close_clients(state)


async def test_an_overseas_collectivity_is_a_valid_departement_filter(http):
    # given Wallis-et-Futuna (986), a COG département code the write path accepts
    # when the search is filtered on it, then the filter is taken, not refused as a bad code
    response = await http.get("/api/search", params={"departement": "986"})
    assert response.status_code == 200, response.text
    assert response.json()["total"] == 0
