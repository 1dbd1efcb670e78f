"""Searching the real Meilisearch: typos, accents, synonyms, filters, facets, geo, zones, paging.

These tests only read, so they share one indexed dataset (the ``world`` fixture).
"""

from __future__ import annotations

import pytest

from ror_graph.services.core.errors import BadInputError
from search_index.query import SearchParams, haversine_km, search_offres
from tests.search.dataset import PUBLIC, eg_spec, position


@pytest.fixture
def search(client, world):
    async def run(**kwargs):
        page = await search_offres(client, world.index_uid, SearchParams(**kwargs), ref=world.ref)
        return page, world.data.keys(page.hits)
    return run


def expected(predicate) -> set[str]:
    return {u["key"] for u in PUBLIC if predicate(u)}


async def test_only_public_open_offers_are_indexed(search):
    # given the dataset (with a sensitive unit, a closed unit and a unit of a closed EG)
    # when we search for everything
    page, keys = await search(per_page=50)
    # then exactly the public offers come back
    assert set(keys) == expected(lambda u: True)
    assert page.total == len(PUBLIC)
    assert not {"protected_angers", "closed_angers", "in_closed_eg"} & set(keys)


async def test_typos_find_the_ehpad_in_angers(search):
    # when a user misspells both words
    _, keys = await search(text="ehpd angrs")
    # then the EHPAD of Angers comes first
    assert keys[0] == "heb_angers"


async def test_accents_and_case_do_not_matter(search):
    # given "Soins médicaux et de réadaptation polyvalents" in Paris
    for text in ("readaptation polyvalents", "RÉADAPTATION POLYVALENTS", "réadaptation polyvalents"):
        # when searched with or without accents / capitals
        _, keys = await search(text=text)
        # then it is found first
        assert keys[0] == "smr_paris", text


@pytest.mark.parametrize(("text", "key"), [
    ("maison de retraite cholet", "heb_cholet"),  # EHPAD ↔ maison de retraite
    ("ssr", "smr_paris"),  # SSR ↔ SMR (no document contains "ssr")
    ("centre medico psychologique saumur", "cmp_enfants"),  # CMP ↔ centre médico-psychologique
])
async def test_synonyms_of_the_sector(search, text, key):
    _, keys = await search(text=text)
    assert keys and keys[0] == key


async def test_postcode_is_searchable_but_not_typo_tolerant(search):
    # when the EG's postcode is typed
    _, keys = await search(text="49100")
    # then its offers come back
    assert keys == ["heb_angers"]
    # and one wrong digit is another postcode: nothing
    page, _ = await search(text="49109")
    assert page.total == 0


@pytest.mark.parametrize(("name", "value", "predicate"), [
    ("departement", "75", lambda u: eg_spec(u["eg"])["dep"] == "75"),
    ("region", "52", lambda u: eg_spec(u["eg"])["reg"] == "52"),
    ("commune", "49099", lambda u: eg_spec(u["eg"])["commune"] == "49099"),
    ("categorie", "500", lambda u: eg_spec(u["eg"])["categorie"] == "500"),
    ("champActivite", "03", lambda u: u["champ"] == "03"),
    ("typeOffre", "28", lambda u: u.get("type_offre") == "28"),
    ("activite", "050", lambda u: "050" in u.get("activites", [])),
    ("modePriseEnCharge", "46", lambda u: u["mode"] == "46"),
    ("public", "07", lambda u: "07" in u.get("publics", [])),
    ("specialisation", "28", lambda u: "28" in u.get("specialisations", [])),
    ("equipement", "009", lambda u: "009" in u.get("equipements", [])),
])
async def test_each_filter(search, name, value, predicate):
    # when filtering on one code
    page, keys = await search(filters={name: [value]}, per_page=50)
    # then exactly the matching public offers come back
    assert set(keys) == expected(predicate) != set()
    assert page.total == len(keys)


async def test_values_of_one_filter_are_ored_and_filters_anded(search):
    _, keys = await search(filters={"champActivite": ["02", "03"], "departement": ["49"]}, per_page=50)
    assert set(keys) == expected(lambda u: u["champ"] in ("02", "03") and eg_spec(u["eg"])["dep"] == "49")


@pytest.mark.parametrize("age", [0, 17, 18, 59, 60, 120])
async def test_age_is_contained_in_the_offer_range(search, age):
    _, keys = await search(age=age, per_page=50)
    assert set(keys) == expected(lambda u: u["age"][0] <= age <= u["age"][1])


async def test_facet_counts(search):
    # when asking for facets over every public offer
    page, _ = await search(facets=["categorie", "departement", "public", "champActivite"], per_page=1)
    # then each count equals the number of public offers carrying the value
    for name, values_of in {
        "categorie": lambda u: [eg_spec(u["eg"])["categorie"]],
        "departement": lambda u: [eg_spec(u["eg"])["dep"]],
        "public": lambda u: u.get("publics", []),
        "champActivite": lambda u: [u["champ"]],
    }.items():
        want: dict[str, int] = {}
        for unite in PUBLIC:
            for value in values_of(unite):
                want[value] = want.get(value, 0) + 1
        assert {v.code: v.count for v in page.facets[name]} == want, name
    # and values are labelled from the nomenclatures / geography, most frequent first
    categories = page.facets["categorie"]
    assert categories[0].code == "500" and "personnes âgées dépendantes" in categories[0].label
    assert {v.code: v.label for v in page.facets["departement"]}["49"] == "Maine-et-Loire"
    assert [v.count for v in categories] == sorted((v.count for v in categories), reverse=True)


async def test_facet_counts_follow_the_filters(search):
    page, _ = await search(filters={"departement": ["49"]}, facets=["champActivite"])
    want: dict[str, int] = {}
    for unite in PUBLIC:
        if eg_spec(unite["eg"])["dep"] == "49":
            want[unite["champ"]] = want.get(unite["champ"], 0) + 1
    assert {v.code: v.count for v in page.facets["champActivite"]} == want


async def test_distance_sort_order_and_distances(search):
    # given a point in the centre of Angers
    here = (47.47046, -0.55515)
    # when sorting by distance
    page, keys = await search(near=here, per_page=50)
    # then hits come nearest first, with haversine distances
    want = sorted(PUBLIC, key=lambda u: haversine_km(*here, *position(u)))
    assert keys == [u["key"] for u in want]
    for hit, unite in zip(page.hits, want, strict=True):
        assert hit["distanceKm"] == pytest.approx(haversine_km(*here, *position(unite)), rel=5e-3, abs=0.01)
        assert hit["position"] == {"lat": position(unite)[0], "lng": position(unite)[1]}


async def test_radius_and_near_commune(search):
    # when searching within 30 km of the commune of Angers (its COG centre)
    page, keys = await search(near_commune="49007", radius_km=30, per_page=50)
    # then only offers within 30 km come back, nearest first
    centre = (47.47156, -0.55202)
    inside = sorted((u for u in PUBLIC if haversine_km(*centre, *position(u)) <= 30),
                    key=lambda u: haversine_km(*centre, *position(u)))
    assert keys == [u["key"] for u in inside]
    assert all(h["distanceKm"] <= 30 for h in page.hits)


async def test_relevance_sort_near_a_point_still_returns_distances(search):
    page, keys = await search(text="hebergement", near=(47.0543, -0.8822), sort="relevance")
    assert set(keys) == {"heb_angers", "heb_cholet"}
    assert all(h["distanceKm"] is not None for h in page.hits)


async def test_serves_commune_uses_the_zone_d_intervention(search):
    # given a SSIAD in Trélazé serving Avrillé (49015)
    _, keys = await search(serves_commune="49015")
    # then it is the only offer serving Avrillé
    assert keys == ["ssiad"]
    _, keys = await search(serves_commune="49099")
    assert keys == []


async def test_paging(search):
    page1, keys1 = await search(per_page=2, page=1)
    page2, keys2 = await search(per_page=2, page=2)
    assert page1.total == page2.total == len(PUBLIC)
    assert page1.total_pages == -(-len(PUBLIC) // 2)
    assert len(keys1) == len(keys2) == 2 and not set(keys1) & set(keys2)


@pytest.mark.parametrize(("params", "field"), [
    (dict(filters={"departement": ['49" OR ageMin > 0']}), "departement"),
    (dict(filters={"activite": ["99999"]}), "activite"),
    (dict(filters={"nope": ["1"]}), "nope"),
    (dict(sort="distance"), "sort"),
    (dict(radius_km=10), "radiusKm"),
    (dict(near=(91.0, 0.0)), "lat"),
    (dict(near_commune="99999"), "nearCommune"),
    (dict(serves_commune="4900"), "servesCommune"),
    (dict(per_page=51), "perPage"),
    (dict(page=0), "page"),
    (dict(age=-1), "age"),
    (dict(facets=["finess"]), "facets"),
])
async def test_bad_parameters_are_refused_with_the_field(client, world, params, field):
    with pytest.raises(BadInputError) as caught:
        await search_offres(client, world.index_uid, SearchParams(**params), ref=world.ref)
    assert caught.value.field == field

