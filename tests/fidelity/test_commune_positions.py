"""Every COG commune has a centre with its precision, so "near commune X" works for any X.

Before, only the ~110 communes holding a FINESS establishment of the demo had a centre: a search around
a village or an overseas commune was refused ("position not known").
"""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from ror_graph.models import Commune
from ror_graph.services.reference.coverage import position_coverage
from search_index.query import SearchParams, haversine_km, search_offres
from tests.search.dataset import PUBLIC, position

#: Cheylard-l'Évêque (Lozère, 65 inhabitants): no establishment within 100 km.
VILLAGE = "48048"
OVERSEAS = {"97411": (-21.4, -20.8, 55.2, 55.9), "97611": (-13.1, -12.6, 44.9, 45.4),
            "97302": (3.5, 5.8, -54.6, -51.6), "98818": (-22.8, -22.0, 166.0, 167.0)}


async def test_every_commune_has_a_centre_and_a_precision(session):
    # Given the reference data, when we look for communes without a centre or a precision, then none is left
    missing = (await session.exec(select(func.count()).select_from(Commune).where(
        col(Commune.latitude).is_(None) | col(Commune.position_precision).is_(None)))).one()
    assert missing == 0
    # and the coverage load-reference reports adds up: most of the population lives in a commune placed for real
    coverage = {share.precision: share for share in await position_coverage(session)}
    assert set(coverage) == {"reelle", "finess", "approchee"}
    assert sum(s.communes for s in coverage.values()) == 35014
    assert coverage["reelle"].population_share > 0.92
    assert sum(s.population_share for s in coverage.values()) == pytest.approx(1)


async def test_overseas_centres_lie_in_their_territory(session):
    for code, (lat_min, lat_max, lon_min, lon_max) in OVERSEAS.items():
        commune = await session.get(Commune, code)
        assert commune.position_precision == "reelle"
        assert lat_min < commune.latitude < lat_max and lon_min < commune.longitude < lon_max, code


@pytest.fixture
def search(client, world):
    async def run(**kwargs):
        return await search_offres(client, world.index_uid, SearchParams(**kwargs), ref=world.ref)
    return run


async def test_near_a_small_remote_commune(search, session):
    # Given the indexed offers (all in Maine-et-Loire) and a Lozère village with no establishment
    village = await session.get(Commune, VILLAGE)
    centre = (village.latitude, village.longitude)
    # when searching around the village, then the offers come nearest first, distances from its centre
    page = await search(near_commune=VILLAGE, per_page=50)
    nearest = min(haversine_km(*centre, *position(u)) for u in PUBLIC)
    assert page.total == len(PUBLIC) and page.hits[0]["distanceKm"] == pytest.approx(nearest, rel=5e-3)
    assert [h["distanceKm"] for h in page.hits] == sorted(h["distanceKm"] for h in page.hits)
    # and none is within 100 km of it
    assert (await search(near_commune=VILLAGE, radius_km=100)).total == 0


async def test_near_an_overseas_commune(search, session):
    # Given Mamoudzou (Mayotte), when searching around it, then distances are counted from Mayotte
    commune = await session.get(Commune, "97611")
    page = await search(near_commune="97611", per_page=1)
    nearest = min(haversine_km(commune.latitude, commune.longitude, *position(u)) for u in PUBLIC)
    assert page.hits[0]["distanceKm"] == pytest.approx(nearest, rel=5e-3) and nearest > 7000
    assert (await search(near_commune="97611", radius_km=50)).total == 0
