"""EG accessibility (TRE_R202, declared by the structure) is a search filter and facet, derived from the registry."""

from __future__ import annotations

from sqlmodel import select

from ror_graph.models import Etablissement
from search_index.indexer import reindex
from search_index.query import SearchParams, search_offres
from search_index.reference import load_search_reference
from tests.search.dataset import PUBLIC, eg_spec, insert_dataset


async def test_accessibility_filters_and_counts(session, sessions, meili, client, index_uid):
    # Given the search dataset where one établissement declares "1 Accessible" and another "2 Non accessible"
    data = await insert_dataset(session)
    accessible, inaccessible = sorted({u["eg"] for u in PUBLIC})[:2]
    for key, code in ((accessible, "1"), (inaccessible, "2")):
        eg = (await session.exec(select(Etablissement).where(Etablissement.id == data.eg_ids[key]))).one()
        eg.accessibilite_code = code
    await session.commit()
    ref = await load_search_reference(session)
    await reindex(sessions, meili_url=meili.url, meili_key=meili.master_key, index_uid=index_uid)
    # when filtering on accessibility 1
    page = await search_offres(client, index_uid, SearchParams(filters={"accessibilite": ["1"]}, per_page=50,
                                                             facets=["accessibilite"]), ref=ref)
    # then only the offers of the accessible établissement come back, labelled from TRE_R202
    assert set(data.keys(page.hits)) == {u["key"] for u in PUBLIC if u["eg"] == accessible}
    assert {h["accessibilite"]["label"] for h in page.hits} == {"Accessible"}
    # and the facet counts every declared value over the whole index
    everything = await search_offres(client, index_uid, SearchParams(facets=["accessibilite"], per_page=1), ref=ref)
    counts = {f.code: (f.label, f.count) for f in everything.facets["accessibilite"]}
    assert counts == {"1": ("Accessible", sum(u["eg"] == accessible for u in PUBLIC)),
                      "2": ("Non accessible", sum(u["eg"] == inaccessible for u in PUBLIC))}
    assert eg_spec(accessible)["finess"] != eg_spec(inaccessible)["finess"]
