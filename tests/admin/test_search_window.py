"""Searches read only the matching ids a page needs (``admin.name_search``): the rows and counts stay exact.

The window is small here (a count floor of 5, pages of 2 rows): a search that took the first matches
before applying the list's filters, or that stopped short of a deep page, would show wrong rows.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import insert, update
from sqlmodel import col

from ror_graph.admin import listing
from ror_graph.models import AuditLog, EntiteJuridique, Unite
from tests.admin.conftest import EG_COUNT, Seeded, login
from tests.admin.test_lists import _admin_of


@pytest.fixture
async def small_window(structures: Seeded, accounts, settings) -> AsyncIterator[httpx.AsyncClient]:
    """Support on an app whose EG, EJ and unit lists count at most 5 rows (or 8 pages past the asked one)."""
    from ror_graph.app import create_app

    app = create_app(settings)
    for view in _admin_of(app).views:
        if getattr(view, "identity", "") in {"etablissement", "entite-juridique", "unite"}:
            type(view).count_floor = 5
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        await login(http, accounts["support"])
        yield http
    await app.state.ror.engine.dispose()


def _names(html: str) -> list[str]:
    return re.findall(r"EHPAD NUMERO \d\d", html)


async def _page(http: httpx.AsyncClient, **params) -> str:
    response = await http.get("/admin/etablissement/list", params={"pageSize": 2, **params})
    assert response.status_code == 200, response.text[:300]
    return response.text


async def test_a_search_inside_a_filter_finds_every_filtered_match(small_window: httpx.AsyncClient):
    # given 30 EGs named "EHPAD NUMERO nn", the odd ones in the Rhône (69), a window of 19 ids in id order
    # when support searches "numero" among the Rhône's EGs
    first = await _page(small_window, search="numero", departement="69")
    # then the count is the 15 Rhône EGs (not the Rhône ones among the first 19 matches)
    assert "Lignes 1 à 2 sur 15" in first
    assert _names(first) == ["EHPAD NUMERO 01", "EHPAD NUMERO 03"]
    # and the last page holds the last of them
    last = await _page(small_window, search="numero", departement="69", page=8)
    assert _names(last) == ["EHPAD NUMERO 29"]


async def test_a_search_counts_up_to_its_cap_and_deep_pages_stay_exact(small_window: httpx.AsyncClient):
    # when searching a fragment all 30 EGs hold, 2 rows a page: page 1 counts (1 + 8) × 2 = 18 at most
    first = await _page(small_window, search="numero")
    assert "Lignes 1 à 2 sur plus de 18" in first
    assert _names(first) == ["EHPAD NUMERO 00", "EHPAD NUMERO 01"]
    # then a deeper page reads further, and its rows are the right ones
    deep = await _page(small_window, search="numero", page=12)
    assert f"Lignes 23 à 24 sur {EG_COUNT}" in deep
    assert _names(deep) == ["EHPAD NUMERO 22", "EHPAD NUMERO 23"]


async def test_a_search_sorted_on_another_column_reads_every_match(small_window: httpx.AsyncClient):
    # when the search is sorted by raison sociale, descending, the first page is the end of the alphabet
    page = await _page(small_window, search="numero", sortBy="raison_sociale", sort="desc")
    assert _names(page) == ["EHPAD NUMERO 29", "EHPAD NUMERO 28"]


async def test_short_fragments_use_the_same_window(small_window: httpx.AsyncClient):
    # a 2-character fragment (no trigram: LIKE) inside a filter: among the Paris EGs (even), only NUMERO 12
    page = await _page(small_window, search="12", departement="75", pageSize=50)
    assert _names(page) == ["EHPAD NUMERO 12"]


async def test_ej_search_by_name_fragment_and_commune_name(session, small_window: httpx.AsyncClient):
    # given a second EJ in Lyon
    now = datetime.now(UTC)
    conn = await session.connection()
    await conn.execute(insert(EntiteJuridique), [dict(
        finess=finess, raison_sociale=name, commune_code=commune, created_at=now, updated_at=now, version=1,
        placeholder=False) for finess, name, commune in (("690000013", "FONDATION DES GLYCINES", "69123"),
                                                         ("750000015", "ABRI D'AVENIR 100%", None))])
    await session.commit()
    names = ("ASSOCIATION TEST", "FONDATION DES GLYCINES", "ABRI D&#39;AVENIR 100%")

    async def listed(term: str) -> set[str]:
        response = await small_window.get("/admin/entite-juridique/list", params={"search": term})
        assert response.status_code == 200
        return {name for name in names if name in response.text}

    # then a name fragment, in any case, finds it through the EJ name index; a commune name too
    assert await listed("glycine") == {"FONDATION DES GLYCINES"}
    assert await listed("lyon") == {"FONDATION DES GLYCINES"}
    assert await listed("association") == {"ASSOCIATION TEST"}
    assert await listed("zzqx") == set()
    # quotes, LIKE wildcards and backslashes are text to find (the fragment is written into the SQL, quoted)
    assert await listed("d'avenir 100%") == {"ABRI D&#39;AVENIR 100%"}
    assert await listed("100%") == {"ABRI D&#39;AVENIR 100%"}
    assert await listed("a\\b'") == set()


async def test_unit_search_by_name_fragment(session, structures: Seeded, small_window: httpx.AsyncClient):
    # given offers of one EG, one of them renamed afterwards (the name index follows updates)
    now = datetime.now(UTC)
    conn = await session.connection()
    await conn.execute(insert(Unite), [dict(
        etablissement_id=structures.eg_ids[0], nom=name, champ_activite_code="04", mode_prise_en_charge_code="46",
        age_min=60, age_max=120, identifiant=f"11/{900 + i}", unite_sensible=False, ferme=False, demo=False,
        version=1, created_at=now, updated_at=now) for i, name in enumerate(
        ["Accueil de jour Alzheimer", "Hébergement permanent", "Hébergement temporaire"])])
    await session.commit()
    conn = await session.connection()
    await conn.execute(update(Unite).where(col(Unite.nom) == "Hébergement permanent").values(nom="Unité Pasa"))
    await session.commit()

    async def listed(term: str) -> list[str]:
        html = (await small_window.get("/admin/unite/list", params={"search": term})).text
        return [name for name in ("Accueil de jour Alzheimer", "Hébergement temporaire", "Unité Pasa") if name in html]

    assert await listed("hébergement") == ["Hébergement temporaire"]
    assert await listed("ALZHEIMER") == ["Accueil de jour Alzheimer"]
    assert await listed("pasa") == ["Unité Pasa"]
    assert await listed("11/901") == ["Unité Pasa"]


async def test_history_search_by_identifier_or_author(session, structures: Seeded, support: httpx.AsyncClient):
    # given history rows of two EGs, by two authors, and one of an offer
    now = datetime.now(UTC)
    rows = [(structures.eg_finess[0], "alice@ars.test", "telephone"), (structures.eg_finess[1], "bob@ars.test", "nom"),
            ("11/900", "bob@ars.test", "age_max")]
    conn = await session.connection()
    await conn.execute(insert(AuditLog), [dict(
        at=now, entity="unite" if "/" in key else "etablissement", entity_id=key, field=field, old_value="avant",
        new_value=f"valeur-{field}", actor=actor, role="support", source="admin", change_id=str(uuid.uuid4()))
        for key, actor, field in rows])
    await session.commit()

    async def fields(term: str) -> set[str]:
        html = (await support.get("/admin/audit-log/list", params={"search": term})).text
        return {field for _, _, field in rows if f"valeur-{field}" in html}

    # then a FINESS or an offer id lists that structure's rows only; a word, the field or the author's rows
    assert await fields(structures.eg_finess[0]) == {"telephone"}
    assert await fields("11/900") == {"age_max"}
    assert await fields("bob") == {"nom", "age_max"}
    assert await fields("telephone") == {"telephone"}


async def test_deep_pages_read_their_ids_first_and_keep_rows_and_order(monkeypatch, support: httpx.AsyncClient,
                                                                       structures: Seeded):
    # given every page counts as deep (PostgreSQL reads the page's ids first, then its rows)
    monkeypatch.setattr(listing, "DEFERRED_OFFSET", 0)
    # when support opens page 2 of the EGs sorted by name, descending, then page 2 of a filtered search
    by_name = await support.get("/admin/etablissement/list", params={
        "pageSize": 10, "page": 2, "sortBy": "raison_sociale", "sort": "desc"})
    searched = await support.get("/admin/etablissement/list", params={
        "pageSize": 5, "page": 2, "search": "numero", "departement": "69"})
    # then the rows and their order are those of the plain query
    assert _names(by_name.text) == [f"EHPAD NUMERO {i:02d}" for i in range(19, 9, -1)]
    assert _names(searched.text) == [f"EHPAD NUMERO {i:02d}" for i in (11, 13, 15, 17, 19)]
