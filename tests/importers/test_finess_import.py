"""FINESS import against a real database: each real sample, idempotence, dry run, bad input."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func
from sqlmodel import select

from ror_graph.db import session_factory
from ror_graph.models import (
    AuditLog,
    EntiteJuridique,
    Etablissement,
    Event,
    ImportRun,
    Nomenclature,
)
from ror_graph.models.coded import CATEGORIE_EG
from ror_graph.services.core.errors import BadInputError
from ror_graph.services.finess.importer import import_finess


async def count(session, model) -> int:
    return (await session.exec(select(func.count()).select_from(model))).one()


async def row_counts(session) -> dict[str, int]:
    return {m.__name__: await count(session, m)
            for m in (EntiteJuridique, Etablissement, AuditLog, Event, ImportRun)}


@pytest.fixture
def sessions(engine):
    return session_factory(engine)


async def test_finess_plus_sample(sessions, session, finess_plus_sample):
    # Given the FINESS+ sample, when imported, then every pmej is an EJ and every ege an EG; those whose
    # category is outside the ROR value set (JDV_J55) are imported too and counted "hors périmètre".
    document = json.loads(finess_plus_sample.read_text())
    eges = [e for p in document["pmej"] for e in p["ege"]]
    known = set(await session.exec(select(Nomenclature.code).where(Nomenclature.system == CATEGORIE_EG)))
    outside = {e["informationsGeneralesEGE"]["numFinessEge"] for e in eges
               if e["categorieentiteGeographiqueExercice"] not in known}

    report = await import_finess(sessions, finess_plus_sample)

    assert report.format == "finess-plus" and report.status == "done"
    assert await count(session, EntiteJuridique) == report.entite_juridique.created == len(document["pmej"])
    assert await count(session, Etablissement) == report.etablissement.created == len(eges) == 27
    assert report.rejected_lines == [] and report.etablissement.hors_perimetre == len(outside) > 0
    # Inactive ones are closed (never deleted), with date and TRE_R286 type.
    inactive = {e["informationsGeneralesEGE"]["numFinessEge"] for e in eges if e["etatObjet"] == "I"}
    closed = (await session.exec(select(Etablissement).where(Etablissement.ferme == True))).all()  # noqa: E712
    assert {eg.finess for eg in closed} == inactive
    assert all(eg.date_fermeture and eg.type_fermeture_code == "DEF" for eg in closed)
    assert report.etablissement.closed == len(inactive)
    closed_ej = (await session.exec(select(EntiteJuridique).where(EntiteJuridique.date_fermeture != None))).all()  # noqa: E711
    assert len(closed_ej) == sum(p["etatObjet"] == "I" for p in document["pmej"]) == report.entite_juridique.closed
    # FINESS-owned contact columns and geography are filled; declared fields are not touched.
    convert = (await session.exec(select(Etablissement).where(Etablissement.finess == "010780195"))).one()
    assert (convert.telephone, convert.commune_code, convert.departement_code, convert.region_code) == (
        "0428631234", "01053", "01", "84")
    assert convert.nom_operationnel is None and convert.statut_description == "a_completer"
    wallis = (await session.exec(select(Etablissement).where(Etablissement.finess == "980600027"))).one()
    assert (wallis.departement_code, wallis.region_code) == ("986", "986")
    # One "created" audit row and one "create" event per entity, one import run with the report.
    assert await count(session, AuditLog) == report.entite_juridique.created + report.etablissement.created
    events = (await session.exec(select(Event.entity, Event.op))).all()
    assert sorted(set(events)) == [("entite_juridique", "create"), ("etablissement", "create")]
    assert [e for e, _ in events].count("etablissement") == report.etablissement.created
    assert len(events) == report.entite_juridique.created + report.etablissement.created
    run = (await session.exec(select(ImportRun))).one()
    assert run.status == "done" and json.loads(run.report)["etablissement"]["created"] == report.etablissement.created


async def test_etalab_lines_then_again_changes_nothing(sessions, session, etalab_lines):
    first = await import_finess(sessions, etalab_lines)
    # 14 EG, their EJ are unknown: placeholder EJ flagged as such.
    assert first.etablissement.created == 14 and first.rejected == 0
    ejs = (await session.exec(select(EntiteJuridique))).all()
    assert len(ejs) == first.entite_juridique.placeholders == 13
    assert all(ej.placeholder and ej.raison_sociale == "" for ej in ejs)
    reunion = (await session.exec(select(Etablissement).where(Etablissement.finess == "970400024"))).one()
    assert (reunion.commune_code, reunion.departement_code, reunion.region_code) == ("97411", "974", "04")

    second = await import_finess(sessions, etalab_lines)
    assert (second.etablissement.created, second.etablissement.updated) == (0, 0)
    assert (second.entite_juridique.created, second.entite_juridique.updated) == (0, 0)
    assert second.etablissement.unchanged == 14


async def test_overseas_positions_land_in_their_territory(sessions, session, fixtures_dir):
    report = await import_finess(sessions, fixtures_dir / "etalab-cs1100507-geo.csv")
    assert report.etablissement.created == 6
    reunion = (await session.exec(select(Etablissement).where(Etablissement.finess == "970400024"))).one()
    assert reunion.latitude == pytest.approx(-21, abs=0.5) and reunion.longitude == pytest.approx(55.5, abs=0.5)


async def test_ej_file_fills_a_placeholder(sessions, session, fixtures_dir):
    # Given the geo fixture imported first (EJ 010780054 becomes a placeholder), when the latin-1
    # cs1100501 brings that EJ, then the placeholder becomes a real EJ (same row, EGs still attached).
    await import_finess(sessions, fixtures_dir / "etalab-cs1100507-geo.csv")
    placeholder = (await session.exec(select(EntiteJuridique).where(EntiteJuridique.finess == "010780054"))).one()
    report = await import_finess(sessions, fixtures_dir / "etalab-cs1100501-latin1.csv")
    assert report.entite_juridique.updated == 1 and report.entite_juridique.created == 0
    session.expunge_all()
    ej = (await session.exec(select(EntiteJuridique).where(EntiteJuridique.finess == "010780054"))).one()
    assert ej.id == placeholder.id and not ej.placeholder and ej.siren == "260100045"
    assert ej.raison_sociale_longue.endswith("ÉTABLISSEMENT PUBLIC") and str(ej.date_creation) == "1979-02-13"


async def test_bad_lines_are_reported_and_skipped(sessions, session, fixtures_dir):
    report = await import_finess(sessions, fixtures_dir / "etalab-bad-lines.csv")
    reasons = {r.line: r.reason for r in report.rejected_lines}
    assert set(reasons) == {3, 4, 5, 6, 7, 8, 9, 10}
    assert "FINESS invalide" in reasons[3] and "9X9" in reasons[4] and "FINESS EJ invalide" in reasons[8]
    # The valid line is imported anyway.
    assert report.etablissement.created == 1 and await count(session, Etablissement) == 1


@pytest.mark.parametrize("content", [b"nom;prenom\nDupont;Jean\n", b'{"features": []}'])
async def test_a_non_finess_file_fails_and_changes_nothing(sessions, session, tmp_path, content):
    path = tmp_path / "pas-finess.txt"
    path.write_bytes(content)
    before = await row_counts(session)
    with pytest.raises(BadInputError, match="non reconnu"):
        await import_finess(sessions, path)
    assert await row_counts(session) == before


async def test_dry_run_reports_everything_and_writes_nothing(sessions, session, finess_plus_sample):
    before = await row_counts(session)
    dry = await import_finess(sessions, finess_plus_sample, dry_run=True)
    assert await row_counts(session) == before
    real = await import_finess(sessions, finess_plus_sample)
    for entity in ("entite_juridique", "etablissement"):
        assert dry.counts(entity) == real.counts(entity)
    assert dry.rejected_lines == real.rejected_lines and dry.run_id is None


async def test_fhir_departements_49_and_75(sessions, session, fhir_sample):
    # Given the FHIR NDJSON of départements 49 and 75, when imported twice.
    with fhir_sample.open() as lines:
        organizations = sum(json.loads(line)["resourceType"] == "Organization" for line in lines)
    report = await import_finess(sessions, fhir_sample, batch_size=2000)
    # Then every Organization is an EG (38 of them in categories outside the ROR perimeter).
    assert report.etablissement.created == organizations == 4308
    assert report.rejected_lines == [] and report.etablissement.hors_perimetre == 38
    egs = (await session.exec(select(Etablissement.departement_code, Etablissement.region_code,
                                     Etablissement.latitude, Etablissement.commune_code))).all()
    assert len(egs) == report.etablissement.created
    assert {(d, r) for d, r, _, _ in egs} == {("49", "52"), ("75", "11")}
    assert sum(lat is not None for _, _, lat, _ in egs) >= len(egs) - 6  # 6 Organizations have no Location
    assert all(commune is not None for *_, commune in egs)  # communes resolved from postal code + city
    assert report.entite_juridique.placeholders == await count(session, EntiteJuridique)

    again = await import_finess(sessions, fhir_sample, batch_size=2000)
    assert (again.etablissement.created, again.etablissement.updated) == (0, 0)
    assert (again.entite_juridique.created, again.entite_juridique.updated) == (0, 0)
    assert again.etablissement.unchanged == report.etablissement.created


async def test_a_file_broken_midway_fails_and_records_the_failed_run(sessions, session, tmp_path, finess_plus_sample):
    # Given a FINESS+ file cut in the middle (recognised, then unreadable), when imported by batches of 5.
    path = tmp_path / "cut.json"
    path.write_bytes(finess_plus_sample.read_bytes()[:70000])
    with pytest.raises(BadInputError, match="JSON FINESS\\+ invalide"):
        await import_finess(sessions, path, batch_size=5)
    # Then the run is recorded as failed; the batches before the break are complete (rows + audit + events).
    run = (await session.exec(select(ImportRun))).one()
    assert run.status == "failed" and json.loads(run.report)["status"] == "failed"
    egs = await count(session, Etablissement)
    assert egs > 0 and await count(session, Event) == egs + await count(session, EntiteJuridique)
    assert await count(session, AuditLog) == egs + await count(session, EntiteJuridique)


async def test_a_value_longer_than_its_column_is_rejected_not_truncated(sessions, session, tmp_path, fixtures_dir):
    # Given the geo fixture whose first EG has a raison sociale of 301 characters (the column holds 300)
    lines = (fixtures_dir / "etalab-cs1100507-geo.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    fields = lines[1].split(";")
    fields[3] = "X" * 301
    lines[1] = ";".join(fields)
    path = tmp_path / "etalab-long-name.csv"
    path.write_text("".join(lines), encoding="utf-8")
    # When it is imported
    report = await import_finess(sessions, path)
    # Then that line is rejected with the limit, the other EGs are imported, and no EG holds a cut name
    [rejected] = report.rejected_lines
    assert rejected.line == 2 and "Raison sociale : 301 caractères, 300 au plus" in rejected.reason
    assert report.etablissement.created == 5
    assert (await session.exec(select(Etablissement).where(Etablissement.finess == "010000024"))).first() is None
