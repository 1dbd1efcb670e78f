"""FINESS parsers and format detection, without a database: what each real format turns into."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ror_graph.services.finess.parsers import (
    ETALAB,
    FHIR,
    FINESS_PLUS,
    EgRecord,
    EjRecord,
    FinessFormatError,
    Rejected,
    check_format,
    parse,
)
from ror_graph.services.finess.parsers.etalab import departement_and_commune
from ror_graph.services.finess.parsers.geo import UnknownCrsError, crs_of_source, to_wgs84


def records(path: Path, fmt: str = "auto") -> list:
    with path.open("rb") as stream:
        return list(parse(stream, check_format(stream, fmt)))


def test_each_real_sample_is_detected(finess_plus_sample, etalab_lines, fhir_sample, fixtures_dir):
    # Given the three real formats and a latin-1 cs1100501, when detecting, then each is recognised.
    expected = {finess_plus_sample: FINESS_PLUS, etalab_lines: ETALAB, fhir_sample: FHIR,
                fixtures_dir / "etalab-cs1100501-latin1.csv": ETALAB}
    for path, fmt in expected.items():
        with path.open("rb") as stream:
            assert check_format(stream, "auto") == fmt


@pytest.mark.parametrize("content", [
    b"nom;prenom\nDupont;Jean\n",
    b'{"type": "FeatureCollection", "features": []}',
    b"",
    b"\x89PNG\r\n\x1a\n\x00\x00",
])
def test_a_file_in_none_of_the_formats_is_refused(tmp_path, content):
    path = tmp_path / "autre.dat"
    path.write_bytes(content)
    with path.open("rb") as stream, pytest.raises(FinessFormatError, match="non reconnu"):
        check_format(stream, "auto")


def test_an_explicit_format_must_match_the_content(etalab_lines):
    with etalab_lines.open("rb") as stream, pytest.raises(FinessFormatError, match="fhir"):
        check_format(stream, "fhir")


def test_finess_plus_yields_each_pmej_then_its_ege(finess_plus_sample):
    # Given the FINESS+ sample, when parsed, then there is one EJ per pmej and one EG per ege, nested order kept.
    document = json.loads(finess_plus_sample.read_text())
    parsed = records(finess_plus_sample)
    ejs = [r for r in parsed if isinstance(r, EjRecord)]
    egs = [r for r in parsed if isinstance(r, EgRecord)]
    assert [r.finess for r in ejs] == [p["informationsGeneralesPMEJ"]["numFinessPm"] for p in document["pmej"]]
    assert len(egs) == sum(len(p["ege"]) for p in document["pmej"])
    # Trailing fixed-width spaces are trimmed; inactive objects are closed with their date.
    ambérieu = next(r for r in ejs if r.finess == "010000016")
    assert ambérieu.values["raison_sociale"] == ambérieu.values["raison_sociale"].strip()
    closed = [r for r in egs if r.values["ferme"]]
    assert closed and all(r.values["date_fermeture"] and r.values["type_fermeture_code"] == "DEF" for r in closed)
    convert = next(r for r in egs if r.finess == "010780195")
    assert (convert.values["latitude"], convert.values["longitude"]) == (46.211257, 5.254203)
    assert convert.values["commune_code"] == "01053" and convert.ej_finess == "010000156"


def test_finess_plus_schema_layout_with_metadata_is_accepted(tmp_path, finess_plus_sample):
    # Given the sample rewritten in the schema 1.0.1 layout (metadata wrapper, no gcc/gco).
    document = json.loads(finess_plus_sample.read_text())
    rewritten = {"metadata": {"schemaVersion": "1.0.1", "generatedAt": document["generatedAt"]},
                 "pmej": document["pmej"][:3]}
    path = tmp_path / "finess-structures.json"
    path.write_text(json.dumps(rewritten, ensure_ascii=False))
    parsed = records(path)
    assert [r.finess for r in parsed if isinstance(r, EjRecord)] == ["010000016", "010000156", "010000164"]


def test_truncated_finess_plus_fails_clearly(tmp_path, finess_plus_sample):
    path = tmp_path / "cut.json"
    path.write_bytes(finess_plus_sample.read_bytes()[:60000])
    with pytest.raises(FinessFormatError, match="JSON FINESS\\+ invalide"):
        records(path)


def test_etalab_real_lines_overseas_communes_and_quoting(etalab_lines):
    # Given the 15 real lines (14 structureet), when parsed, then every line is an EG with its COG commune.
    parsed = {r.finess: r for r in records(etalab_lines)}
    assert len(parsed) == 14 and all(isinstance(r, EgRecord) for r in parsed.values())
    assert parsed["970400024"].values["commune_code"] == "97411"  # 9D + 411: Saint-Denis (La Réunion)
    assert parsed["980600027"].values["commune_code"] == "98613"  # 9J + 613: Uvea (Wallis-et-Futuna)
    assert parsed["970102018"].values["commune_code"] == "97701"  # 9A + 123: Saint-Barthélemy, old code
    assert parsed["980501506"].values["raison_sociale"] == 'LIEU DE VIE "MAVOUNA MEMA 1"'  # RFC 4180 quotes
    assert parsed["010000024"].values["telephone"] == "0474454647"
    assert str(parsed["010000024"].values["date_ouverture"]) == "1979-02-13"


@pytest.mark.parametrize(("departement", "commune", "expected"), [
    ("01", "451", ("01", "01451")), ("2A", "004", ("2A", "2A004")), ("9C", "302", ("973", "97302")),
    ("9F", "610", ("976", "97610")), ("9A", "127", ("978", "97801")), ("9J", "613", ("986", "98613")),
    ("XX", "001", (None, None)),
])
def test_finess_departement_codes_map_to_cog(departement, commune, expected):
    assert departement_and_commune(departement, commune) == expected


def test_latin1_ej_file_with_french_dates(fixtures_dir):
    [record] = records(fixtures_dir / "etalab-cs1100501-latin1.csv")
    assert isinstance(record, EjRecord) and record.finess == "010780054"
    assert record.values["raison_sociale_longue"].endswith("ÉTABLISSEMENT PUBLIC")
    assert str(record.values["date_creation"]) == "1979-02-13" and record.values["siren"] == "260100045"


def test_geolocalisation_lines_are_converted_with_the_named_crs(fixtures_dir):
    # Given a cs1100507-style file (positions after the structureet section), when parsed,
    # then every position lands in the territory of its establishment.
    parsed = {r.finess: r for r in records(fixtures_dir / "etalab-cs1100507-geo.csv")}
    boxes = {  # (lat min, lat max, lon min, lon max)
        "010000024": (45.9, 46.5, 4.7, 5.6),  # Viriat, Ain (Lambert-93)
        "970400024": (-21.4, -20.8, 55.2, 55.9),  # La Réunion (UTM 40S)
        "970300026": (2.1, 5.8, -54.6, -51.6),  # Guyane (UTM 22N)
        "980501506": (-13.1, -12.6, 44.9, 45.4),  # Mayotte (UTM 38S)
        "970210126": (14.3, 14.9, -61.3, -60.8),  # Martinique (UTM 20N)
    }
    for finess, (lat_min, lat_max, lon_min, lon_max) in boxes.items():
        values = parsed[finess].values
        assert lat_min < values["latitude"] < lat_max and lon_min < values["longitude"] < lon_max, finess
    assert "latitude" not in parsed["980600027"].values  # no geolocalisation line: left untouched


def test_bad_etalab_lines_are_rejected_with_their_line_number(fixtures_dir):
    parsed = records(fixtures_dir / "etalab-bad-lines.csv")
    rejected = {r.line: r.reason for r in parsed if isinstance(r, Rejected)}
    # Parser-level problems (the FINESS keys and the category are checked by the service).
    assert set(rejected) == {5, 6, 7, 9, 10}
    assert "champs" in rejected[5] and "date" in rejected[6] and "section" in rejected[7]
    assert "GAUSS_LABORDE" in rejected[9] and "absent" in rejected[10]


def test_crs_names():
    assert crs_of_source("1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,LAMBERT_93") == "EPSG:2154"
    assert crs_of_source("x,UTM_S40") == "EPSG:2975"
    assert crs_of_source("x,UTM_S1") == "EPSG:32701"  # Wallis: plain WGS84 / UTM
    with pytest.raises(UnknownCrsError):
        crs_of_source("x,LAMBERT_II")
    lat, lon = to_wgs84(870215.7, 6571590.5, "LAMBERT_93")
    assert round(lat, 3) == 46.223 and round(lon, 3) == 5.209


def test_fhir_location_before_its_organization_and_inactive(tmp_path, fhir_sample):
    # Given a real Organization and its Location, swapped, and the Organization made inactive with an end date.
    with fhir_sample.open() as lines:
        organization, location = json.loads(next(lines)), next(lines)
    organization["active"] = False
    organization["extension"][0]["valuePeriod"]["end"] = "2020-06-30"
    path = tmp_path / "fhir.ndjson"
    path.write_text(location + json.dumps(organization) + "\n{broken\n")
    parsed = records(path)
    eg = next(r for r in parsed if isinstance(r, EgRecord))
    assert eg.line == 2 and eg.finess == "490000015" and eg.ej_finess == "490535200"
    assert eg.values["latitude"] == pytest.approx(47.3971855) and eg.values["ferme"] is True
    assert str(eg.values["date_fermeture"]) == "2020-06-30" and eg.values["categorie_code"] == "183"
    assert eg.values["numero_voie"] == "19" and eg.values["type_voie"] == "R"
    assert eg.resolve_commune and (eg.postal_code, eg.city) == ("49390", "VERNANTES")
    assert [(r.line, "JSON" in r.reason) for r in parsed if isinstance(r, Rejected)] == [(3, True)]
