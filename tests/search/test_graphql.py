"""GraphQL ``searchOffres`` against the real Meilisearch, through the real schema and context."""

from __future__ import annotations

import pytest

from ror_graph.resolvers.context import make_context
from ror_graph.resolvers.search import close_clients
from ror_graph.schema.root import schema
from search_index.query import haversine_km
from tests.search.conftest import make_state
from tests.search.dataset import PUBLIC, eg_spec, position

SEARCH = """
query ($q: String, $filter: OffreSearchFilter, $near: SearchNear, $facets: [SearchFacet!], $perPage: Int! = 15) {
  searchOffres(query: $q, filter: $filter, near: $near, facets: $facets, perPage: $perPage) {
    total page perPage totalPages
    hits { identifiant nom finess raisonSociale categorie { code label system } publics { code label }
           commune { code nom } ageMin ageMax distanceKm position { latitude longitude }
           unite { identifiant nom } }
    facets { facet values { code label count } }
  }
}
"""


@pytest.fixture
async def gql(world, meili):
    state = make_state(world.url, world.engine, meili, world.index_uid)

    async def run(variables: dict):
        async with state.sessions() as session:
            return await schema.execute(SEARCH, variable_values=variables,
                                        context_value=await make_context(state, session))
    yield run
    await close_clients(state)


async def test_search_offres_with_typos_and_facets(gql):
    result = await gql({"q": "ehpd angrs", "facets": ["CATEGORIE", "PUBLIC"]})
    assert result.errors is None
    data = result.data["searchOffres"]
    first = data["hits"][0]
    # then the Angers EHPAD comes first, labelled, and linked to the directory's offer
    assert first["finess"] == eg_spec("ehpad_angers")["finess"] and first["commune"]["nom"] == "Angers"
    assert first["categorie"]["system"] == "JDV_J55-CategorieEG-ROR" and first["categorie"]["label"]
    assert first["unite"] == {"identifiant": first["identifiant"], "nom": first["nom"]}
    facets = {f["facet"]: f["values"] for f in data["facets"]}
    assert set(facets) == {"CATEGORIE", "PUBLIC"}
    assert sum(v["count"] for v in facets["CATEGORIE"]) == data["total"]


async def test_filters_and_geography(gql):
    result = await gql({"filter": {"departements": ["49"], "age": 70},
                        "near": {"commune": "49007", "radiusKm": 40}, "perPage": 50})
    assert result.errors is None
    hits = result.data["searchOffres"]["hits"]
    centre = (47.47156, -0.55202)
    want = sorted((u for u in PUBLIC if eg_spec(u["eg"])["dep"] == "49" and u["age"][0] <= 70 <= u["age"][1]
                   and haversine_km(*centre, *position(u)) <= 40), key=lambda u: haversine_km(*centre, *position(u)))
    assert [h["nom"] for h in hits] == [u["nom"] for u in want]
    assert [h["distanceKm"] for h in hits] == sorted(h["distanceKm"] for h in hits)


async def test_serves_commune(gql):
    result = await gql({"filter": {"servesCommune": "49246"}})
    assert [h["nom"] for h in result.data["searchOffres"]["hits"]] == ["Soins infirmiers à domicile"]


@pytest.mark.parametrize(("variables", "field"), [
    ({"filter": {"departements": ["4 9"]}}, "filter.departements"),
    ({"filter": {"champsActivite": ["99"]}}, "filter.champsActivite"),
    ({"near": {"latitude": 47.0}}, "near"),
    ({"near": {"radiusKm": 10}}, "near.radiusKm"),
    ({"perPage": 500}, "perPage"),
])
async def test_bad_arguments_are_typed_errors(gql, variables, field):
    result = await gql(variables)
    assert result.data is None or result.data.get("searchOffres") is None
    extensions = result.errors[0].extensions
    assert extensions["code"] == "BAD_INPUT" and extensions["field"] == field
