"""Every back-office list opens and paginates; EG search and filters; capped counts; CSV export."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import insert
from starlette.applications import Starlette

from ror_graph.admin import mount_admin
from ror_graph.admin.listing import CappedCount
from ror_graph.models import Account, ApiClient, AuditLog, Event, ImportRun, Unite, utcnow
from tests.admin.conftest import EG_COUNT, Seeded, login

ROWS = 12
VIEWS = ["etablissement", "entite-juridique", "unite", "audit-log", "event", "import-run", "nomenclature",
         "commune", "account", "api-client"]


@pytest.fixture
async def every_table(session, structures: Seeded, accounts, password_hash) -> None:
    """At least ``ROWS`` rows in every listed table (the EJ table has one: its list is one page)."""
    now = utcnow()
    conn = await session.connection()
    await conn.execute(insert(Unite), [dict(
        etablissement_id=structures.eg_ids[0], nom=f"Offre {i}", champ_activite_code="04",
        mode_prise_en_charge_code="46", age_min=60, age_max=120, identifiant=f"11/{1000 + i}", unite_sensible=False,
        ferme=False, demo=False, version=1, created_at=now, updated_at=now) for i in range(ROWS)])
    await conn.execute(insert(AuditLog), [dict(
        at=now - timedelta(minutes=i), entity="etablissement", entity_id=structures.eg_finess[i], field="nom",
        old_value="a", new_value="b", actor="someone@ars.test", role="support", source="admin",
        change_id=str(uuid.uuid4())) for i in range(ROWS)])
    await conn.execute(insert(Event), [dict(
        at=now, entity="etablissement", entity_id=i, entity_key=structures.eg_finess[i], op="update", version=2)
        for i in range(ROWS)])
    await conn.execute(insert(ImportRun), [dict(
        started_at=now - timedelta(days=i), source=f"finess_{i}.csv", format="csv", dry_run=False, status="done")
        for i in range(ROWS)])
    await conn.execute(insert(ApiClient), [dict(
        name=f"client {i}", profile="public", token_hash=uuid.uuid4().hex + uuid.uuid4().hex[:32], created_at=now)
        for i in range(ROWS)])
    await conn.execute(insert(Account), [dict(
        email=f"extra{i}@ars.test", role="referent", password_hash=password_hash, active=True, created_at=now)
        for i in range(ROWS)])
    await session.commit()


@pytest.mark.parametrize("identity", VIEWS)
async def test_each_view_lists_and_paginates(admin: httpx.AsyncClient, every_table, identity: str):
    # given an admin (sees every view) and more than one page of rows
    first = await admin.get(f"/admin/{identity}/list", params={"pageSize": 10})
    assert first.status_code == 200, first.text[:300]
    if identity == "entite-juridique":
        assert "Lignes 1 à 1 sur 1" in first.text
        return
    assert "Lignes 1 à 10 sur" in first.text
    # when asking for the second page
    second = await admin.get(f"/admin/{identity}/list", params={"pageSize": 10, "page": 2})
    # then it holds rows 11 to 20 (or fewer)
    assert second.status_code == 200
    assert "Lignes 11 à" in second.text


async def test_eg_pages_split_the_rows_in_id_order(support: httpx.AsyncClient, structures: Seeded):
    first = await support.get("/admin/etablissement/list")
    second = await support.get("/admin/etablissement/list", params={"page": 2})
    assert f"Lignes 1 à 25 sur {EG_COUNT}" in first.text
    assert structures.eg_finess[0] in first.text and structures.eg_finess[-1] not in first.text
    assert f"Lignes 26 à {EG_COUNT} sur {EG_COUNT}" in second.text
    assert structures.eg_finess[-1] in second.text and structures.eg_finess[0] not in second.text


def _listed(html: str, structures: Seeded) -> set[str]:
    return {f for f in structures.eg_finess if f in html}


async def test_eg_search_by_finess_name_and_commune(support: httpx.AsyncClient, structures: Seeded):
    target = structures.eg_finess[7]
    by_finess = await support.get("/admin/etablissement/list", params={"search": target})
    assert _listed(by_finess.text, structures) == {target}
    by_name = await support.get("/admin/etablissement/list", params={"search": "numero 07"})
    assert _listed(by_name.text, structures) == {target}
    by_commune_code = await support.get("/admin/etablissement/list", params={"search": "69123", "pageSize": 50})
    assert _listed(by_commune_code.text, structures) == set(structures.eg_finess[1::2])


async def test_eg_search_by_commune_name(support: httpx.AsyncClient, structures: Seeded):
    # the reference data holds the COG communes: 69123 is Lyon
    response = await support.get("/admin/etablissement/list", params={"search": "lyon", "pageSize": 50})
    assert _listed(response.text, structures) == set(structures.eg_finess[1::2])


async def test_eg_filters(support: httpx.AsyncClient, structures: Seeded):
    async def listed(**params) -> set[str]:
        response = await support.get("/admin/etablissement/list", params={"pageSize": 50, **params})
        assert response.status_code == 200
        return _listed(response.text, structures)

    egs = structures.eg_finess
    assert await listed(departement="75") == set(egs[0::2])
    assert await listed(categorie="202") == set(egs[0::3])
    assert await listed(etat="fermes") == set(egs[2::3])
    assert await listed(etat="ouverts") == set(egs) - set(egs[2::3])
    # odd EGs were validated two years ago or never: they are due for an update
    assert await listed(a_mettre_a_jour="oui") == set(egs[1::2])
    assert await listed(a_mettre_a_jour="non") == set(egs[0::2])
    assert await listed(departement="69", a_mettre_a_jour="oui", etat="ouverts") == set(egs[1::2]) - set(egs[2::3])


async def test_filter_sidebar_offers_reference_labels(support: httpx.AsyncClient, structures: Seeded):
    html = (await support.get("/admin/etablissement/list")).text
    assert "75 – Paris" in html and "69 – Rhône" in html
    assert "À mettre à jour" in html


async def test_count_is_capped_and_shown_as_a_lower_bound(structures: Seeded, accounts, settings):
    # given an EG view that counts at most 5 rows, or 8 pages past the requested one
    from ror_graph.app import create_app

    app = create_app(settings)
    view = next(v for v in _admin_of(app).views if getattr(v, "identity", "") == "etablissement")
    type(view).count_floor = 5
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        await login(http, accounts["support"])
        # when listing pages of 2 rows: page 1 counts at most (1 + 8) × 2 = 18 of the 30 EGs
        first = await http.get("/admin/etablissement/list", params={"pageSize": 2})
        # then the total shows as a lower bound
        assert "Lignes 1 à 2 sur plus de 18" in first.text
        assert "Lignes 1 à 2 sur 30" not in first.text
        # and a deeper page counts further, up to the exact total, and still opens
        deep = await http.get("/admin/etablissement/list", params={"pageSize": 2, "page": 12})
        assert deep.status_code == 200
        assert f"Lignes 23 à 24 sur {EG_COUNT}" in deep.text
    await app.state.ror.engine.dispose()


def _admin_of(app: Starlette):
    """The SQLAdmin instance mounted on ``app`` (found through its view classes' back-reference)."""
    mount = next(r for r in app.routes if getattr(r, "path", "") == "/admin")
    for route in mount.app.routes:
        endpoint = getattr(route, "endpoint", None)
        owner = getattr(endpoint, "__self__", None)
        if owner is not None and hasattr(owner, "views"):
            return owner
    raise AssertionError("admin not found")


def test_capped_count_prints_as_a_lower_bound():
    assert str(CappedCount(10_001, capped=True)) == "plus de 10\u00a0000"
    assert str(CappedCount(9_999)) == "9\u00a0999"
    assert CappedCount(10_001, capped=True) + 1 == 10_002


async def test_csv_export_is_the_current_filtered_list(support: httpx.AsyncClient, structures: Seeded):
    response = await support.get("/admin/etablissement/export/csv", params={"departement": "69", "etat": "fermes"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    expected = set(structures.eg_finess[1::2]) & set(structures.eg_finess[2::3])
    assert {row["FINESS"] for row in rows} == expected
    # and the export button of the filtered list carries the filters
    page = await support.get("/admin/etablissement/list", params={"departement": "69"})
    assert "/admin/etablissement/export/csv?departement=69" in page.text


def test_mount_admin_returns_the_admin_with_all_views(settings):
    from ror_graph.app import create_app

    app = create_app(settings)
    assert mount_admin  # the app factory calls it
    identities = {getattr(v, "identity", "") for v in _admin_of(app).views}
    assert set(VIEWS) | {"tableau-de-bord", "consumer"} <= identities
