"""Keyset pagination: walking every page yields every row once, in order, for each ordering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ror_graph.models import EntiteJuridique, Etablissement, Unite
from tests.graphql.conftest import add

QUERY_EG_PAGE = """
query($first: Int!, $after: String, $order: EtablissementOrder!, $filter: DirectoryFilter) {
  etablissements(first: $first, after: $after, orderBy: $order, filter: $filter) {
    edges { cursor node { id finess raisonSociale updatedAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""
QUERY_UNITE_PAGE = """
query($first: Int!, $after: String, $order: UniteOrder!) {
  unites(first: $first, after: $after, orderBy: $order) {
    edges { node { id nom } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@pytest.fixture
async def many(session) -> list[Etablissement]:
    """23 EGs whose names and update times collide in groups (ties are broken by id), 2 offers each."""
    ej = EntiteJuridique(finess="130000011", raison_sociale="Groupe Sud")
    await add(session, ej)
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    egs = [
        Etablissement(
            finess=f"13{(n * 7919) % 10_000_000:07d}",
            entite_juridique_id=ej.id,
            raison_sociale=f"Site {n % 5}",
            updated_at=t0 + timedelta(days=n % 4),
        )
        for n in range(23)
    ]
    await add(session, *egs)
    await add(
        session,
        *(
            Unite(
                etablissement_id=eg.id,
                nom=f"Offre {n % 3}",
                champ_activite_code="04",
                mode_prise_en_charge_code="09",
                age_min=0,
                age_max=99,
            )
            for eg in egs
            for n in range(2)
        ),
    )
    await session.commit()
    return egs


async def walk(data, query: str, field: str, first: int, **variables) -> list[list[dict]]:
    pages, after = [], None
    while True:
        page = (await data(query, {"first": first, "after": after, **variables}))[field]
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        after = page["pageInfo"]["endCursor"]
        assert len(pages) < 50, "pagination does not end"


@pytest.mark.parametrize(
    ("order", "key"),
    [
        ("FINESS", lambda n: (n["finess"], int(n["id"]))),
        ("RAISON_SOCIALE", lambda n: (n["raisonSociale"], int(n["id"]))),
        ("UPDATED_AT", lambda n: (datetime.fromisoformat(n["updatedAt"]), int(n["id"]))),
    ],
)
async def test_walking_etablissement_pages_gives_each_row_once_in_order(many, data, order, key):
    # when all 23 EGs are read 5 at a time
    pages = await walk(data, QUERY_EG_PAGE, "etablissements", 5, order=order)
    nodes = [edge["node"] for page in pages for edge in page["edges"]]

    # then there are 5 pages, no duplicate, no gap, sorted by (key, id)
    assert [len(p["edges"]) for p in pages] == [5, 5, 5, 5, 3]
    assert sorted(n["finess"] for n in nodes) == sorted(eg.finess for eg in many)
    assert [key(n) for n in nodes] == sorted(key(n) for n in nodes)
    # and the page info tells where each page stands
    assert [p["pageInfo"]["hasPreviousPage"] for p in pages] == [False, True, True, True, True]
    assert all(p["pageInfo"]["startCursor"] == p["edges"][0]["cursor"] for p in pages)
    assert all(p["pageInfo"]["endCursor"] == p["edges"][-1]["cursor"] for p in pages)


@pytest.mark.parametrize("order", ["ID", "NOM", "UPDATED_AT"])
async def test_walking_unite_pages_gives_each_row_once(many, data, order):
    # when all 46 offers are read 10 at a time
    pages = await walk(data, QUERY_UNITE_PAGE, "unites", 10, order=order)
    ids = [edge["node"]["id"] for page in pages for edge in page["edges"]]
    # then each comes exactly once
    assert len(ids) == len(set(ids)) == 46


async def test_rows_inserted_before_the_cursor_cause_no_duplicate(many, session, data):
    # given the first page ordered by FINESS
    first = (await data(QUERY_EG_PAGE, {"first": 10, "order": "FINESS"}))["etablissements"]
    # when an EG sorting before the cursor is inserted, then the next page still starts right after the cursor
    session.add(Etablissement(finess="000000001", entite_juridique_id=many[0].entite_juridique_id, raison_sociale="A"))
    await session.commit()
    after = first["pageInfo"]["endCursor"]
    second = (await data(QUERY_EG_PAGE, {"first": 10, "after": after, "order": "FINESS"}))["etablissements"]
    expected = sorted(eg.finess for eg in many)[10:20]
    assert [e["node"]["finess"] for e in second["edges"]] == expected


async def test_first_zero_only_tells_whether_rows_exist(many, data):
    # when a page of size 0 is asked, then it is empty and says more rows follow
    page = (await data(QUERY_EG_PAGE, {"first": 0, "order": "FINESS"}))["etablissements"]
    assert page["edges"] == [] and page["pageInfo"]["hasNextPage"] is True
    assert page["pageInfo"]["endCursor"] is None
