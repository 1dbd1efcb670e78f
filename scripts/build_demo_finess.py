"""Rebuild ``ror_graph/data/demo/finess-49.ndjson`` from the shared FINESS FHIR extract.

Selection rule (also in ``ror_graph/data/demo/README.md``): read
``shared/data/finess/fhir-20210108/finess-fhir-20210108-dep49-75.ndjson`` in file order (FINESS
order); keep every ``Organization`` whose FINESS ET starts with ``49`` and whose FINESS category is

* one of ``ALL_OF`` (EHPAD, SSIAD, hospitals, clinics, SMR): every establishment;
* any other category of ``JDV_J55-CategorieEG-ROR`` inside the ROR perimeter (``ror_perimetre_bi``
  not "Non suivi"), except the groupings in ``EXCLUDED``: the first ``PER_CATEGORY`` establishments;

then every ``Location`` line whose ``managingOrganization`` is a kept Organization. Lines are copied
byte for byte. Pharmacies, laboratories and the other "Non suivi" categories are left out.

Usage: ``python scripts/build_demo_finess.py [--shared PATH] [--out PATH]``.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path("data/finess/fhir-20210108/finess-fhir-20210108-dep49-75.ndjson")
J55 = ROOT / "ror_graph/data/nomenclatures/JDV_J55-CategorieEG-ROR.csv"
OUT = ROOT / "ror_graph/data/demo/finess-49.ndjson"
DEPARTEMENT = "49"
FINESS_ET = "urn:oid:1.2.250.1.71.4.2.2"
CATEGORY_SYSTEM = "http://finess.sante.gouv.fr/valuesets/CAT_ETAB"
# EHPAD, SSIAD, CH, CHR/CHU, ex-hôpital local, établissement pluridisciplinaire, SMR.
ALL_OF = {"500", "354", "355", "101", "106", "365", "109"}
# Groupements de coopération / "autre établissement loi hospitalière": no care offer of their own.
EXCLUDED = {"695", "696", "697", "698"}
PER_CATEGORY = 6


def perimeter_categories(path: Path = J55) -> set[str]:
    """JDV_J55 categories the ROR tracks (BI perimeter "historique" or "nouveau 2023/2024")."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["code"] for row in csv.DictReader(handle) if row["ror_perimetre_bi"] != "Non suivi"}


def organization_keys(resource: dict) -> tuple[str | None, str | None]:
    """(FINESS ET, FINESS category) of an Organization resource."""
    finess = next((i["value"] for i in resource.get("identifier", []) if i.get("system") == FINESS_ET), None)
    codings = [c for t in resource.get("type", []) for c in t.get("coding", [])]
    category = next((c["code"] for c in codings if c.get("system") == CATEGORY_SYSTEM), None)
    return finess, category


def select_lines(lines: list[str], perimeter: set[str]) -> tuple[list[str], Counter]:
    """The kept lines (original bytes, file order) and the count of Organizations per category."""
    kept_orgs: set[str] = set()
    per_category: Counter = Counter()
    out: list[str] = []
    for line in lines:
        resource = json.loads(line)
        if resource["resourceType"] == "Organization":
            finess, category = organization_keys(resource)
            if not finess or not finess.startswith(DEPARTEMENT) or category is None:
                continue
            if category in ALL_OF:
                keep = True
            else:
                keep = category in perimeter and category not in EXCLUDED and per_category[category] < PER_CATEGORY
            if keep:
                per_category[category] += 1
                kept_orgs.add(f"Organization/{resource['id']}")
                out.append(line)
        elif resource["resourceType"] == "Location" and (
            resource.get("managingOrganization", {}).get("reference") in kept_orgs
        ):
            out.append(line)
    return out, per_category


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared", help="the shared/ folder")
    parser.add_argument("--out", type=Path, default=OUT, help="output NDJSON file")
    args = parser.parse_args()
    with (args.shared / SOURCE).open("rb") as handle:
        lines = [raw.decode("utf-8") for raw in handle]  # keep each line's exact bytes and ending
    out, per_category = select_lines(lines, perimeter_categories())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("wb") as handle:
        handle.write("".join(out).encode("utf-8"))
    organizations = sum(per_category.values())
    print(f"{args.out}: {organizations} Organization + {len(out) - organizations} Location lines")
    for category, count in sorted(per_category.items()):
        print(f"  {category}: {count}")


if __name__ == "__main__":
    main()
