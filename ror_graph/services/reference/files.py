"""Parse the reference files shipped in ``ror_graph/data`` into plain row dicts.

* ``data/nomenclatures/*.csv``: NOS extracts (see that folder's README for sources and versions).
* ``data/geo/*.csv``: INSEE COG régions, départements, communes (see ``data/geo/README.md``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
NOMENCLATURE_DIR = DATA_DIR / "nomenclatures"
GEO_DIR = DATA_DIR / "geo"
_KNOWN = {"code", "label", "short_label", "status", "date_fin"}


def nomenclature_files(directory: Path = NOMENCLATURE_DIR) -> list[Path]:
    return sorted(directory.glob("*.csv"))


def read_nomenclature(path: Path) -> Iterator[dict]:
    """Rows of one NOS CSV; the system is the file stem (``TRE_R211-ActiviteOperationnelle``).

    A code is writable when active and, where the file says so, inside the ROR value set
    (``in_JDV_J17_ROR`` for activities).
    """
    system = path.stem
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            status = (row.get("status") or "active").strip() or "active"
            in_value_set = (row.get("in_JDV_J17_ROR") or "true").strip().lower() != "false"
            extra = {k: v for k, v in row.items() if k not in _KNOWN and v not in (None, "")}
            yield {
                "system": system,
                "code": row["code"].strip(),
                "label": row["label"].strip(),
                "short_label": (row.get("short_label") or "").strip() or None,
                "status": status,
                "writable": status == "active" and in_value_set,
                "date_fin": date.fromisoformat(row["date_fin"]) if row.get("date_fin") else None,
                "extra": json.dumps(extra, ensure_ascii=False, sort_keys=True) if extra else None,
            }


def read_regions(directory: Path = GEO_DIR) -> Iterator[dict]:
    with (directory / "regions.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            yield {"code": row["code"], "nom": row["nom"]}


def read_departements(directory: Path = GEO_DIR) -> Iterator[dict]:
    with (directory / "departements.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            yield {"code": row["code"], "nom": row["nom"], "region_code": row["region"]}


def read_communes(directory: Path = GEO_DIR) -> Iterator[dict]:
    with (directory / "communes.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            yield {
                "code": row["code"],
                "nom": row["nom"],
                "departement_code": row["departement"],
                "region_code": row["region"] or None,
                "codes_postaux": row["codes_postaux"],
                "population": int(row["population"]) if row["population"] else None,
                "latitude": float(row["latitude"]) if row["latitude"] else None,
                "longitude": float(row["longitude"]) if row["longitude"] else None,
                "position_precision": row.get("precision") or None,
            }
