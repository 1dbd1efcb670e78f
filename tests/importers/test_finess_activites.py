"""FINESS+ "FINESS Activités" import: the real example fills CapaciteFiness, FINESS-owned and idempotent.

The Structures sample and the Activités example are independent extracts: only some of their EGs
overlap. The fixture imports the Structures sample, then inserts the Activités file's other EGs from
its own numbers — all but one, kept unknown to check the rejection. Expected rows are derived here
from the JSON with the documented mapping (see ``ror_graph/services/finess/parsers/activites.py``).
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select
from typer.testing import CliRunner

from ror_graph.cli import app
from ror_graph.db import session_factory
from ror_graph.models import AuditLog, CapaciteFiness, EntiteJuridique, Etablissement, Event, ImportRun
from ror_graph.services.accounts.principal import Principal
from ror_graph.services.core.errors import BadInputError
from ror_graph.services.core.write import parse
from ror_graph.services.finess.importer import import_finess
from ror_graph.services.finess.parsers import check_format
from ror_graph.services.unite.inputs import UniteCreate
from ror_graph.services.unite.lieux import LieuInput
from ror_graph.services.unite.write import create_unite
from ror_graph.settings import get_settings
from tests.write.conftest import _account, cap

AGED_NATURES = {"ASMR", "AMSR", "ASOCR"}


@pytest.fixture(scope="session")
def activites_example(finess_dir: Path) -> Path:
    return finess_dir / "finess-plus" / "exemple-finess-activites-journalier-20260401.json"


def expected_rows(ege: dict) -> Counter:
    """The CapaciteFiness rows (as tuples) the mapping gives for one ``ege`` of the JSON."""
    rows: Counter = Counter()
    for activity in ege["activitesExercees"]:
        generic, nature = activity["caracteristiquesGeneriques"], activity["nature"]
        if generic["etatObjet"] != "A":
            continue
        specific = nature["caracteristiquesSpecifiques"]
        # the typeActivite… object lists activité, mode/modalité, public/forme (AMM: mention) in that order
        triplet = tuple(next(v for k, v in specific.items() if k.startswith("typeActivite")).values())[:3]
        start = generic["dateDebutActiviteAutorisee"]
        for capacity in activity["capacite"]:
            statut = capacity["statutCapacite"]
            ages = (None, None)
            if nature["codeNature"] in AGED_NATURES:
                suffix = "Autorise" if statut == "09" else "Installe"
                ages = tuple(None if specific[f"age{b}{suffix}"] is None else int(specific[f"age{b}{suffix}"])
                             for b in ("Min", "Max"))
                ages = (None, None) if ages == (0, 0) else ages
            rows[(*triplet, statut, int(capacity["nombre"]), *ages,
                  date.fromisoformat(start) if start else None)] += 1
    return rows


@dataclass
class Loaded:
    document: dict
    known: dict[str, Counter]  # EG number → expected rows, for every EG of the file present in the database
    unknown: str  # the EG left out of the database
    unknown_where: str


async def count(session, model, *where) -> int:
    value = (await session.exec(select(func.count()).select_from(model).where(*where))).one()
    await session.commit()
    return value


async def stored(session) -> dict[str, Counter]:
    rows = (await session.exec(select(Etablissement.finess, CapaciteFiness).join(
        CapaciteFiness, CapaciteFiness.etablissement_id == Etablissement.id))).all()
    await session.commit()
    result: dict[str, Counter] = {}
    for finess, c in rows:
        result.setdefault(finess, Counter())[(c.discipline_code, c.activite_code, c.clientele_code, c.statut_code,
                                              c.nombre, c.age_min, c.age_max, c.date_autorisation)] += 1
    return result


@pytest.fixture
def sessions(engine):
    return session_factory(engine)


@pytest.fixture
async def loaded(sessions, session, finess_plus_sample, activites_example) -> Loaded:
    # Given the Structures sample imported, and the Activités file's other EGs inserted from its numbers
    await import_finess(sessions, finess_plus_sample)
    document = json.loads(activites_example.read_bytes())
    present = set(await session.exec(select(Etablissement.finess)))
    missing = [(i, j, p, e) for i, p in enumerate(document["pmej"], 1) for j, e in enumerate(p["ege"], 1)
               if e["numFinessEge"] not in present]
    # keep unknown the first missing EG that has active capacities (so its rows would be visible)
    i, j, _, ege = next(m for m in missing if expected_rows(m[3]))
    unknown, unknown_where = ege["numFinessEge"], f"pmej[{i}].ege[{j}]"
    ejs = {ej.finess: ej.id for ej in (await session.exec(select(EntiteJuridique))).all()}
    for _, _, pmej, ege in missing:
        if ege["numFinessEge"] == unknown:
            continue
        if pmej["numFiness"] not in ejs:
            ej = EntiteJuridique(finess=pmej["numFiness"], raison_sociale=f"EJ {pmej['numFiness']}")
            session.add(ej)
            await session.flush()
            ejs[ej.finess] = ej.id
        session.add(Etablissement(finess=ege["numFinessEge"], entite_juridique_id=ejs[pmej["numFiness"]],
                                  raison_sociale=f"EG {ege['numFinessEge']}", categorie_code="500",
                                  departement_code="01", region_code="84", commune_code="01053"))
    await session.commit()
    known = {e["numFinessEge"]: expected_rows(e) for p in document["pmej"] for e in p["ege"]
             if e["numFinessEge"] != unknown}
    return Loaded(document, known, unknown, unknown_where)


async def test_example_is_detected_as_finess_activites(activites_example, finess_plus_sample):
    with activites_example.open("rb") as stream:
        assert check_format(stream, "auto") == check_format(stream, "finess-activites") == "finess-activites"
    with finess_plus_sample.open("rb") as stream:
        assert check_format(stream, "auto") == "finess-plus"
        with pytest.raises(ValueError, match="ne ressemble pas"):
            check_format(stream, "finess-activites")


async def test_import_fills_capacites_and_rejects_unknown_eg(sessions, session, loaded, activites_example):
    audit_before, outbox_before = await count(session, AuditLog), await count(session, Event)
    # When the Activités example is imported
    report = await import_finess(sessions, activites_example)
    # Then every known EG holds exactly the rows the file states for it (active activities only)
    with_rows = {f for f, rows in loaded.known.items() if rows}
    assert await stored(session) == {f: loaded.known[f] for f in with_rows}
    assert sum(sum(r.values()) for r in loaded.known.values()) == await count(session, CapaciteFiness) > 100
    # and the report counts EGs: created (had no FINESS capacity), unchanged (file says none either)
    assert report.format == "finess-activites" and report.status == "done"
    counts = report.etablissement
    assert (counts.created, counts.updated, counts.unchanged) == (len(with_rows), 0, len(loaded.known) - len(with_rows))
    # and the unknown EG is rejected with its item path, nothing of it written
    assert [(r.finess, r.where) for r in report.rejected_lines] == [(loaded.unknown, loaded.unknown_where)]
    assert "inconnu" in report.rejected_lines[0].reason and counts.rejected == 1
    # and one audit row + one outbox row per changed EG, one import run
    audits = (await session.exec(select(AuditLog).where(AuditLog.field == "capacites_finess"))).all()
    assert sorted(a.entity_id for a in audits) == sorted(with_rows)
    assert all(a.old_value is None and a.new_value and a.actor == "finess-import" for a in audits)
    assert await count(session, AuditLog) - audit_before == len(with_rows)
    assert await count(session, Event) - outbox_before == len(with_rows)
    run = (await session.exec(select(ImportRun).where(ImportRun.format == "finess-activites"))).one()
    assert run.status == "done" and json.loads(run.report)["etablissement"]["created"] == len(with_rows)


async def test_second_import_writes_nothing(sessions, session, loaded, activites_example):
    # Given the example imported once
    await import_finess(sessions, activites_example)
    ids = set(await session.exec(select(CapaciteFiness.id)))
    audit, outbox = await count(session, AuditLog), await count(session, Event)
    # When imported again
    again = await import_finess(sessions, activites_example)
    # Then nothing is created or updated, and no row is rewritten, audited or enqueued
    assert (again.etablissement.created, again.etablissement.updated) == (0, 0)
    assert again.etablissement.unchanged == len(loaded.known)
    assert set(await session.exec(select(CapaciteFiness.id))) == ids
    assert (await count(session, AuditLog), await count(session, Event)) == (audit, outbox)


async def test_dry_run_reports_and_writes_nothing(sessions, session, loaded, activites_example):
    before = [await count(session, m) for m in (ImportRun, AuditLog, Event)]
    # When dry-running the example
    dry = await import_finess(sessions, activites_example, dry_run=True)
    # Then the report is the real one, but nothing is kept
    assert dry.status == "dry-run" and dry.etablissement.created == sum(bool(r) for r in loaded.known.values()) > 0
    assert await count(session, CapaciteFiness) == 0
    assert [await count(session, m) for m in (ImportRun, AuditLog, Event)] == before


async def test_changed_capacity_replaces_the_set(sessions, session, loaded, activites_example, tmp_path):
    # Given the example imported
    await import_finess(sessions, activites_example)
    # and a copy where one active authorised capacity of a known EG grows by 5
    document = loaded.document
    target, capacity = next(
        (e["numFinessEge"], c) for p in document["pmej"] for e in p["ege"] if e["numFinessEge"] != loaded.unknown
        for a in e["activitesExercees"] if a["caracteristiquesGeneriques"]["etatObjet"] == "A"
        for c in a["capacite"] if c["statutCapacite"] == "09")
    capacity["nombre"] = str(int(capacity["nombre"]) + 5)
    changed = tmp_path / "activites-modifie.json"
    changed.write_text(json.dumps(document, indent=2))
    expected = expected_rows(next(e for p in document["pmej"] for e in p["ege"] if e["numFinessEge"] == target))
    audit_before = await count(session, AuditLog)
    # When the copy is imported
    report = await import_finess(sessions, changed)
    # Then that EG's set is replaced, the others are unchanged, and one audit row says what changed
    assert (report.etablissement.created, report.etablissement.updated) == (0, 1)
    assert (await stored(session))[target] == expected != loaded.known[target]
    audit = (await session.exec(select(AuditLog).where(AuditLog.id > 0).order_by(AuditLog.id.desc()))).first()
    assert await count(session, AuditLog) == audit_before + 1
    assert (audit.entity, audit.entity_id, audit.field) == ("etablissement", target, "capacites_finess")
    assert audit.old_value != audit.new_value and f"={capacity['nombre']}" in audit.new_value


async def test_write_path_refuses_installed_capacity_above_imported_authorisation(
        sessions, session, loaded, activites_example):
    # Given the example imported, and an open EG whose FINESS authorised total is T
    await import_finess(sessions, activites_example)
    totals = {f: sum(n * k for (*_, statut, n, _a, _b, _d), k in rows.items() if statut == "09")
              for f, rows in loaded.known.items()}
    open_egs = set(await session.exec(select(Etablissement.finess).where(Etablissement.ferme == False)))  # noqa: E712
    finess, total = next((f, t) for f, t in sorted(totals.items()) if t > 0 and f in open_egs)
    eg = (await session.exec(select(Etablissement).where(Etablissement.finess == finess))).one()
    commune = eg.commune_code
    referent = await _account(session, "referent@example.fr", "referent", [("eg", finess)])
    await session.commit()

    def offer(installed: int) -> dict:
        return {"nom": "Hébergement", "type_offre_code": "28", "champ_activite_code": "04",
                "mode_prise_en_charge_code": "49", "temporalite_code": "02", "age_min": 60, "age_max": 120,
                "unite_sensible": False,
                "activites": ["003"],
                "lieux": [LieuInput(commune_code=commune, capacites=[cap("02", "01", installed)])]}

    # When a référent declares T + 1 installed places, then the write is refused
    with pytest.raises(BadInputError, match=rf"\({total + 1}\).*\({total}\)"):
        await create_unite(session, Principal.from_caller(referent), finess=finess,
                           data=parse(UniteCreate, offer(total + 1)))
    # but T places fit
    unite = await create_unite(session, Principal.from_caller(referent), finess=finess,
                               data=parse(UniteCreate, offer(total)))
    assert unite.id is not None


async def test_unmappable_capacity_rejects_its_eg_and_keeps_its_set(sessions, session, loaded, activites_example,
                                                                    tmp_path):
    # Given the example imported, and a copy where one capacity of a known EG has a status outside 08/09
    await import_finess(sessions, activites_example)
    document = loaded.document
    (i, j, target), capacity = next(
        ((i, j, e["numFinessEge"]), c) for i, p in enumerate(document["pmej"], 1)
        for j, e in enumerate(p["ege"], 1) if e["numFinessEge"] != loaded.unknown
        for a in e["activitesExercees"] if a["caracteristiquesGeneriques"]["etatObjet"] == "A"
        for c in a["capacite"])
    capacity["statutCapacite"], capacity["nombre"] = "07", "999"
    bad = tmp_path / "activites-statut.json"
    bad.write_text(json.dumps(document))
    # When it is imported
    report = await import_finess(sessions, bad)
    # Then that EG is rejected with its path and reason, its stored set untouched, the rest unchanged
    rejected = {r.finess: r for r in report.rejected_lines}
    assert rejected[target].where == f"pmej[{i}].ege[{j}]" and "statutCapacite '07'" in rejected[target].reason
    assert (await stored(session))[target] == loaded.known[target]
    assert (report.etablissement.created, report.etablissement.updated) == (0, 0)


async def test_cli_prints_the_capacity_report(database_url, monkeypatch, activites_example):
    # Given an empty directory (no EG imported yet), when the CLI imports the Activités example
    monkeypatch.setenv("ROR_GRAPH_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        result = await asyncio.to_thread(CliRunner().invoke, app, ["import-finess", str(activites_example)])
    finally:
        get_settings.cache_clear()
    # Then it prints one EG row for capacities, and each unknown EG with its item path
    assert result.exit_code == 0, result.output
    assert "finess-activites" in result.output and "capacités" in result.output and "84" in result.output
    assert "élément pmej[1].ege[1]" in result.output and "EG inconnu" in result.output
