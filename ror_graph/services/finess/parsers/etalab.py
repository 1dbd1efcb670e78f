"""Legacy etalab FINESS extracts (cs1100501 EJ, cs1100502 / cs1100507 ET), layout in shared/data/finess/spec.

``;``-separated with RFC 4180 quoting (the csv module, never ``split``), latin-1/cp1252 in old files
and UTF-8 in new ones (sniffed, with a per-line fallback), ``dd/mm/yyyy`` or ISO dates, overseas
départements as ``9A…9J``. The ``geolocalisation`` section (cs1100507) comes after every
``structureet`` line, so a first pass stores converted positions in a ``PositionIndex``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any, BinaryIO

from ror_graph.services.finess.parsers.detect import HEAD_BYTES, decode_line, sniff_encoding
from ror_graph.services.finess.parsers.geo import PositionIndex, UnknownCrsError, to_wgs84
from ror_graph.services.finess.parsers.records import (
    EgRecord,
    EjRecord,
    Record,
    Rejected,
    clean,
    closure,
    parse_date,
    split_postal_line,
)

ET_FIELDS = (
    "section", "nofinesset", "nofinessej", "rs", "rslongue", "complrs", "compldistrib", "numvoie", "typvoie",
    "voie", "compvoie", "lieuditbp", "commune", "departement", "libdepartement", "ligneacheminement",
    "telephone", "telecopie", "categetab", "libcategetab", "categagretab", "libcategagretab", "siret",
    "codeape", "codemft", "libmft", "codesph", "libsph", "dateouv", "dateautor", "datemaj", "numuai",
)
EJ_FIELDS = (
    "section", "nofiness", "rs", "rslongue", "complrs", "numvoie", "typvoie", "voie", "compvoie",
    "compldistrib", "lieuditbp", "commune", "ligneacheminement", "departement", "libdepartement",
    "telephone", "statutjuridique", "libstatutjuridique", "categetab", "libcategetab", "siren", "codeape",
    "datecrea",
)
GEO_FIELDS = ("section", "nofinesset", "coordxet", "coordyet", "sourcecoordet", "datemaj")

#: FINESS overseas département codes → (COG département, prefix of the 5-digit COG commune code).
OVERSEAS = {
    "9A": ("971", "97"), "9B": ("972", "97"), "9C": ("973", "97"), "9D": ("974", "97"),
    "9E": ("975", "97"), "9F": ("976", "97"), "9J": ("986", "98"),
}
#: FINESS still files Saint-Barthélemy and Saint-Martin under Guadeloupe (9A) with their pre-2007 codes.
OLD_COG = {"97123": "97701", "97127": "97801"}


def departement_and_commune(departement: str | None, commune: str | None) -> tuple[str | None, str | None]:
    """COG département and commune from FINESS ``departement`` + 3-digit ``commune`` (9D + 411 → 974, 97411)."""
    dep = (departement or "").upper()
    if dep in OVERSEAS:
        cog_dep, prefix = OVERSEAS[dep]
    elif len(dep) == 2 and (dep.isdigit() or dep in ("2A", "2B")):
        cog_dep, prefix = dep, dep
    else:
        return None, None
    if not commune or len(commune) != 3 or not commune.isdigit():
        return cog_dep, None
    code = OLD_COG.get(prefix + commune, prefix + commune)
    return (code[:3] if code[:2] in ("97", "98") else cog_dep), code


def _rows(stream: BinaryIO, encoding: str) -> Iterator[tuple[int, list[str]]]:
    """(first physical line number, fields) of each CSV record; quoted fields may span lines."""
    stream.seek(0)
    lines = (decode_line(raw, encoding) for raw in stream)
    reader = csv.reader(lines, delimiter=";", quotechar='"', strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, [f"\x00{exc}"]
            start = reader.line_num + 1
            continue
        yield start, row
        start = reader.line_num + 1


def _address(row: dict[str, str]) -> dict[str, Any]:
    postal_code, city = split_postal_line(row["ligneacheminement"])
    _, commune = departement_and_commune(clean(row["departement"]), clean(row["commune"]))
    return {
        "numero_voie": clean(row["numvoie"]), "type_voie": clean(row["typvoie"]),
        "libelle_voie": clean(row["voie"]), "complement_voie": clean(row["compvoie"]),
        "lieu_dit": clean(row["lieuditbp"]), "code_postal": postal_code, "libelle_acheminement": city,
        "commune_code": commune,
    }


def _et(line: int, fields: list[str], positions: PositionIndex | None) -> Record:
    if len(fields) not in (len(ET_FIELDS), len(ET_FIELDS) - 1):  # numuai was added after the 2013 notice
        return Rejected(line, f"structureet: {len(fields)} champs au lieu de {len(ET_FIELDS)}")
    row = dict(zip(ET_FIELDS, fields, strict=False))
    finess = clean(row["nofinesset"]) or ""
    try:
        date_ouverture = parse_date(row["dateouv"])
    except ValueError as exc:
        return Rejected(line, f"dateouv: {exc}", finess=finess)
    values: dict[str, Any] = {
        "raison_sociale": clean(row["rs"]), "raison_sociale_longue": clean(row["rslongue"]),
        "complement_denomination": clean(row["complrs"]), **_address(row),
        "telephone": clean(row["telephone"]), "telecopie": clean(row["telecopie"]),
        "categorie_code": clean(row["categetab"]), "siret": clean(row["siret"]),
        "date_ouverture": date_ouverture,
        **closure(False, None),  # the stock extracts list open establishments only
    }
    if positions is not None and (position := positions.take(finess)) is not None:
        values["latitude"], values["longitude"] = position
    departement, _ = departement_and_commune(clean(row["departement"]), clean(row["commune"]))
    return EgRecord(line, finess, clean(row["nofinessej"]), values, departement=departement)


def _ej(line: int, fields: list[str]) -> Record:
    if len(fields) != len(EJ_FIELDS):
        return Rejected(line, f"structureej: {len(fields)} champs au lieu de {len(EJ_FIELDS)}", "entite_juridique")
    row = dict(zip(EJ_FIELDS, fields, strict=True))
    finess = clean(row["nofiness"]) or ""
    try:
        date_creation = parse_date(row["datecrea"])
    except ValueError as exc:
        return Rejected(line, f"datecrea: {exc}", "entite_juridique", finess)
    values = {
        "raison_sociale": clean(row["rs"]), "raison_sociale_longue": clean(row["rslongue"]), **_address(row),
        "telephone": clean(row["telephone"]), "statut_juridique_code": clean(row["statutjuridique"]),
        "siren": clean(row["siren"]), "date_creation": date_creation,
        "date_fermeture": None, "type_fermeture_code": None,
    }
    return EjRecord(line, finess, values)


def _index_positions(stream: BinaryIO, encoding: str, positions: PositionIndex) -> Iterator[Rejected]:
    """First pass: convert every ``geolocalisation`` line and store it; bad lines are rejected."""
    for line, fields in _rows(stream, encoding):
        if not fields or fields[0] != "geolocalisation":
            continue
        if len(fields) != len(GEO_FIELDS):
            yield Rejected(line, f"geolocalisation: {len(fields)} champs au lieu de {len(GEO_FIELDS)}")
            continue
        row = dict(zip(GEO_FIELDS, fields, strict=True))
        finess, x, y = clean(row["nofinesset"]) or "", clean(row["coordxet"]), clean(row["coordyet"])
        if x is None or y is None:
            continue  # FINESS has no position for this establishment
        try:
            lat, lon = to_wgs84(float(x.replace(",", ".")), float(y.replace(",", ".")), row["sourcecoordet"])
        except (ValueError, UnknownCrsError) as exc:
            yield Rejected(line, f"geolocalisation: {exc}", finess=finess)
            continue
        positions.put(finess, line, lat, lon)
    positions.seal()


def parse_etalab(stream: BinaryIO) -> Iterator[Record]:
    """Records of an etalab extract, in file order (positions first-pass rejections come first)."""
    encoding = sniff_encoding(stream.read(HEAD_BYTES))
    stream.seek(0)
    has_geo = any(raw.startswith(b"geolocalisation") for raw in stream)
    positions = PositionIndex() if has_geo else None
    try:
        if positions is not None:
            yield from _index_positions(stream, encoding, positions)
        for line, fields in _rows(stream, encoding):
            section = fields[0].strip() if fields else ""
            if section.startswith("\x00"):
                yield Rejected(line, f"ligne CSV invalide: {section[1:]}")
            elif section == "structureet":
                yield _et(line, fields, positions)
            elif section == "structureej":
                yield _ej(line, fields)
            elif section in ("finess", "geolocalisation") or not any(f.strip() for f in fields):
                continue
            else:
                yield Rejected(line, f"section inconnue {section[:30]!r}")
        if positions is not None:
            for finess, line in positions.leftovers():
                yield Rejected(line, "geolocalisation d'un établissement absent du fichier", finess=finess)
    finally:
        if positions is not None:
            positions.close()
