"""Demo offers: plausible declared offers for real FINESS establishments, clearly marked as demo.

``generate_demo_offers`` walks every open établissement without offers in FINESS order and builds
offers from the category templates of ``demo_templates`` with a seeded ``random.Random``: the same
seed on the same establishments gives the same offers. Rows are written through ``ChangeSet`` (one
"created" audit row per offer, per-field audit of the EG's declared fields, outbox rows for offers
and establishments), one commit per ``CHUNK`` establishments so a large département stays fast
without one giant transaction.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import exists
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Etablissement, Nomenclature, Unite, utcnow
from ror_graph.models.coded import (
    CATEGORIE_EG,
    CHAMP,
    EQUIPEMENT,
    FONCTION_LIEU,
    HABITATION,
    MODE_PEC,
    NATURE_CAPACITE,
    TEMPORALITE,
    TYPE_OFFRE,
)
from ror_graph.services.core.changes import Actor, ChangeSet
from ror_graph.services.core.validation import check_codes, departement_of_commune
from ror_graph.services.demo.geo import load_geo
from ror_graph.services.demo.rows import MULTI_VALUED, DemoWriter
from ror_graph.services.demo.sites import every_template, templates_for_site
from ror_graph.services.demo.templates import OfferTemplate
from ror_graph.services.finess.importer import ImportReport, import_finess
from ror_graph.services.reference.loader import load_reference

DEMO_ACTOR = Actor(name="ror-graph demo", role="system", source="cli")
CHUNK = 25
#: Real FINESS subset (Maine-et-Loire, extraction 2021-01-08) shipped for the demo; see its README.
DEMO_FINESS_FILE = Path(__file__).resolve().parents[2] / "data" / "demo" / "finess-49.ndjson"
#: Real FINESS+ example structures (ANS, 2026-03-09): complete EJ → EG chains, so the demo has real
#: entités juridiques next to the placeholders of the 2021 extract (which carries EG only).
DEMO_FINESS_PLUS_FILE = DEMO_FINESS_FILE.with_name("finess-plus-structures-20260309.json")
DEMO_FILES = ((DEMO_FINESS_FILE, "fhir"), (DEMO_FINESS_PLUS_FILE, "finess-plus"))


@dataclass
class DemoReport:
    """What ``generate_demo_offers`` did."""

    etablissements: int = 0
    unites: int = 0
    sensibles: int = 0
    by_category: Counter = field(default_factory=Counter)  # FINESS category → offers generated
    category_labels: dict[str, str] = field(default_factory=dict)  # JDV_J55 code → label, for display
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (FINESS, reason)


def template_codes(templates: list[OfferTemplate]) -> dict[str, set[str]]:
    """Every code the templates use, by system: checked against the nomenclature before any write."""
    codes: dict[str, set[str]] = defaultdict(set)
    for t in templates:
        codes[CHAMP].add(t.champ)
        codes[MODE_PEC].add(t.mode)
        codes[FONCTION_LIEU].add(t.lieu_fonction)
        codes[EQUIPEMENT].update(t.equipements)
        for value, system in ((t.type_offre, TYPE_OFFRE), (t.temporalite, TEMPORALITE), (t.habitation, HABITATION)):
            if value:
                codes[system].add(value)
        if t.capacite:
            codes[NATURE_CAPACITE].add(t.capacite[0])
        for name, _attribute, system in MULTI_VALUED:
            codes[system].update(getattr(t, name))
    return dict(codes)


async def _categories(session: AsyncSession) -> dict[str, tuple[str, str]]:
    """JDV_J55 category → (label, BI domain: Sanitaire, Medico-social...); the domain picks the generic template."""
    rows = await session.exec(
        select(Nomenclature.code, Nomenclature.label, Nomenclature.extra).where(Nomenclature.system == CATEGORIE_EG)
    )
    return {code: (label, json.loads(extra or "{}").get("ror_domaine_bi", "")) for code, label, extra in rows}


def _departement(departement: str | None, commune: str | None, finess: str) -> str:
    """An EG's département: FINESS's, else its commune's, else its FINESS prefix."""
    if departement:
        return departement
    return departement_of_commune(commune) if commune else finess[:2]


def _draw(rng: random.Random, templates: tuple[OfferTemplate, ...], used_once: set[str]) -> list[OfferTemplate]:
    """The templates this EG gets: one draw per template, in order, whatever the outcome."""
    chosen = []
    for template in templates:
        draw = rng.random()
        if draw < template.probability and not (template.once and template.key in used_once):
            chosen.append(template)
            if template.once:
                used_once.add(template.key)
    return chosen


async def generate_demo_offers(session: AsyncSession, *, seed: int = 49, now: datetime | None = None) -> DemoReport:
    """Generate demo offers for every open établissement that has none yet; commits per chunk.

    Idempotent: establishments that already have an offer (demo or real) are left alone. Raises
    ``InvalidCodeError`` before writing anything if a template uses a code that is not writable.
    """
    now = now or utcnow()
    for system, codes in sorted(template_codes(every_template()).items()):
        await check_codes(session, system, codes, field=f"demo template ({system})")
    has_unit = exists().where(col(Unite.etablissement_id) == Etablissement.id)
    eligible = (~has_unit, col(Etablissement.ferme).is_(False), col(Etablissement.date_fermeture).is_(None))
    rows = (await session.exec(
        select(Etablissement.id, Etablissement.departement_code, Etablissement.commune_code, Etablissement.finess)
        .where(*eligible).order_by(col(Etablissement.finess))
    )).all()
    report = DemoReport()
    if not rows:
        return report
    departements = {_departement(d, c, f) for _id, d, c, f in rows}
    geo = await load_geo(session, departements)
    categories = await _categories(session)
    report.category_labels = {code: label for code, (label, _domain) in categories.items()}
    rng = random.Random(seed)
    used_once: set[str] = set()
    ids = [row[0] for row in rows]
    for start in range(0, len(ids), CHUNK):
        # Re-read each chunk after the previous commit: works whatever the session's expire_on_commit.
        chunk = await session.exec(
            select(Etablissement).where(col(Etablissement.id).in_(ids[start:start + CHUNK]))
            .order_by(col(Etablissement.finess))
        )
        cs = ChangeSet(session, DEMO_ACTOR, motif="Données de démonstration", now=now)
        writer = DemoWriter(session, cs, rng, now)
        for eg in chunk.all():
            commune = geo.commune_of(eg)
            region = eg.region_code or geo.region_of(commune)
            if commune is None or region is None:
                report.skipped.append((eg.finess, "no COG commune found for its address"))
                continue
            domain = categories.get(eg.categorie_code or "", ("", ""))[1]
            templates = _draw(rng, templates_for_site(eg.categorie_code, domain, eg.raison_sociale), used_once)
            zone_pool = geo.by_departement.get(commune.departement_code, [])
            units = await writer.write_etablissement(eg, commune, region, templates, zone_pool)
            report.etablissements += 1
            report.unites += len(units)
            report.sensibles += sum(u.unite_sensible for u in units)
            report.by_category[eg.categorie_code or "?"] += len(units)
        await cs.flush()
        await session.commit()
    return report


async def load_demo(
    sessions: async_sessionmaker[AsyncSession], *, files: tuple[tuple[Path, str], ...] = DEMO_FILES, seed: int = 49,
    now: datetime | None = None,
) -> tuple[list[ImportReport], DemoReport]:
    """What ``ror-graph demo`` does: reference data if missing, the FINESS files, then demo offers.

    Every step is idempotent, so running it again imports nothing new and generates nothing.
    """
    async with sessions() as session:
        if not (await session.exec(select(func.count()).select_from(Nomenclature))).one():
            await load_reference(session)
    imported = [await import_finess(sessions, path, fmt=fmt, now=now) for path, fmt in files]
    async with sessions() as session:
        generated = await generate_demo_offers(session, seed=seed, now=now)
    return imported, generated
