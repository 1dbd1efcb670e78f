"""Demo generator: every offer is complete and uses writable codes; same seed, same offers; idempotent.

Establishments come from the shipped FINESS subset (``ror_graph/data/demo/finess-49.ndjson``), inserted
directly (no INSEE commune code, as in the FHIR extract) so the generator is tested on its own.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import exists
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import SQLModel, col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from typer.testing import CliRunner

from ror_graph.cli import app
from ror_graph.models import (
    AuditLog,
    Capacite,
    Commune,
    Contact,
    EntiteJuridique,
    Equipement,
    Etablissement,
    Event,
    Habitation,
    Horaire,
    ImportRun,
    Lieu,
    Nomenclature,
    Telecom,
    Unite,
    UniteCode,
    UniteLieu,
    ZoneIntervention,
)
from ror_graph.models.coded import CODED_COLUMNS
from ror_graph.services.core.validation import check_age_range, email_ok, phone_ok
from ror_graph.services.demo.generator import CHUNK, DEMO_ACTOR, generate_demo_offers, template_codes
from ror_graph.services.demo.geo import neighbour_communes
from ror_graph.services.demo.rows import MAIL_DOMAIN, nom_operationnel, offer_identifiant
from ror_graph.services.demo.sites import every_template
from ror_graph.settings import get_settings

SUBSET = Path(__file__).resolve().parent.parent / "ror_graph/data/demo/finess-49.ndjson"
# EHPAD, SSIAD, CH, CHU, CHS (psychiatry), CMP, IME, ESAT, MAS, SESSAD, HAD, SMR, EAM (no template → generic)
CATEGORIES = ["500", "354", "355", "101", "292", "156", "183", "246", "255", "182", "127", "109"]
REFERENCE_TABLES = {"nomenclature", "region", "departement", "commune"}


def subset_organizations() -> list[dict]:
    """The shipped Organizations with their position, in file (FINESS) order."""
    orgs, positions = [], {}
    for line in SUBSET.read_text(encoding="utf-8").splitlines():
        resource = json.loads(line)
        if resource["resourceType"] == "Location":
            positions[resource["managingOrganization"]["reference"].split("/", 1)[1]] = resource["position"]
        else:
            orgs.append(resource)
    for org in orgs:
        org["_position"] = positions.get(org["id"])
    return orgs


def _category(org: dict) -> str:
    return next(c["code"] for t in org["type"] for c in t["coding"] if c["system"].endswith("CAT_ETAB"))


async def seed_etablissements(session, per_category: int = 2, extra: list[dict] | None = None) -> list[Etablissement]:
    """Insert the first ``per_category`` EGs of each of ``CATEGORIES`` from the subset (FINESS fields only)."""
    taken: dict[str, int] = {}
    egs = []
    for org in subset_organizations():
        category = _category(org)
        if category not in CATEGORIES or taken.get(category, 0) >= per_category:
            continue
        taken[category] = taken.get(category, 0) + 1
        ej_finess, eg_finess = org["id"].split("-")[:2]
        ej = (await session.exec(select(EntiteJuridique).where(EntiteJuridique.finess == ej_finess))).first()
        if ej is None:
            ej = EntiteJuridique(finess=ej_finess, raison_sociale=f"EJ {ej_finess}")
            session.add(ej)
            await session.flush()
        address = org["address"][0]
        egs.append(Etablissement(
            finess=eg_finess, entite_juridique_id=ej.id, raison_sociale=org["name"], categorie_code=category,
            libelle_voie=address["line"][0], code_postal=address["postalCode"], libelle_acheminement=address["city"],
            departement_code="49", region_code="52",
            latitude=(org["_position"] or {}).get("latitude"), longitude=(org["_position"] or {}).get("longitude"),
        ))
    for row in extra or []:
        egs.append(Etablissement(entite_juridique_id=egs[0].entite_juridique_id, departement_code="49", **row))
    session.add_all(egs)
    await session.commit()
    return egs


async def snapshot(session) -> list[tuple]:
    """Everything generated, without database ids or timestamps, ordered: compares two runs."""

    async def grouped(model, key: str, row) -> dict:
        out: dict = {}
        for obj in await session.exec(select(model)):
            out.setdefault(getattr(obj, key), []).append(row(obj))
        return {k: sorted(v) for k, v in out.items()}

    codes = await grouped(UniteCode, "unite_id", lambda c: (c.attribute, c.code))
    horaires = await grouped(Horaire, "unite_id", lambda h: (h.jour, str(h.heure_debut), str(h.heure_fin)))
    zones = await grouped(ZoneIntervention, "unite_id", lambda z: z.code)
    caps = await grouped(Capacite, "lieu_id", lambda c: (c.nature_code, c.statut_code, c.nombre))
    equip = await grouped(Equipement, "lieu_id", lambda e: (e.type_code, e.nombre_en_service))
    telecoms = await grouped(Telecom, "contact_id", lambda t: (t.canal_code, t.valeur, t.confidentialite))
    lieux = {link.unite_id: await session.get(Lieu, link.lieu_id) for link in await session.exec(select(UniteLieu))}
    contacts = await grouped(Contact, "unite_id", lambda c: (c.nature_code, c.confidentialite,
                                                            telecoms.get(c.id, [])))
    out = []
    for u in await session.exec(select(Unite).order_by(Unite.identifiant)):
        lieu = lieux[u.id]
        out.append((u.identifiant, u.nom, u.type_offre_code, u.champ_activite_code, u.mode_prise_en_charge_code,
                    u.temporalite_code, u.age_min, u.age_max, u.unite_sensible, codes.get(u.id), horaires.get(u.id),
                    zones.get(u.id), (lieu.fonction_code, lieu.commune_code, lieu.latitude, caps.get(lieu.id),
                                      equip.get(lieu.id)), contacts.get(u.id)))
    return out


async def wipe(session) -> None:
    """Delete every non-reference row: the next run starts from an empty database again."""
    conn = await session.connection()
    for table in reversed(SQLModel.metadata.sorted_tables):
        if table.name not in REFERENCE_TABLES:
            await conn.execute(table.delete())
    await session.commit()


async def count(session, model, *where) -> int:
    return (await session.exec(select(func.count()).select_from(model).where(*where))).one()


async def writable_codes(session) -> set[tuple[str, str]]:
    rows = await session.exec(select(Nomenclature.system, Nomenclature.code).where(col(Nomenclature.writable)))
    return set(rows)


# --- Templates ----------------------------------------------------------------------------------


async def test_every_template_code_is_writable_in_its_system(session):
    # given every code the templates can produce
    used = template_codes(every_template())
    writable = await writable_codes(session)
    # then each one is active and in the ROR value set of its system
    missing = sorted((system, code) for system, codes in used.items() for code in codes
                     if (system, code) not in writable)
    assert missing == []
    assert sum(len(c) for c in used.values()) > 150


# --- Generated offers ---------------------------------------------------------------------------


async def test_every_generated_offer_satisfies_the_model(session):
    # given real EGs of a dozen categories
    egs = await seed_etablissements(session)
    # when the demo offers are generated
    report = await generate_demo_offers(session, seed=49)
    # then every EG got offers and each offer has the required fields
    assert report.etablissements == len(egs) and report.skipped == []
    units = list(await session.exec(select(Unite)))
    assert len(units) == report.unites >= len(egs)
    for u in units:
        assert u.champ_activite_code and u.mode_prise_en_charge_code
        check_age_range(u.age_min, u.age_max)
        assert u.unite_sensible is not None
        assert re.fullmatch(r"\d{2,3}/\d+", u.identifiant)
        assert u.demo is True and u.nom.endswith("(démo)") and "démonstration" in u.commentaire
        activites = await count(session, UniteCode, UniteCode.unite_id == u.id, UniteCode.attribute == "activite")
        assert activites >= 1
        assert await count(session, UniteLieu, UniteLieu.unite_id == u.id) == 1
    # and one offer per category at least, by the expected template
    assert set(report.by_category) == set(CATEGORIES)
    names = {u.nom.split(" — ")[0] for u in units}
    assert {"Hébergement permanent", "Soins infirmiers à domicile", "Urgences", "Semi-internat IME",
            "Maison d'accueil spécialisée", "Centre médico-psychologique adultes"} <= names


async def test_every_written_code_is_writable(session):
    await seed_etablissements(session, per_category=1)
    await generate_demo_offers(session)
    writable = await writable_codes(session)
    written = {(c.system, c.code) for c in await session.exec(select(UniteCode))}
    models = {"unite": Unite, "lieu": Lieu, "capacite": Capacite, "equipement": Equipement,
              "habitation": Habitation, "contact": Contact, "telecom": Telecom}
    for (table, column), system in CODED_COLUMNS.items():
        if table in models and column != "confidentialite":
            values = await session.exec(select(getattr(models[table], column)).distinct())
            written |= {(system, v) for v in values if v is not None}
    assert written - writable == set()
    assert len(written) > 40


async def test_ehpad_offers_follow_the_ror_example(session):
    await seed_etablissements(session, per_category=3)
    await generate_demo_offers(session)
    hp = (await session.exec(select(Unite).where(col(Unite.nom).startswith("Hébergement permanent")))).all()
    assert len(hp) == 3
    for u in hp:
        assert (u.type_offre_code, u.champ_activite_code, u.mode_prise_en_charge_code, u.temporalite_code,
                u.age_min, u.age_max) == ("21", "04", "46", "02", 60, 120)
        publics = {c.code for c in await session.exec(select(UniteCode).where(
            UniteCode.unite_id == u.id, UniteCode.attribute == "public"))}
        assert publics == {"01"}
        # 24/24 hébergement: no opening hours; installed places > 0 on an "Hébergement MS" lieu
        assert await count(session, Horaire, Horaire.unite_id == u.id) == 0
        lieu = (await session.exec(select(Lieu).join(UniteLieu).where(UniteLieu.unite_id == u.id))).one()
        assert lieu.fonction_code == "003" and lieu.commune_code.startswith("49")
        installed = (await session.exec(select(Capacite).where(
            Capacite.lieu_id == lieu.id, Capacite.statut_code == "01"))).one()
        assert installed.nature_code == "02" and installed.nombre > 0


async def test_ssiad_zone_is_its_commune_and_neighbours(session):
    await seed_etablissements(session, per_category=3)
    await generate_demo_offers(session)
    ssiad = (await session.exec(select(Unite).where(Unite.type_offre_code == "28"))).all()
    assert len(ssiad) == 3
    for u in ssiad:
        zone = [z.code for z in await session.exec(select(ZoneIntervention).where(
            ZoneIntervention.unite_id == u.id))]
        assert len(zone) >= 2 and len(set(zone)) == len(zone)
        existing = (await session.exec(select(Commune).where(col(Commune.code).in_(zone)))).all()
        assert len(existing) == len(zone) and {c.departement_code for c in existing} == {"49"}
        lieu = (await session.exec(select(Lieu).join(UniteLieu).where(UniteLieu.unite_id == u.id))).one()
        assert lieu.commune_code in zone
        assert {(h.heure_debut.hour, h.heure_fin.hour) for h in await session.exec(
            select(Horaire).where(Horaire.unite_id == u.id))} == {(8, 19)}


async def test_contacts_have_three_levels_and_fake_values(session):
    await seed_etablissements(session, per_category=1)
    await generate_demo_offers(session)
    units = (await session.exec(select(Unite))).all()
    alerts = 0
    for u in units:
        levels = {c.confidentialite: c for c in await session.exec(select(Contact).where(Contact.unite_id == u.id))}
        assert {1, 2} <= set(levels)
        alerts += 3 in levels
    assert 0 < alerts < len(units)  # sometimes a level-3 alert line
    for t in await session.exec(select(Telecom)):
        if t.canal_code in {"2", "8"}:
            assert phone_ok(t.valeur) and t.valeur[:8] in {"02 61 91"}
        else:
            assert email_ok(t.valeur) and t.valeur.endswith("@" + MAIL_DOMAIN)
    # the EG got its declared fields and a level-3 alert contact
    eg = (await session.exec(select(Etablissement).where(Etablissement.categorie_code == "500"))).first()
    assert eg.nom_operationnel and eg.nom_operationnel != eg.raison_sociale
    alert = (await session.exec(select(Contact).where(Contact.etablissement_id == eg.id))).one()
    assert (alert.nature_code, alert.confidentialite) == ("13", 3)


async def test_sensitive_units_exist_but_only_once_per_template(session):
    await seed_etablissements(session, per_category=3)
    report = await generate_demo_offers(session)
    sensitive = (await session.exec(select(Unite).where(col(Unite.unite_sensible)))).all()
    assert report.sensibles == len(sensitive) == 2  # one UHSA (CHS), one prison health unit (CHU)
    assert sorted(u.type_offre_code for u in sensitive) == ["17", "69"]


async def test_hospital_units_carry_equipment(session):
    await seed_etablissements(session, per_category=1)
    await generate_demo_offers(session)
    urgences = (await session.exec(select(Unite).where(Unite.type_offre_code == "20"))).all()
    assert urgences
    for u in urgences:
        lieu = (await session.exec(select(Lieu).join(UniteLieu).where(UniteLieu.unite_id == u.id))).one()
        assert {e.type_code for e in await session.exec(select(Equipement).where(Equipement.lieu_id == lieu.id))} \
            == {"064", "207"}


# --- Determinism, idempotence, bookkeeping ------------------------------------------------------


async def test_same_seed_same_offers_on_a_fresh_database(session):
    # given a first run on fresh data
    await seed_etablissements(session)
    await generate_demo_offers(session, seed=7)
    first = await snapshot(session)
    # when everything is wiped and the same EGs run again with the same seed
    await wipe(session)
    await seed_etablissements(session)
    await generate_demo_offers(session, seed=7)
    # then the output is identical
    assert await snapshot(session) == first
    # and another seed gives other offers (the comparison above can fail)
    await wipe(session)
    await seed_etablissements(session)
    await generate_demo_offers(session, seed=8)
    assert await snapshot(session) != first


async def test_works_with_sessions_that_expire_on_commit(engine):
    # given a plain sessionmaker (expire_on_commit=True) and more EGs than one commit chunk
    sessions = async_sessionmaker(engine, class_=AsyncSession)
    async with sessions() as session:
        egs = await seed_etablissements(session, per_category=3)
        assert len(egs) > CHUNK
        # when the generator commits chunk after chunk
        report = await generate_demo_offers(session)
    # then every EG was handled
    assert report.etablissements == len(egs) and report.skipped == []


async def test_second_run_adds_nothing(session):
    await seed_etablissements(session)
    first = await generate_demo_offers(session)
    counts = [await count(session, m) for m in (Unite, UniteCode, Lieu, Contact, Telecom, AuditLog, Event)]
    second = await generate_demo_offers(session)
    assert first.unites > 0 and second.unites == second.etablissements == 0
    assert [await count(session, m) for m in (Unite, UniteCode, Lieu, Contact, Telecom, AuditLog, Event)] \
        == counts


async def test_audit_and_outbox_rows_are_written(session):
    egs = await seed_etablissements(session, per_category=1)
    await generate_demo_offers(session)
    units = (await session.exec(select(Unite))).all()
    created = (await session.exec(select(AuditLog).where(AuditLog.field == "created"))).all()
    assert sorted(a.entity_id for a in created) == sorted(u.identifiant for u in units)
    assert {(a.entity, a.actor, a.role, a.source) for a in created} == {
        ("unite", DEMO_ACTOR.name, "system", "cli")}
    # EG declared fields are audited field by field
    nom_changes = (await session.exec(select(AuditLog).where(AuditLog.field == "nom_operationnel"))).all()
    assert sorted(a.entity_id for a in nom_changes) == sorted(eg.finess for eg in egs)
    outbox = set(await session.exec(select(Event.entity, Event.entity_id)))
    assert {("unite", u.id) for u in units} | {("etablissement", eg.id) for eg in egs} == outbox


async def test_closed_ineligible_and_unplaceable_egs_are_left_alone(session):
    egs = await seed_etablissements(session, per_category=1, extra=[
        {"finess": "490999996", "raison_sociale": "NOWHERE", "categorie_code": "500", "code_postal": "00000"},
        {"finess": "490999988", "raison_sociale": "FERME", "categorie_code": "500", "code_postal": "49100",
         "ferme": True},
    ])
    # an EG with a real (non-demo) offer already
    real = Unite(etablissement_id=egs[0].id, nom="Offre réelle", champ_activite_code="04",
                 mode_prise_en_charge_code="46", age_min=60, age_max=120)
    session.add(real)
    await session.commit()
    report = await generate_demo_offers(session)
    assert report.skipped == [("490999996", "no COG commune found for its address")]
    assert await count(session, Unite, Unite.etablissement_id == egs[0].id) == 1
    closed = (await session.exec(select(Etablissement).where(Etablissement.finess == "490999988"))).one()
    assert await count(session, Unite, Unite.etablissement_id == closed.id) == 0
    assert report.etablissements == len(egs) - 3


async def test_a_category_without_template_gets_a_generic_offer_of_its_domain(session):
    await seed_etablissements(session, per_category=1, extra=[
        {"finess": "490999970", "raison_sociale": "ETABLISSEMENT EXPERIMENTAL", "categorie_code": "379",
         "code_postal": "49100", "libelle_acheminement": "ANGERS"},
    ])
    await generate_demo_offers(session)
    eg = (await session.exec(select(Etablissement).where(Etablissement.finess == "490999970"))).one()
    unit = (await session.exec(select(Unite).where(Unite.etablissement_id == eg.id))).one()
    assert (unit.champ_activite_code, unit.mode_prise_en_charge_code) == ("04", "54")  # J55 379 is médico-social
    lieu = (await session.exec(select(Lieu).join(UniteLieu).where(UniteLieu.unite_id == unit.id))).one()
    assert lieu.commune_code == "49007"  # Angers, found from postal code + city


# --- Pure helpers -------------------------------------------------------------------------------


def test_neighbours_rank_by_distance_then_postal_code():
    origin = Commune(code="49007", nom="Angers", departement_code="49", codes_postaux="49000 49100",
                     latitude=47.47, longitude=-0.55)
    near = Commune(code="49246", nom="Near", departement_code="49", codes_postaux="49800", latitude=47.48,
                   longitude=-0.50)
    far = Commune(code="49328", nom="Far", departement_code="49", codes_postaux="49400", latitude=47.26,
                  longitude=-0.08)
    postal = Commune(code="49015", nom="Postal", departement_code="49", codes_postaux="49000")
    other = Commune(code="49010", nom="Other", departement_code="49", codes_postaux="49420")
    pool = [other, postal, far, near, origin]
    assert neighbour_communes(origin, pool, 3) == ["49007", "49246", "49328", "49015"]
    assert neighbour_communes(origin, pool, 10) == ["49007", "49246", "49328", "49015", "49010"]


@pytest.mark.parametrize(("raw", "pretty"), [
    ("EHPAD LES GLYCINES", "EHPAD les Glycines"),
    ("CH DE CHOLET", "CH de Cholet"),
    ("SSIAD DU SAUMUROIS", "SSIAD du Saumurois"),
    ("RESIDENCE L'ARCEAU", "Residence l'Arceau"),
])
def test_nom_operationnel_reads_well(raw, pretty):
    assert nom_operationnel(raw) == pretty


def test_offer_identifiant_is_region_slash_digits():
    assert offer_identifiant("52", "490000015", 3) == "52/49000001503"
    assert offer_identifiant("94", "2A0000123", 1) == "94/20000012301"


# --- The real command path on the shipped subset ------------------------------------------------


async def test_demo_command_loads_the_subset_and_is_idempotent(database_url, session, monkeypatch):
    # given the CLI pointed at the test database (schema and reference data already there)
    monkeypatch.setenv("ROR_GRAPH_DATABASE_URL", database_url)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        # when `ror-graph demo` runs (in a worker thread: the command runs its own event loop)
        first = await asyncio.to_thread(runner.invoke, app, ["demo", "--no-migrate"])
        assert first.exit_code == 0, first.output
        counts = [await count(session, m) for m in (Etablissement, Unite, AuditLog, Event)]
        # and runs a second time
        second = await asyncio.to_thread(runner.invoke, app, ["demo", "--no-migrate"])
        assert second.exit_code == 0, second.output
    finally:
        get_settings.cache_clear()
    # then the FINESS subset (335 EG) and the FINESS+ examples (27 EG) are imported and every open
    # establishment got demo offers
    organizations = subset_organizations()
    assert counts[0] == len(organizations) + 27 == 362
    said_first, said_second = " ".join(first.output.split()), " ".join(second.output.split())  # rich wraps lines
    assert "finess-49.ndjson: 335 EG created" in said_first and "0 rejected" in said_first
    assert "finess-plus-structures-20260309.json: 27 EG created" in said_first
    assert "0 establishments skipped" in said_first
    assert "0 EG created" in said_second and "0 offers for 0 establishments" in said_second
    without_offer = (await session.exec(select(Etablissement.finess).where(
        ~exists().where(Unite.etablissement_id == Etablissement.id), Etablissement.ferme == False))).all()  # noqa: E712
    assert without_offer == []
    # every EHPAD of the subset has its permanent hébergement; two sensitive units in the whole demo
    ehpad = [o for o in organizations if _category(o) == "500"]
    hp = await count(session, Unite, Unite.type_offre_code == "21", Unite.temporalite_code == "02",
                     Unite.mode_prise_en_charge_code == "46", col(Unite.etablissement_id).in_(
                         select(Etablissement.id).where(col(Etablissement.finess).startswith("49"))))
    assert hp == len(ehpad) == 129
    assert await count(session, Unite, col(Unite.unite_sensible)) == 2
    assert await count(session, Unite, col(Unite.demo).is_(False)) == 0
    # the second run changed nothing
    assert [await count(session, m) for m in (Etablissement, Unite, AuditLog, Event)] == counts
    assert await count(session, ImportRun) == 4


def test_shipped_subset_is_the_selection_rule_applied_to_the_shared_extract(shared_dir):
    # given the build script's selection rule and the shared FINESS FHIR extract
    script = SUBSET.parents[3] / "scripts" / "build_demo_finess.py"
    spec = importlib.util.spec_from_file_location("build_demo_finess", script)
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    with (shared_dir / build.SOURCE).open("rb") as handle:
        lines = [raw.decode("utf-8") for raw in handle]
    # when the rule is applied
    selected, per_category = build.select_lines(lines, build.perimeter_categories())
    # then it gives the shipped file byte for byte: all EHPAD/SSIAD/hospitals, no pharmacy nor laboratory
    assert "".join(selected).encode("utf-8") == SUBSET.read_bytes()
    assert per_category["500"] == 129 and per_category["354"] == 19 and per_category["355"] == 10
    assert "620" not in per_category and "611" not in per_category
