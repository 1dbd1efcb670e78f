"""Fixtures of the write-path tests: two EJ/EG pairs, one offer each, accounts of every role.

Rows are inserted directly (not through the services under test). Callers are built exactly as
``services.accounts.auth.resolve_bearer`` builds them, without hashing a password per test; one test
(``test_accounts.py``) goes through the real login → bearer → write path.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import (
    Account,
    AccountScope,
    ApiClient,
    CapaciteFiness,
    EntiteJuridique,
    Etablissement,
    Unite,
    UniteCode,
)
from ror_graph.models.coded import ACTIVITE
from ror_graph.services.accounts.auth import ANONYMOUS, ROLE_PROFILE, Caller, caller_for_profile
from ror_graph.services.accounts.principal import Principal
from ror_graph.services.core.validation import luhn_ok
from ror_graph.services.unite.inputs import CapaciteInput, TelecomInput
from tests.conftest import REFERENCE_TABLES

T0 = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)


def finess(prefix8: str) -> str:
    """A FINESS number with a valid Luhn key after the 8-character ``prefix8``."""
    return next(prefix8 + str(d) for d in range(10) if luhn_ok(prefix8 + str(d)))


def tel(canal: str, valeur: str, level: int) -> TelecomInput:
    """A telecom input: canal (JDV_J225), value, confidentiality level."""
    return TelecomInput(canal_code=canal, valeur=valeur, confidentialite=level)


def cap(nature: str, statut: str, nombre: int) -> CapaciteInput:
    """A capacity input: nature (TRE_R329), statut (TRE_R330), count."""
    return CapaciteInput(nature_code=nature, statut_code=statut, nombre=nombre)


EJ_A, EG_A = finess("75000001"), finess("75000002")
EJ_B, EG_B = finess("69000001"), finess("69000002")

# Tables whose content a refused write must leave untouched (everything the write path may touch).
WATCHED = ("etablissement", "entitejuridique", "unite", "unite_code", "contact", "telecom", "horaire",
           "zone_intervention", "unite_lieu", "lieu", "capacite", "equipement", "equipement_limite", "habitation",
           "tarif", "etablissement_code", "audit_log", "event_log", "finess_field_state")


@pytest.fixture
async def database_url(database_template: str, _pg_engine, tmp_path: Path) -> str:
    """As the root fixture, but PostgreSQL is cleaned with DELETEs (children first) instead of one big
    TRUNCATE: these tests insert a few dozen rows, and TRUNCATE's catalog locks cost ~1 s per test."""
    if _pg_engine is None:
        target = tmp_path / "test.sqlite3"
        shutil.copyfile(Path(database_template.split(":///", 1)[1]), target)
        return f"sqlite+aiosqlite:///{target}"
    async with _pg_engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            if table.name not in REFERENCE_TABLES:
                await conn.execute(table.delete())
    return database_template


@dataclass
class World:
    """What the fixtures inserted: ids and callers by name."""

    eg_a: int
    eg_b: int
    unite_a: str
    unite_b: str
    callers: dict[str, Caller] = field(default_factory=dict)

    def principal(self, name: str) -> Principal:
        """The write principal of caller ``name``, as the API builds it from the request."""
        return Principal.from_caller(self.callers[name])


async def _insert_eg(session: AsyncSession, ej_finess: str, eg_finess: str, dep: str, region: str) -> Etablissement:
    ej = EntiteJuridique(finess=ej_finess, raison_sociale=f"EJ {ej_finess}")
    session.add(ej)
    await session.flush()
    eg = Etablissement(finess=eg_finess, entite_juridique_id=ej.id, raison_sociale=f"EHPAD {eg_finess}",
                       categorie_code="500", departement_code=dep, region_code=region,
                       commune_code="75056" if dep == "75" else "69123")
    session.add(eg)
    await session.flush()
    return eg


async def _insert_unite(session: AsyncSession, eg: Etablissement, region: str) -> str:
    unite = Unite(etablissement_id=eg.id, nom="Hébergement permanent", type_offre_code="21",
                  champ_activite_code="04", mode_prise_en_charge_code="46", temporalite_code="02",
                  age_min=60, age_max=120)
    session.add(unite)
    await session.flush()
    unite.identifiant = f"{region}/{unite.id}"
    session.add(UniteCode(unite_id=unite.id, attribute="activite", system=ACTIVITE, code="003"))
    return unite.identifiant


async def _account(session: AsyncSession, email: str, role: str, scopes: list[tuple[str, str]]) -> Caller:
    account = Account(email=email, role=role, password_hash="not-used-by-these-tests")
    session.add(account)
    await session.flush()
    session.add_all(AccountScope(account_id=account.id, kind=k, finess=f) for k, f in scopes)
    return caller_for_profile(
        ROLE_PROFILE[role], account_id=account.id, email=email, role=role,
        scopes_ej=frozenset(f for k, f in scopes if k == "ej"), scopes_eg=frozenset(f for k, f in scopes if k == "eg"),
    )


@pytest.fixture
async def world(session: AsyncSession) -> World:
    """EJ A ⊃ EG A (Paris, one offer, 50 authorised places) and EJ B ⊃ EG B (Lyon, one offer); accounts."""
    eg_a = await _insert_eg(session, EJ_A, EG_A, "75", "11")
    eg_b = await _insert_eg(session, EJ_B, EG_B, "69", "84")
    session.add(CapaciteFiness(etablissement_id=eg_a.id, statut_code="09", nombre=50))
    unite_a = await _insert_unite(session, eg_a, "11")
    unite_b = await _insert_unite(session, eg_b, "84")
    client = ApiClient(name="portail", profile="regulation", token_hash="0" * 64)
    session.add(client)
    await session.flush()
    callers = {
        "anonymous": ANONYMOUS,
        "api_client": caller_for_profile("regulation", api_client_id=client.id),
        "referent_a": await _account(session, "referent.a@example.fr", "referent", [("eg", EG_A)]),
        "directeur_a": await _account(session, "directeur.a@example.fr", "directeur", [("ej", EJ_A)]),
        "referent_b": await _account(session, "referent.b@example.fr", "referent", [("eg", EG_B)]),
        "support": await _account(session, "support@example.fr", "support", []),
        "admin": await _account(session, "admin@example.fr", "admin", []),
    }
    await session.commit()
    return World(eg_a=eg_a.id, eg_b=eg_b.id, unite_a=unite_a, unite_b=unite_b, callers=callers)


async def fingerprint(session: AsyncSession, tables: tuple[str, ...] = WATCHED) -> dict[str, Any]:
    """Every row of the watched tables, read with Core (never from the session's identity map)."""
    conn = await session.connection()
    result: dict[str, Any] = {}
    for name in tables:
        table = SQLModel.metadata.tables[name]
        rows = (await conn.execute(select(table))).all()
        result[name] = sorted(tuple(str(v) for v in row) for row in rows)
    await session.commit()
    return result


async def count(session: AsyncSession, table: str, **where: Any) -> int:
    """Rows of ``table`` matching the equality filters ``where``."""
    conn = await session.connection()
    tbl = SQLModel.metadata.tables[table]
    query = select(func.count()).select_from(tbl).where(*(tbl.c[k] == v for k, v in where.items()))
    value = (await conn.execute(query)).scalar_one()
    await session.commit()
    return value


async def version_of(session: AsyncSession, model: type[SQLModel], **where: Any) -> int:
    conn = await session.connection()
    table = model.__table__  # type: ignore[attr-defined]
    query = select(table.c.version).where(*(table.c[k] == v for k, v in where.items()))
    value = (await conn.execute(query)).scalar_one()
    await session.commit()
    return value
