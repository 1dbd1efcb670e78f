"""Reference data: every shipped NOS row and COG commune is loaded, and loading again changes nothing."""

from __future__ import annotations

from sqlmodel import func, select

from ror_graph.models import Commune, Nomenclature
from ror_graph.services.reference import files
from ror_graph.services.reference.loader import load_reference


async def test_counts_equal_the_csv_rows(session):
    # given the reference data loaded by the fixture
    csv_rows = sum(1 for path in files.nomenclature_files() for _ in files.read_nomenclature(path))
    # when we count the table
    loaded = (await session.exec(select(func.count()).select_from(Nomenclature))).one()
    communes = (await session.exec(select(func.count()).select_from(Commune))).one()
    # then every CSV row is there
    assert loaded == csv_rows == 2999  # + TRE_R228, R252, R340
    assert communes == 35014


async def test_loading_twice_changes_nothing(session):
    report = await load_reference(session)
    assert not report.changed
    assert report.tables["nomenclature"].unchanged == 2999  # + TRE_R228, R252, R340


async def test_codes_keep_leading_zeros_and_deprecation(session):
    row = (await session.exec(select(Nomenclature).where(
        Nomenclature.system == "TRE_R211-ActiviteOperationnelle", Nomenclature.code == "002"))).one()
    assert row.status == "deprecated" and not row.writable
    acte = (await session.exec(select(Nomenclature).where(
        Nomenclature.system == "TRE_R210-ActeSpecifique", Nomenclature.code == "0320"))).one()
    assert acte.writable


async def test_commune_geography(session):
    angers = await session.get(Commune, "49007")
    assert angers.nom == "Angers" and angers.departement_code == "49" and angers.region_code == "52"
    assert "49100" in angers.codes_postaux.split()
    reunion = await session.get(Commune, "97411")
    assert reunion.departement_code == "974"


async def test_a_changed_label_is_updated_not_duplicated(session):
    row = (await session.exec(select(Nomenclature).where(
        Nomenclature.system == "TRE_R227-ChampActivite", Nomenclature.code == "01"))).one()
    row.label = "edited"
    await session.commit()
    report = await load_reference(session)
    assert report.tables["nomenclature"].updated == 1
    await session.refresh(row)
    assert row.label != "edited"
