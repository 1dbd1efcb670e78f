"""Quality rules over a national-size directory, and the campaign dashboard (targets: rules over ≈ 100k EG /
300k offers ≤ 60 s; dashboard p95 ≤ 300 ms).

Builds a fresh database (SQLite by default, ``--database-url`` for PostgreSQL) with ``--egs`` EGs
(one EJ per five) and ``--offers`` offers per EG (codes, ages, modes, a lieu with an installed
capacity for most, a few broken on purpose so that every rule has hits), through SQLAlchemy Core.
Then it times:

* the nightly pass: every rule over the whole directory and the anomaly queue update
  (``services.qualite.moteur.evaluer``), then a second pass (nothing new: the steady state), and
  each rule's query alone; baseline in the same run: one full read of the offer table;
* the campaign dashboard (``services.campagne.tableau.tableau``: grouped counts, late list,
  snapshot series) for a national and a regional campaign, median and p95 over ``--repeat`` runs;
  baseline: ``COUNT(*)`` of the EGs.

    .venv/bin/python bench/quality.py --egs 20000
    .venv/bin/python bench/quality.py --egs 100000 --database-url postgresql://postgres@127.0.0.1:5432/bench_quality
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel, select

from ror_graph.db import make_engine, session_factory
from ror_graph.models import (
    Campagne,
    Capacite,
    Departement,
    EntiteJuridique,
    Etablissement,
    Lieu,
    Unite,
    UniteCode,
    UniteLieu,
)
from ror_graph.models.coded import ACTIVITE
from ror_graph.services.campagne.snapshot import prendre_snapshot
from ror_graph.services.campagne.tableau import tableau
from ror_graph.services.qualite.moteur import evaluer
from ror_graph.services.qualite.regles import REGLES
from ror_graph.services.reference.loader import load_reference
from ror_graph.settings import normalise_database_url

BATCH = 2_000
MODES = ["46", "46", "47", "49", "45", "28"]


async def _insert(conn, model, rows: list[dict]) -> list[int]:
    return list((await conn.execute(insert(model).returning(model.id), rows)).scalars().all())


async def build(url: str, egs: int, offers: int) -> float:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    async with session_factory(engine)() as session:
        await load_reference(session)
    rnd, now = random.Random(17), datetime.now(UTC)
    started = time.perf_counter()
    async with engine.begin() as conn:
        deps = [(d, r) for d, r in (await conn.execute(select(Departement.code, Departement.region_code))).all()
                if d[:2].isdigit()]
        for start in range(0, egs, BATCH):
            size = min(BATCH, egs - start)
            ej_ids = await _insert(conn, EntiteJuridique, [dict(
                finess=f"E{start + i:08d}", raison_sociale=f"EJ {start + i}", created_at=now, updated_at=now,
                version=1, placeholder=False) for i in range(0, size, 5)])
            eg_ids = await _insert(conn, Etablissement, [dict(
                finess=f"G{start + i:08d}", entite_juridique_id=ej_ids[i // 5], raison_sociale=f"EG {start + i}",
                categorie_code=rnd.choice(["500", "500", "354", "209", "255"]), departement_code=deps[i % len(deps)][0],
                region_code=deps[i % len(deps)][1], telephone=None if rnd.random() < 0.1 else "0240000000",
                ferme=rnd.random() < 0.03, created_at=now, updated_at=now, version=1,
                derniere_validation_at=None if rnd.random() < 0.4 else now - timedelta(days=rnd.randint(1, 500)),
                derniere_modification_at=now - timedelta(days=rnd.randint(1, 200)))
                for i in range(size)])
            lieu_ids = await _insert(conn, Lieu, [dict(etablissement_id=e, created_at=now, updated_at=now, version=1,
                                                       statut_code="3") for e in eg_ids])
            await conn.execute(insert(Capacite), [dict(lieu_id=lieu, nature_code="02", statut_code="01",
                                                       nombre=rnd.randint(10, 90)) for lieu in lieu_ids
                                                  if rnd.random() < 0.9])
            unit_rows = [dict(etablissement_id=e, nom=f"Offre {k}", identifiant=f"X/{start}/{j}/{k}",
                              champ_activite_code="04", mode_prise_en_charge_code=rnd.choice(MODES),
                              temporalite_code="02", type_offre_code="21", age_min=60,
                              age_max=120 if rnd.random() > 0.02 else 50, unite_sensible=False, ferme=False,
                              created_at=now, updated_at=now, version=1)
                         for j, e in enumerate(eg_ids) for k in range(offers)]
            unit_ids = await _insert(conn, Unite, unit_rows)
            await conn.execute(insert(UniteCode), [dict(unite_id=u, attribute="activite", system=ACTIVITE,
                                                        code="287") for u in unit_ids if rnd.random() < 0.95])
            await conn.execute(insert(UniteLieu), [dict(unite_id=u, lieu_id=lieu_ids[n // offers])
                                                   for n, u in enumerate(unit_ids)])
    async with engine.connect() as conn:
        await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text("ANALYZE"))
    await engine.dispose()
    return time.perf_counter() - started


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def measure(url: str, repeat: int) -> None:
    engine = make_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session:
        started = time.perf_counter()
        conn = await session.connection()
        offers = (await conn.execute(select(Unite.__table__))).all()  # type: ignore[attr-defined]
        print(f"baseline: read every offer row, Core ({len(offers):,}): {time.perf_counter() - started:.2f} s")
        await session.commit()
        for regle in REGLES:
            started = time.perf_counter()
            hits = len((await session.exec(regle.query(None))).all())  # type: ignore[call-overload]
            print(f"  rule {regle.code:34s} {time.perf_counter() - started:6.2f} s  {hits:>8,} hits")
        for label in ("nightly pass (first: queue filled)", "nightly pass (steady state)"):
            started = time.perf_counter()
            bilan = await evaluer(session, None)
            await session.commit()
            print(f"{label}: {time.perf_counter() - started:.2f} s  ({bilan})")
        session.expunge_all()
        await prendre_snapshot(session)
        now = datetime.now(UTC)
        national = Campagne(nom="Nationale", ouverture=now - timedelta(days=60), echeance=now + timedelta(days=30))
        regional = Campagne(nom="Pays de la Loire", region_code="52", ouverture=now - timedelta(days=60),
                            echeance=now - timedelta(days=1))
        session.add_all([national, regional])
        await session.commit()
        started = time.perf_counter()
        total = (await session.exec(select(func.count()).select_from(Etablissement))).one()
        print(f"baseline: COUNT(*) of {total:,} EGs: {1000 * (time.perf_counter() - started):.1f} ms")
        for campagne in (national, regional):
            samples = []
            for _ in range(repeat):
                started = time.perf_counter()
                data = await tableau(session, campagne)
                samples.append(1000 * (time.perf_counter() - started))
                session.expunge_all()
                campagne = await session.get(Campagne, campagne.id)  # type: ignore[assignment]
            print(f"dashboard {campagne.nom:18s} {data.total:>8,} EGs, {len(data.en_retard):>4} late shown: "
                  f"median {statistics.median(samples):.0f} ms, p95 {p95(samples):.0f} ms")
    await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--egs", type=int, default=20_000)
    parser.add_argument("--offers", type=int, default=3, help="offers per EG")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        url = normalise_database_url(url)
        if url.startswith("postgresql"):
            admin = create_async_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
            name = make_url(url).database
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                await conn.execute(text(f'CREATE DATABASE "{name}"'))
            await admin.dispose()
        print(f"database: {url.split('@')[-1]}; {args.egs:,} EGs × {args.offers} offers")
        print(f"load: {await build(url, args.egs, args.offers):.1f} s")
        await measure(url, args.repeat)


if __name__ == "__main__":
    asyncio.run(main())
