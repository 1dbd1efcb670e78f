"""The back-office bench's database: N EGs with their EJs, one unit each, history rows, anomalies, accounts.

Bulk-inserted through SQLAlchemy Core after ``create_all`` (which also installs the name indexes of
``models.name_index``), then analysed (PostgreSQL: ``VACUUM ANALYZE``, the state autovacuum keeps a
production database in; the bench server runs with autovacuum off). Used by ``bench/admin.py``.
"""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from ror_graph.db import make_engine, session_factory
from ror_graph.models import (
    Account,
    Anomalie,
    AuditLog,
    Commune,
    Departement,
    EntiteJuridique,
    Etablissement,
    Nomenclature,
    Unite,
)
from ror_graph.models.coded import CATEGORIE_EG
from ror_graph.services.accounts.accounts import hash_password
from ror_graph.services.core.validation import luhn_ok
from ror_graph.services.qualite.regles import LIBELLES
from ror_graph.services.reference.loader import load_reference

EMAIL, ADMIN_EMAIL, PASSWORD = "bench.support@ars.test", "bench.admin@ars.test", "bench password 2026"
WORDS = ["LES TILLEULS", "LES GLYCINES", "SAINT JOSEPH", "LA ROSERAIE", "LE CLOS FLEURI", "BEL AIR", "LES CEDRES",
         "RESIDENCE DU PARC", "LES JARDINS", "VAL DE LOIRE", "LES MIMOSAS", "SAINTE MARIE"]
KINDS = ["EHPAD", "CENTRE HOSPITALIER", "SSIAD", "FOYER", "IME", "CLINIQUE", "MAS", "ESAT"]
OFFERS = ["Hébergement permanent", "Accueil de jour", "Hébergement temporaire", "Consultation mémoire",
          "Soins infirmiers à domicile", "Unité d'hébergement renforcé"]
BATCH = 5_000
ACCOUNTS = 2_000


def finess(dep: str, n: int) -> str:
    prefix = f"{dep[:2]}{n:06d}"[:8].ljust(8, "0")
    return next(prefix + str(d) for d in range(10) if luhn_ok(prefix + str(d)))


async def prepare_pg(url: str) -> None:
    """A new empty PostgreSQL database named as in ``url`` (dropped first)."""
    name = make_url(url).database
    engine = create_async_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()


async def _reference(conn) -> tuple[list[tuple[str, str]], dict[str, list[str]], list[str]]:
    deps = (await conn.execute(select(Departement.code, Departement.region_code))).all()
    communes: dict[str, list[str]] = {}
    for code, dep in (await conn.execute(select(Commune.code, Commune.departement_code))).all():
        communes.setdefault(dep, []).append(code)
    cats = list((await conn.execute(select(Nomenclature.code).where(Nomenclature.system == CATEGORIE_EG))).scalars())
    return [(d, r) for d, r in deps if d in communes and d[:2].isdigit()], communes, cats


def _egs(rnd: random.Random, start: int, size: int, ej_ids: list[int], ref, now: datetime) -> list[dict]:
    deps, communes, cats = ref
    rows = []
    for i in range(start, start + size):
        dep, region = deps[i % len(deps)]
        validated = None if rnd.random() < 0.3 else now - timedelta(days=rnd.randint(1, 900))
        rows.append(dict(
            finess=finess(dep, i), entite_juridique_id=ej_ids[(i - start) // 5],
            raison_sociale=f"{rnd.choice(KINDS)} {rnd.choice(WORDS)} {i}", categorie_code=rnd.choice(cats),
            departement_code=dep, region_code=region, commune_code=rnd.choice(communes[dep]),
            ferme=rnd.random() < 0.05, derniere_validation_at=validated, created_at=now, updated_at=now,
            version=1, statut_description="valide" if validated else "a_completer"))
    return rows


async def _batch(conn, rnd: random.Random, start: int, size: int, ref, now: datetime) -> None:
    """EJs, EGs, one unit per EG, one history row per EG, an anomaly for one EG in five."""
    deps = ref[0]
    ej_rows = [dict(finess=finess(deps[i % len(deps)][0], 500_000 + i // 5), raison_sociale=f"ASSOCIATION {i // 5}",
                    created_at=now, updated_at=now, version=1, placeholder=False)
               for i in range(start, start + size, 5)]
    ej_ids = (await conn.execute(insert(EntiteJuridique).returning(EntiteJuridique.id), ej_rows)).scalars().all()
    egs = _egs(rnd, start, size, list(ej_ids), ref, now)
    eg_ids = (await conn.execute(insert(Etablissement).returning(Etablissement.id), egs)).scalars().all()
    await conn.execute(insert(Unite), [dict(
        etablissement_id=eg_id, nom=f"{rnd.choice(OFFERS)} {n}", champ_activite_code="04",
        mode_prise_en_charge_code="46", age_min=60, age_max=120, identifiant=f"{eg['region_code']}/{n}",
        unite_sensible=rnd.random() < 0.02, ferme=False, demo=False, version=1, created_at=now, updated_at=now)
        for n, (eg_id, eg) in enumerate(zip(eg_ids, egs, strict=True), start=start)])
    await conn.execute(insert(AuditLog), [dict(
        at=now - timedelta(minutes=n), entity="etablissement", entity_id=eg["finess"], field="telephone",
        old_value="0102030405", new_value="0102030406", actor=f"agent{n % 40}@ars.test", role="support",
        source="admin", motif="Ticket", change_id=str(uuid.uuid4())) for n, eg in enumerate(egs, start=start)])
    rules = sorted(LIBELLES)
    await conn.execute(insert(Anomalie), [dict(
        cle=f"{rules[n % len(rules)]}:{eg_id}:", regle=rules[n % len(rules)], etablissement_id=eg_id,
        message="Constat du banc", statut="ouverte" if n % 3 else "fermee", active=True, reouvertures=0,
        detectee_at=now - timedelta(hours=n), derniere_detection_at=now - timedelta(hours=n % 5000))
        for n, eg_id in enumerate(eg_ids[::5], start=start)])


async def build(url: str, rows: int) -> dict:
    """Schema, reference data, ``rows`` EGs (one EJ per five EGs) and their satellites, accounts."""
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    async with session_factory(engine)() as session:
        await load_reference(session)
    rnd, now = random.Random(7), datetime.now(UTC)
    async with engine.begin() as conn:
        ref = await _reference(conn)
        hashed = hash_password(PASSWORD)
        await conn.execute(insert(Account), [
            dict(email=EMAIL, role="support", password_hash=hashed, active=True, created_at=now),
            dict(email=ADMIN_EMAIL, role="admin", password_hash=hashed, active=True, created_at=now),
            *(dict(email=f"referent{n}@structure.test", nom=f"Référent {n}", role="referent", password_hash=hashed,
                   active=n % 10 != 0, created_at=now - timedelta(hours=n)) for n in range(ACCOUNTS))])
        started = time.perf_counter()
        for start in range(0, rows, BATCH):
            await _batch(conn, rnd, start, min(BATCH, rows - start), ref, now)
        load_s = time.perf_counter() - started
    async with engine.connect() as conn:
        if url.startswith("postgresql"):
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text("VACUUM ANALYZE"))
        else:
            await conn.execute(text("ANALYZE"))
    await engine.dispose()
    return {"load_s": load_s}


async def samples(url: str) -> dict:
    """Rows the timed pages open or search for (read from the database, so a reused one works too)."""
    engine = make_engine(url)
    async with engine.connect() as conn:
        eg = (await conn.execute(select(Etablissement.id, Etablissement.finess).where(Etablissement.id == 1235))).one()
        unite = (await conn.execute(select(Unite.identifiant).where(Unite.etablissement_id == eg.id))).scalar_one()
        rows = (await conn.execute(text("SELECT count(*) FROM etablissement"))).scalar_one()
    await engine.dispose()
    return {"eg_id": eg.id, "finess": eg.finess, "unite": unite, "rows": rows}
