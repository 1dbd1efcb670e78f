"""Each filter of the établissement and offer lists, alone and combined, and bad arguments."""

from __future__ import annotations

import pytest

from ror_graph.services.accounts.auth import caller_for_profile

QUERY_EGS = """
query($filter: DirectoryFilter) {
  etablissements(filter: $filter, first: 100) { totalCount nodes { finess } }
}
"""
QUERY_UNITES = """
query($filter: DirectoryFilter) {
  unites(filter: $filter, first: 100) { totalCount nodes { identifiant } }
}
"""
EHPAD, CENTRE, FOYER = "440000024", "490000031", "750000021"


async def list_egs(data, filter: dict | None, **kwargs) -> list[str]:
    page = (await data(QUERY_EGS, {"filter": filter}, **kwargs))["etablissements"]
    finess = [n["finess"] for n in page["nodes"]]
    assert page["totalCount"] == len(finess)  # the count applies the same filter and visibility
    return finess


async def list_unites(data, filter: dict | None, **kwargs) -> list[str]:
    page = (await data(QUERY_UNITES, {"filter": filter}, **kwargs))["unites"]
    identifiants = [n["identifiant"] for n in page["nodes"]]
    assert page["totalCount"] == len(identifiants)
    return identifiants


ETABLISSEMENT_CASES = [
    (None, [EHPAD, CENTRE, FOYER]),
    ({"departements": ["44", "75"]}, [EHPAD, FOYER]),
    ({"regions": ["52"]}, [EHPAD, CENTRE]),
    ({"communes": ["49007"]}, [CENTRE]),
    ({"categories": ["500"]}, [EHPAD, FOYER]),
    ({"champsActivite": ["01"]}, [CENTRE]),
    ({"typesOffre": ["17"]}, [EHPAD]),
    ({"activites": ["004"]}, [EHPAD, FOYER]),
    ({"modesPriseEnCharge": ["13"]}, [CENTRE]),
    ({"publics": ["02"]}, [FOYER]),
    ({"age": 19}, [CENTRE]),
    ({"age": 20}, [CENTRE, FOYER]),  # bounds are inclusive
    ({"age": 65}, [EHPAD, CENTRE]),
    ({"ferme": True}, [FOYER]),
    ({"ferme": False}, [EHPAD, CENTRE]),
    ({"updatedSince": "2025-03-01T00:00:00+00:00"}, [FOYER]),
    ({"categories": ["500"], "ferme": False, "publics": ["01"]}, [EHPAD]),
    ({"activites": ["004"], "age": 25}, [FOYER]),  # both on the same offer
    ({"activites": ["001"], "publics": ["01"]}, []),  # 001 and 01 exist, never on one offer
    ({"departements": []}, [EHPAD, CENTRE, FOYER]),  # an empty list is no criterion
]
UNITE_CASES = [
    (None, ["52/1", "52/3", "11/4"]),
    ({"departements": ["49"]}, ["52/3"]),
    ({"regions": ["11"]}, ["11/4"]),
    ({"communes": ["44109"]}, ["52/1"]),
    ({"categories": ["355"]}, ["52/3"]),
    ({"champsActivite": ["04"]}, ["52/1", "11/4"]),
    ({"typesOffre": ["17"]}, ["52/1"]),
    ({"activites": ["003", "001"]}, ["52/1", "52/3"]),
    ({"modesPriseEnCharge": ["09"]}, ["52/1", "11/4"]),
    ({"publics": ["04"]}, ["52/3"]),
    ({"age": 60}, ["52/1", "52/3", "11/4"]),
    ({"age": 61}, ["52/1", "52/3"]),
    ({"ferme": True}, ["11/4"]),
    ({"champsActivite": ["04"], "ferme": False, "regions": ["52"]}, ["52/1"]),
]


async def test_etablissement_filters(directory, data):
    # when établissements are listed with each filter, then exactly the matching ones come, by FINESS
    got = [(f, await list_egs(data, f)) for f, _ in ETABLISSEMENT_CASES]
    assert got == ETABLISSEMENT_CASES


async def test_offer_criteria_ignore_offers_the_caller_cannot_see(directory, session, data):
    # given the EHPAD's only offer with public 03 is its sensitive one
    from ror_graph.models import UniteCode

    session.add(
        UniteCode(unite_id=directory.protegee.id, attribute="public", system="TRE_R239-PublicPrisEnCharge", code="03")
    )
    await session.commit()
    # when EGs offering public 03 are listed, then only the regulation profile finds the EHPAD
    assert await list_egs(data, {"publics": ["03"]}) == []
    assert await list_egs(data, {"publics": ["03"]}, caller=caller_for_profile("professional")) == []
    assert await list_egs(data, {"publics": ["03"]}, caller=caller_for_profile("regulation")) == [EHPAD]


async def test_unite_filters(directory, data):
    # when offers are listed with each filter, then exactly the matching visible ones come, by id
    got = [(f, await list_unites(data, f)) for f, _ in UNITE_CASES]
    assert got == UNITE_CASES


async def test_updated_since_on_offers(directory, session, data):
    # given one offer changed recently, the others long ago
    from datetime import UTC, datetime

    for unite in (directory.hebergement, directory.protegee, directory.accueil):
        unite.updated_at = datetime(2024, 1, 1, tzinfo=UTC)
    directory.addicto.updated_at = datetime(2025, 5, 1, tzinfo=UTC)
    session.add_all([directory.hebergement, directory.protegee, directory.accueil, directory.addicto])
    await session.commit()
    # when offers changed since March 2025 are listed, then only that one comes
    assert await list_unites(data, {"updatedSince": "2025-03-01T00:00:00Z"}) == ["52/3"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("{ etablissements(first: 101) { totalCount } }", "first"),
        ("{ unites(first: -1) { totalCount } }", "first"),
        ("{ etablissements(filter: {age: 121}) { totalCount } }", "filter.age"),
        ('{ etablissements(after: "not-a-cursor") { totalCount } }', "after"),
    ],
)
async def test_bad_arguments_are_bad_input_errors(directory, gql, query, field):
    # when a list is asked with an invalid argument
    result = await gql(query)
    # then a GraphQL error carries BAD_INPUT and the argument at fault, and there is no data
    assert result.data is None
    assert [e.extensions for e in result.errors] == [{"code": "BAD_INPUT", "field": field}]


async def test_cursor_of_another_ordering_is_refused(directory, data, gql):
    # given a cursor of the list ordered by FINESS
    page = await data("{ etablissements(first: 1) { pageInfo { endCursor } } }")
    cursor = page["etablissements"]["pageInfo"]["endCursor"]
    # when it is used with another ordering, then it is a BAD_INPUT error
    result = await gql(
        "query($c: String) { etablissements(after: $c, orderBy: RAISON_SOCIALE) { totalCount } }", {"c": cursor}
    )
    assert result.errors[0].extensions == {"code": "BAD_INPUT", "field": "after"}
