"""A placeholder entité juridique is completed in place when FINESS sends it, and says plainly it is waiting.

FINESS files often bring an établissement before (or without) its entité juridique: the importer then
creates the EJ as a placeholder so the EG can hang from it. These tests import such an EG first (a
cs1100507 line of the real Clinique Convert, whose EJ is in the FINESS+ sample), then the real EJ.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func
from sqlmodel import select

from ror_graph.models import EntiteJuridique, Etablissement
from ror_graph.services.finess.importer import import_finess

EG, EJ = "010780195", "010000156"
#: etalab cs1100507 layout (32 fields); the values are those of FINESS+ for this EG, EJ left out of the file.
EG_LINE = (
    "structureet;010780195;010000156;CLINIQUE CONVERT;CLINIQUE DOCTEUR CONVERT;;;62;AV;DE JASSERON;;BP 132;053;01;"
    "AIN;01000 BOURG EN BRESSE;0428631234;;365;Etablissement de Soins Pluridisciplinaire;1102;Autres;"
    "77220148900022;8610Z;07;Tarifs libres;0;Non concerné;1956-11-16;1956-11-16;2021-10-18;\n"
)
QUERY = """query($finess: String!) { etablissement(finess: $finess) { finess
  entiteJuridique { finess raisonSociale enAttenteFiness siren } } }"""


def eg_only_file(tmp_path: Path) -> Path:
    path = tmp_path / "etalab-cs1100507-eg-only.csv"
    path.write_text("finess;etalab;111;2026-05-12\n" + EG_LINE, encoding="utf-8")
    return path


async def test_placeholder_is_flagged_not_named(sessions, session, tmp_path, data):
    # Given an EG whose EJ FINESS has not sent, when it is imported
    report = await import_finess(sessions, eg_only_file(tmp_path))
    # then its EJ exists as a placeholder, with no invented name, and GraphQL says it is awaiting FINESS
    assert report.entite_juridique.placeholders == 1
    ej = (await session.exec(select(EntiteJuridique).where(EntiteJuridique.finess == EJ))).one()
    assert ej.placeholder and ej.raison_sociale == "" and ej.siren is None
    result = await data(QUERY, {"finess": EG})
    assert result["etablissement"]["entiteJuridique"] == {
        "finess": EJ, "raisonSociale": "", "enAttenteFiness": True, "siren": None}


async def test_finess_plus_completes_the_placeholder_in_place(sessions, session, tmp_path, finess_plus_sample, data):
    # Given the EG imported first, its EJ a placeholder
    await import_finess(sessions, eg_only_file(tmp_path))
    placeholder = (await session.exec(select(EntiteJuridique).where(EntiteJuridique.finess == EJ))).one()
    eg = (await session.exec(select(Etablissement).where(Etablissement.finess == EG))).one()
    assert eg.entite_juridique_id == placeholder.id
    # when the FINESS+ file brings the real EJ (and the same EG again)
    report = await import_finess(sessions, finess_plus_sample)
    assert report.status == "done"
    session.expunge_all()
    # then the same row became the real EJ, its EG is still attached, nothing is duplicated
    rows = (await session.exec(select(EntiteJuridique).where(EntiteJuridique.finess == EJ))).all()
    assert len(rows) == 1
    ej = rows[0]
    assert ej.id == placeholder.id and not ej.placeholder
    assert ej.raison_sociale == "CLINIQUE CONVERT" and ej.siren == "772201489"
    egs = (await session.exec(select(Etablissement).where(Etablissement.finess == EG))).all()
    assert [e.entite_juridique_id for e in egs] == [ej.id]
    placeholders = (await session.exec(select(func.count()).select_from(EntiteJuridique).where(
        EntiteJuridique.placeholder == True))).one()  # noqa: E712 (SQL expression)
    assert placeholders == 0
    result = await data(QUERY, {"finess": EG})
    assert result["etablissement"]["entiteJuridique"] == {
        "finess": EJ, "raisonSociale": "CLINIQUE CONVERT", "enAttenteFiness": False, "siren": "772201489"}
