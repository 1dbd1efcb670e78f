"""Fixtures of the back-office tests: the real app over HTTP, accounts of each role, seeded structures.

The app is built by ``create_app`` on the test database (SQLite copy or private PostgreSQL db) and
driven with ``httpx.AsyncClient`` over ASGI: the whole stack runs (session cookie, CSRF middleware,
SQLAdmin routes, services). Accounts are rows with a real argon2 hash (computed once per run);
structures are bulk-inserted rows, as the FINESS importer would leave them.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.app import create_app
from ror_graph.models import Account, AccountScope, EntiteJuridique, Etablissement, utcnow
from ror_graph.services.accounts.accounts import hash_password
from ror_graph.services.core.validation import luhn_ok
from ror_graph.settings import Settings

PASSWORD = "correct horse battery"
EMAILS = {"support": "support@ars.test", "admin": "admin@ars.test", "referent": "referent@ehpad.test",
          "directeur": "directeur@ehpad.test"}
EG_COUNT = 30
_TOKEN = re.compile(r'name="csrf[-_]token" (?:content|value)="([^"]+)"')


def finess(prefix8: str) -> str:
    """A FINESS number with a valid Luhn key after the 8-character ``prefix8``."""
    return next(prefix8 + str(d) for d in range(10) if luhn_ok(prefix8 + str(d)))


def csrf_from(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@dataclass
class Seeded:
    """What ``structures`` inserted."""

    ej_finess: str
    eg_finess: list[str]
    eg_ids: list[int]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, meili_managed=False, secret_key="test-secret", debug=True)


@pytest.fixture
async def admin_app(settings: Settings):
    app = create_app(settings)
    yield app
    await app.state.ror.engine.dispose()


@pytest.fixture
async def client(admin_app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=admin_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def structures(session: AsyncSession) -> Seeded:
    """One EJ and ``EG_COUNT`` EGs: départements 75/69, catégories 500/202, every third closed,
    even ones validated last month, odd ones never or 2 years ago."""
    now = utcnow()
    ej_finess = finess("75000000")
    conn = await session.connection()
    ej_id = (await conn.execute(insert(EntiteJuridique).values(
        finess=ej_finess, raison_sociale="ASSOCIATION TEST", created_at=now, updated_at=now, version=1,
        placeholder=False).returning(EntiteJuridique.id))).scalar_one()
    rows = []
    for i in range(EG_COUNT):
        dep = "75" if i % 2 == 0 else "69"
        validated = now - timedelta(days=30) if i % 2 == 0 else (None if i % 4 == 1 else now - timedelta(days=730))
        rows.append(dict(
            finess=finess(f"{dep}1{i:05d}"), entite_juridique_id=ej_id, raison_sociale=f"EHPAD NUMERO {i:02d}",
            categorie_code="500" if i % 3 else "202", departement_code=dep, region_code="11" if dep == "75" else "84",
            commune_code="75056" if dep == "75" else "69123", code_postal="75001" if dep == "75" else "69001",
            ferme=(i % 3 == 2), derniere_validation_at=validated, created_at=now, updated_at=now, version=1,
            statut_description="valide" if validated else "a_completer",
        ))
    ids = (await conn.execute(insert(Etablissement).returning(Etablissement.id), rows)).scalars().all()
    await session.commit()
    return Seeded(ej_finess=ej_finess, eg_finess=[r["finess"] for r in rows], eg_ids=sorted(ids))


@pytest.fixture(scope="session")
def password_hash() -> str:
    """One argon2 hash of ``PASSWORD`` for every test account (hashing is slow on purpose)."""
    return hash_password(PASSWORD)


@pytest.fixture
async def accounts(session: AsyncSession, structures: Seeded, password_hash: str) -> dict[str, str]:
    """Accounts of each role (password ``PASSWORD``); référent and directeur scoped to the first EG."""
    for role, email in EMAILS.items():
        account = Account(email=email, role=role, password_hash=password_hash)
        session.add(account)
        await session.flush()
        if role in {"referent", "directeur"}:
            session.add(AccountScope(account_id=account.id, kind="eg", finess=structures.eg_finess[0]))
    await session.commit()
    return EMAILS


async def login(http: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    """Log in through the login form (with its CSRF token), as a browser would."""
    page = await http.get("/admin/login")
    return await http.post("/admin/login", data={"username": email, "password": password,
                                                 "csrf_token": csrf_from(page.text)})


async def page_token(http: httpx.AsyncClient, path: str = "/admin/etablissement/list") -> str:
    """The session's CSRF token, read from a page as the browser's JavaScript does."""
    response = await http.get(path)
    assert response.status_code == 200, response.text[:500]
    return csrf_from(response.text)


@pytest.fixture
async def support(client: httpx.AsyncClient, accounts: dict[str, str]) -> httpx.AsyncClient:
    """The HTTP client, logged in as support."""
    response = await login(client, accounts["support"])
    assert response.status_code == 302, response.text[:500]
    return client


@pytest.fixture
async def admin(client: httpx.AsyncClient, accounts: dict[str, str]) -> httpx.AsyncClient:
    """The HTTP client, logged in as admin."""
    response = await login(client, accounts["admin"])
    assert response.status_code == 302, response.text[:500]
    return client


def aware(value: datetime | None) -> datetime | None:
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


@pytest.fixture
async def offres(session: AsyncSession, structures: Seeded) -> list[int]:
    """Two open offers of the first EG (region 11), inserted as rows: ``[id of 11/<id>, id of the other]``."""
    from ror_graph.models import Unite

    ids = []
    for nom in ("Hébergement permanent", "Accueil de jour"):
        unite = Unite(etablissement_id=structures.eg_ids[0], nom=nom, type_offre_code="21",
                      champ_activite_code="04", mode_prise_en_charge_code="46", temporalite_code="02",
                      age_min=60, age_max=120)
        session.add(unite)
        await session.flush()
        unite.identifiant = f"11/{unite.id}"
        ids.append(unite.id)
    await session.commit()
    return ids
