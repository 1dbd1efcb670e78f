"""EG name search through the trigram index (FTS5 on SQLite, pg_trgm on PostgreSQL), kept in sync."""

from __future__ import annotations

import httpx

from tests.admin.conftest import Seeded, page_token


async def _search(support: httpx.AsyncClient, term: str) -> str:
    response = await support.get("/admin/etablissement/list", params={"search": term})
    assert response.status_code == 200
    return response.text


async def test_a_name_fragment_finds_the_eg_case_insensitively(support: httpx.AsyncClient, structures: Seeded):
    # when support types a fragment of a raison sociale, in lower case, then only that EG is listed
    page = await _search(support, "numero 07")
    assert "EHPAD NUMERO 07" in page and "EHPAD NUMERO 08" not in page


async def test_a_corrected_name_is_found_at_once_and_the_old_one_no_longer(support: httpx.AsyncClient,
                                                                          structures: Seeded):
    # given support corrects a raison sociale (an UPDATE of the EG row)
    response = await support.post(f"/admin/etablissement/corriger-finess/{structures.eg_ids[3]}", data={
        "champ": "raison_sociale", "valeur": "EHPAD LES GLYCINES", "motif": "Ticket 12",
        "csrf_token": await page_token(support)})
    assert response.status_code == 303
    # when it searches the new name's fragment, then the EG is found; the old name is gone from the index
    assert "EHPAD LES GLYCINES" in await _search(support, "glycine")
    assert "EHPAD NUMERO 03" not in await _search(support, "numero 03")


async def test_short_fragments_and_commune_names_still_match(support: httpx.AsyncClient, structures: Seeded):
    # a 2-character fragment is below the trigram size: answered by LIKE, same result
    assert "EHPAD NUMERO 01" in await _search(support, "01")
    # a commune name lists the EGs of that commune (Lyon: the odd ones)
    page = await _search(support, "lyon")
    assert "EHPAD NUMERO 01" in page and "EHPAD NUMERO 00" not in page


async def test_fts_syntax_is_searched_as_text_not_run(support: httpx.AsyncClient, structures: Seeded):
    # FTS5 operators and quotes in the term are text to find, not a query: no error, nothing found
    for term in ('numero" OR "x', "NEAR(a b)", "***", 'a"b'):
        page = await _search(support, term)
        assert "EHPAD NUMERO" not in page
