"""Search benchmark: index ≥ 200,000 offers, then time typical searches through the API and directly.

    .venv/bin/python bench/search.py [--offers 200000] [--queries 400] [--concurrency 8] [--seconds 10]

What it does, in one run (so the baseline is measured on the same machine, same moment):

1. builds a SQLite database of synthetic offers scaled from the demo templates
   (``services.demo.templates``: real NOS codes per FINESS category) on the communes of the COG
   table that have a position, with zones d'intervention for home-care offers;
2. ``search_index.indexer.reindex`` into a managed Meilisearch: indexing time and documents/s;
3. starts the real app (``uvicorn ror_graph.app:create_app``) in a subprocess and runs the same
   typical queries (text + 2 filters + 3 facets + geo sort) through ``GET /api/search`` and directly
   against Meilisearch's ``/search`` (the filter string built by the same code), interleaved:
   p50/p95 latency with one client, then requests/s with N concurrent clients;
4. with the recent layer on (``ROR_GRAPH_SEARCH_RECENT_INDEX``, default true): the same queries through
   the API while ``--shadow`` offers sit in the recent index (base + recent merged per search), then
   the layer is emptied again;
5. write → outbox → worker → search: the delay until a renamed offer is found through the API.

Targets (issue 5): API p95 ≤ 50 ms and ≤ 1.5× direct Meilisearch; a write visible within 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import insert
from sqlmodel import SQLModel, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ror_graph.db import make_engine, session_factory  # noqa: E402
from ror_graph.models import (  # noqa: E402
    Commune,
    Departement,
    EntiteJuridique,
    Etablissement,
    Unite,
    UniteCode,
    ZoneIntervention,
    coded,
    utcnow,
)
from ror_graph.services.core.changes import Actor, ChangeSet  # noqa: E402
from ror_graph.services.demo.templates import TEMPLATES  # noqa: E402
from ror_graph.services.reference.loader import load_reference  # noqa: E402
from search_index.client import NO_COMPRESSION, meili_client  # noqa: E402
from search_index.index_settings import FACET_ATTRIBUTES  # noqa: E402
from search_index.indexer import reindex  # noqa: E402
from search_index.query import SearchParams, build_filter, validate  # noqa: E402
from search_index.recent import ensure_recent, recent_uid  # noqa: E402
from search_index.server import ManagedMeili, free_port  # noqa: E402
from search_index.shadow import clear_shadow, record_shadow  # noqa: E402

INDEX = "offres"
# FINESS category -> (weight, EG name pattern)
CATEGORIES = {
    "500": (34, "EHPAD {nom}"), "354": (12, "SSIAD {ville}"), "355": (5, "Centre hospitalier de {ville}"),
    "109": (4, "Clinique de réadaptation {nom}"), "156": (6, "CMP {ville}"), "292": (2, "Centre psychiatrique {nom}"),
    "183": (5, "IME {nom}"), "182": (4, "SESSAD {ville}"), "246": (4, "ESAT {nom}"), "255": (3, "MAS {nom}"),
    "437": (3, "FAM {nom}"), "127": (2, "HAD {ville}"), "197": (3, "CSAPA {ville}"), "202": (5, "Résidence {nom}"),
    "209": (4, "Service autonomie {ville}"), "603": (4, "Maison de santé {nom}"),
}
NOMS = ["Les Tilleuls", "Les Glycines", "Saint-Joseph", "La Roseraie", "Le Clos Fleuri", "Les Mimosas", "Bellevue",
        "Les Charmilles", "Sainte-Anne", "Le Val de Loire", "Les Hortensias", "La Chênaie", "Les Ormeaux",
        "Notre-Dame", "Le Parc", "Les Jardins d'Anjou", "La Source", "Les Peupliers", "Saint-Martin", "L'Orée"]
# What people type, with the champ d'activité a search page would pair it with (so queries find something).
TEXTS = [("ehpad", "04"), ("maison de retraite", "04"), ("hebergement temporaire", "04"), ("ssiad", "04"),
         ("soins infirmiers domicile", "04"), ("accueil de jour alzheimer", "04"), ("ime", "04"), ("esat", "04"),
         ("foyer accueil medicalise", "04"), ("cmp enfants", "03"), ("psychiatrie", "03"), ("readaptation", "02"),
         ("ssr", "02"), ("urgences", "01"), ("had", "01"), ("medecine polyvalente", "01"), ("ehpd", "04")]
FACETS = ["categorie", "public", "typeOffre"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def rss_mb(pid: int | None) -> float | None:
    if not pid:
        return None
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


# ---------------------------------------------------------------------------------------- data
async def build_database(url: str, offers: int, seed: int) -> tuple[list, float]:
    """Create the schema, load reference data and insert ``offers`` synthetic offers (Core bulk inserts)."""
    rng = random.Random(seed)
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all)
    sessions = session_factory(engine)
    async with sessions() as session:
        await load_reference(session)
        # placed communes of a département (the overseas collectivities, e.g. 987, are not search filters)
        communes = (await session.exec(select(Commune).join(Departement, Departement.code == Commune.departement_code)
                                       .where(Commune.latitude.is_not(None)))).all()
        all_by_dep: dict[str, list[str]] = {}
        for code, dep in (await session.exec(select(Commune.code, Commune.departement_code))).all():
            all_by_dep.setdefault(dep, []).append(code)
    started = time.perf_counter()
    cats, weights = list(CATEGORIES), [w for w, _ in CATEGORIES.values()]
    ejs, egs, unites, codes, zones = [], [], [], [], []
    unite_id = eg_id = 0
    while unite_id < offers:
        eg_id += 1
        commune = rng.choice(communes)
        categorie = rng.choices(cats, weights)[0]
        pattern = CATEGORIES[categorie][1]
        if eg_id % 8 == 1:
            ejs.append({"id": len(ejs) + 1, "finess": f"{commune.departement_code[:2]}9{len(ejs):06d}",
                        "raison_sociale": f"Association {rng.choice(NOMS)} {commune.nom}"})
        cp = (commune.codes_postaux or "00000").split()[0]
        egs.append({
            "id": eg_id, "finess": f"{commune.departement_code[:2]}{eg_id:07d}", "entite_juridique_id": len(ejs),
            "raison_sociale": pattern.format(nom=rng.choice(NOMS), ville=commune.nom), "categorie_code": categorie,
            "commune_code": commune.code, "code_postal": cp, "libelle_acheminement": commune.nom.upper(),
            "numero_voie": str(rng.randint(1, 120)), "type_voie": "R", "libelle_voie": rng.choice(NOMS),
            "departement_code": commune.departement_code, "region_code": commune.region_code,
            "latitude": commune.latitude + rng.uniform(-0.04, 0.04),
            "longitude": commune.longitude + rng.uniform(-0.06, 0.06), "telephone": f"02{rng.randint(0, 99999999):08d}",
        })
        for template in TEMPLATES[categorie]:
            if template.sensible or template.once or rng.random() > template.probability or unite_id >= offers:
                continue
            unite_id += 1
            unites.append({
                "id": unite_id, "identifiant": f"{commune.region_code}/{unite_id}", "etablissement_id": eg_id,
                "nom": template.nom, "type_offre_code": template.type_offre, "champ_activite_code": template.champ,
                "mode_prise_en_charge_code": template.mode, "temporalite_code": template.temporalite,
                "age_min": template.age[0], "age_max": template.age[1], "demo": True,
            })
            for attribute, values in (("activite", template.activites), ("public", template.publics),
                                      ("specialisation", template.specialisations),
                                      ("modalite_accueil", template.modalites)):
                system = coded.UNITE_ATTRIBUTE_SYSTEMS[coded.UniteAttribute(attribute)]
                codes.extend({"unite_id": unite_id, "attribute": attribute, "system": system, "code": v}
                             for v in values)
            if template.zone:
                neighbours = all_by_dep[commune.departement_code]  # one-commune territories exist overseas
                served = {commune.code, *rng.sample(neighbours, min(3, len(neighbours)))}
                zones.extend({"unite_id": unite_id, "type_code": "3", "code": c} for c in served)
    async with sessions() as session:
        conn = await session.connection()
        for model, rows in ((EntiteJuridique, ejs), (Etablissement, egs), (Unite, unites), (UniteCode, codes),
                            (ZoneIntervention, zones)):
            for start in range(0, len(rows), 5000):
                await conn.execute(insert(model.__table__), rows[start:start + 5000])  # type: ignore[attr-defined]
        await session.commit()
    elapsed = time.perf_counter() - started
    await engine.dispose()
    print(f"database: {len(egs):,} établissements, {len(unites):,} offers, {len(codes):,} codes, "
          f"{len(zones):,} zone rows in {elapsed:.1f} s")
    return communes, elapsed


# ------------------------------------------------------------------------------------- queries
def typical_queries(communes: list, count: int, seed: int) -> list[SearchParams]:
    """Text + département + champ d'activité filters + 3 facets + distance sort from a commune."""
    rng = random.Random(seed)
    queries = []
    for _ in range(count):
        commune = rng.choice(communes)
        text, champ = rng.choice(TEXTS)
        queries.append(validate(SearchParams(
            text=text, filters={"departement": [commune.departement_code], "champActivite": [champ]},
            facets=FACETS, near=(round(commune.latitude, 5), round(commune.longitude, 5)), sort="distance")))
    return queries


def api_request(params: SearchParams) -> dict:
    return {"q": params.text, "departement": params.filters["departement"][0],
            "champActivite": params.filters["champActivite"][0], "facets": ",".join(params.facets),
            "lat": str(params.near[0]), "lon": str(params.near[1])}


def meili_body(params: SearchParams) -> dict:
    return {"q": params.text, "filter": build_filter(params), "facets": [FACET_ATTRIBUTES[f] for f in params.facets],
            "sort": [f"_geoPoint({params.near[0]!r}, {params.near[1]!r}):asc"], "page": 1, "hitsPerPage": 15}


async def latencies(api: httpx.AsyncClient, meili: httpx.AsyncClient, queries: list[SearchParams]):
    """One client, requests interleaved API / direct so both see the same machine load."""
    api_ms, direct_ms, engine_ms = [], [], []
    for warm in queries[:30]:
        await api.get("/api/search", params=api_request(warm))
        await meili.post(f"/indexes/{INDEX}/search", json=meili_body(warm))
    for params in queries:
        t0 = time.perf_counter()
        response = await api.get("/api/search", params=api_request(params))
        api_ms.append((time.perf_counter() - t0) * 1000)
        response.raise_for_status()
        t0 = time.perf_counter()
        response = await meili.post(f"/indexes/{INDEX}/search", json=meili_body(params))
        direct_ms.append((time.perf_counter() - t0) * 1000)
        response.raise_for_status()
        engine_ms.append(float(response.json()["processingTimeMs"]))
    return api_ms, direct_ms, engine_ms


async def shadowed(url: str, meili: ManagedMeili, count: int, seed: int, *, fill: bool) -> None:
    """Put ``count`` documents of the index in the recent index and the shadow set, or empty both again."""
    engine = make_engine(url)
    async with meili_client(meili.url, meili.master_key, timeout=60) as client, session_factory(engine)() as session:
        await ensure_recent(client, INDEX)
        recent = client.index(recent_uid(INDEX))
        if fill:
            total = (await client.index(INDEX).get_stats()).number_of_documents
            offset = random.Random(seed).randrange(max(1, total - count))
            docs = (await client.index(INDEX).get_documents(offset=offset, limit=count)).results
            await client.wait_for_task((await recent.add_documents(docs)).task_uid, timeout_in_ms=None)
            await record_shadow(session, live=[int(d["id"]) for d in docs], removed=[], now=utcnow())
            await session.commit()
        else:
            await clear_shadow(session)
            await client.wait_for_task((await recent.delete_all_documents()).task_uid, timeout_in_ms=None)
    await engine.dispose()


async def throughput(send, queries: list[SearchParams], concurrency: int, seconds: float) -> float:
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker(offset: int) -> None:
        nonlocal done
        i = offset
        while time.perf_counter() < deadline:
            (await send(queries[i % len(queries)])).raise_for_status()
            done += 1
            i += concurrency

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return done / (time.perf_counter() - started)


async def write_visibility(url: str, api: httpx.AsyncClient, writes: int, offers: int, seed: int) -> list[float]:
    """Rename an offer through a ChangeSet, commit, then poll the API until the new name is found."""
    rng = random.Random(seed)
    engine = make_engine(url)
    sessions = session_factory(engine)
    delays = []
    actor = Actor(name="bench", role="support", source="cli")
    for _ in range(writes):
        token = "zq" + "".join(rng.choices(string.ascii_lowercase, k=8))
        async with sessions() as session:
            unite = await session.get(Unite, rng.randint(1, offers))
            cs = ChangeSet(session, actor, motif="bench")
            cs.set(unite, "unite", unite.identifiant, "nom", f"Offre {token}")
            cs.enqueue("unite", unite.id)
            await cs.flush()
            await session.commit()
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 30:
            body = (await api.get("/api/search", params={"q": token})).json()
            if body["total"]:
                break
            await asyncio.sleep(0.05)  # gentle polling: searches compete with indexing for the CPU
        delays.append(time.perf_counter() - t0)
        await asyncio.sleep(rng.uniform(0.1, 0.6))  # writes arrive at random moments of the worker's cycle
    await engine.dispose()
    return delays


# ------------------------------------------------------------------------------------------ run
def start_server(workdir: Path, url: str, meili: ManagedMeili) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "ROR_GRAPH_DATABASE_URL": url, "ROR_GRAPH_MEILI_URL": meili.url,
           "ROR_GRAPH_MEILI_KEY": meili.master_key, "ROR_GRAPH_MEILI_INDEX": INDEX, "ROR_GRAPH_DATA_DIR": str(workdir),
           "ROR_GRAPH_MEILI_MANAGED": "false"}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "ror_graph.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env=env, cwd=ROOT, stdout=(workdir / "server.log").open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise SystemExit(f"server did not start; see {workdir / 'server.log'}")


async def run(args: argparse.Namespace, workdir: Path) -> None:
    url = f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"
    communes, _ = await build_database(url, args.offers, args.seed)
    meili = ManagedMeili(workdir / "meili").start()
    server = None
    try:
        engine = make_engine(url)
        t0 = time.perf_counter()
        count = await reindex(session_factory(engine), meili_url=meili.url, meili_key=meili.master_key,
                              index_uid=INDEX, batch_size=5000)
        indexing = time.perf_counter() - t0
        await engine.dispose()
        print(f"indexing: {count:,} documents in {indexing:.1f} s ({count / indexing:,.0f} docs/s), "
              f"Meilisearch RSS {rss_mb(meili.process.pid):.0f} MB")

        server, base = start_server(workdir, url, meili)
        queries = typical_queries(communes, args.queries, args.seed)
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        async with (httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as api,
                    httpx.AsyncClient(base_url=meili.url, timeout=30, limits=limits,
                                      headers={"Authorization": f"Bearer {meili.master_key}", **NO_COMPRESSION})
                    as direct):
            sample = (await api.get("/api/search", params=api_request(queries[0]))).json()
            print(f"sample query {api_request(queries[0])} → {sample['total']} hits")
            hits = [(await api.get("/api/search", params=api_request(q))).json()["total"] for q in queries[:50]]
            api_ms, direct_ms, engine_ms = await latencies(api, direct, queries)
            api_rps = await throughput(lambda p: api.get("/api/search", params=api_request(p)), queries,
                                       args.concurrency, args.seconds)
            direct_rps = await throughput(lambda p: direct.post(f"/indexes/{INDEX}/search", json=meili_body(p)),
                                          queries, args.concurrency, args.seconds)
            layered = os.environ.get("ROR_GRAPH_SEARCH_RECENT_INDEX", "true").lower() not in ("false", "0")
            if layered and args.shadow:
                await shadowed(url, meili, args.shadow, args.seed, fill=True)
                shadow_ms, _, _ = await latencies(api, direct, queries)
                shadow_rps = await throughput(lambda p: api.get("/api/search", params=api_request(p)), queries,
                                              args.concurrency, args.seconds)
                await shadowed(url, meili, args.shadow, args.seed, fill=False)
            delays = await write_visibility(url, api, args.writes, count, args.seed)
        print(f"\ntypical query = text + département + champ d'activité + {len(FACETS)} facets + geo sort, "
              f"{len(queries)} queries, 1 client; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"{'':22}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{f'req/s ({args.concurrency} clients)':>22}")
        for name, values, rps in (("GET /api/search", api_ms, api_rps), ("Meilisearch direct", direct_ms, direct_rps)):
            print(f"{name:22}{statistics.median(values):9.1f}{percentile(values, 0.95):9.1f}{max(values):9.1f}"
                  f"{rps:22.0f}")
        if layered and args.shadow:
            print(f"{f'API, {args.shadow} shadowed':22}{statistics.median(shadow_ms):9.1f}"
                  f"{percentile(shadow_ms, 0.95):9.1f}{max(shadow_ms):9.1f}{shadow_rps:22.0f}"
                  "   ← base + recent index merged")
        print(f"{'(engine time)':22}{statistics.median(engine_ms):9.1f}{percentile(engine_ms, 0.95):9.1f}"
              f"{max(engine_ms):9.1f}   ← Meilisearch's own processingTimeMs of the direct calls")
        ratio = percentile(api_ms, 0.95) / percentile(direct_ms, 0.95)
        print(f"API p95 / direct p95 = {ratio:.2f} (target ≤ 1.5); API p95 target ≤ 50 ms; "
              f"mean hits per query {statistics.mean(hits):,.0f}")
        print(f"write → visible in search: p50 {statistics.median(delays):.2f} s, max {max(delays):.2f} s "
              f"over {len(delays)} writes (target ≤ 2 s)")
        print(f"RSS: Meilisearch {rss_mb(meili.process.pid):.0f} MB, API server {rss_mb(server.pid):.0f} MB")
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        meili.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=200_000, help="Number of offers to index.")
    parser.add_argument("--queries", type=int, default=400, help="Queries for the latency measure.")
    parser.add_argument("--concurrency", type=int, default=8, help="Concurrent clients for requests/s.")
    parser.add_argument("--seconds", type=float, default=10.0, help="Duration of each throughput run.")
    parser.add_argument("--writes", type=int, default=10, help="Writes timed until visible in search.")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--shadow", type=int, default=2000,
                        help="offers in the recent layer for the merged-search line (0: no such line)")
    parser.add_argument("--workdir", type=Path, help="Keep files here (default: a temporary directory).")
    args = parser.parse_args()
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        asyncio.run(run(args, args.workdir))
    else:
        with tempfile.TemporaryDirectory(prefix="ror-bench-search-") as tmp:
            asyncio.run(run(args, Path(tmp)))


if __name__ == "__main__":
    main()
