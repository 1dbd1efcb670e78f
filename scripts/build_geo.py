"""Rebuild ror_graph/data/geo/*.csv (régions, départements, communes) from public packages.

Sources (run once by a maintainer, not at install time):
* COG geography: npm package ``@etalab/decoupage-administratif`` 6.0.0 (MIT, Etalab; data INSEE
  COG, Licence Ouverte): ``data/{regions,departements,communes}.json``.
* Commune centres: that package has none, so the centre of a commune is the mean WGS84 position
  of the FINESS establishments located in it (FINESS, Licence Ouverte): the FHIR extract of
  départements 49 and 75 (matched on postal code + city name) and the FINESS+ sample (COG given).
  Communes without a FINESS establishment keep an empty centre.

Usage: python scripts/build_geo.py DECOUPAGE_DATA_DIR SHARED_FINESS_DIR
"""

from __future__ import annotations

import csv
import json
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "ror_graph" / "data" / "geo"


def norm(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    for a, b in (("-", " "), ("'", " "), ("SAINTE ", "STE "), ("SAINT ", "ST ")):
        text = text.replace(a, b)
    return " ".join(text.split())


def main(decoupage: Path, finess: Path) -> None:
    regions = json.loads((decoupage / "regions.json").read_text())
    departements = json.loads((decoupage / "departements.json").read_text())
    communes = [
        c for c in json.loads((decoupage / "communes.json").read_text())
        if c["type"] in {"commune-actuelle", "arrondissement-municipal"}
    ]
    by_cp_name: dict[tuple[str, str], str] = {}
    by_dep_name: dict[tuple[str, str], str] = {}
    for c in communes:
        by_dep_name[(c.get("departement", ""), norm(c["nom"]))] = c["code"]
        for cp in c.get("codesPostaux", []):
            by_cp_name[(cp, norm(c["nom"]))] = c["code"]

    def locate(cp: str, city: str) -> str | None:
        city = city.split(" CEDEX")[0].strip()
        return by_cp_name.get((cp, city)) or by_dep_name.get((cp[:2], city))
    points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    orgs: dict[str, tuple[str, str]] = {}
    for line in (finess / "fhir-20210108" / "finess-fhir-20210108-dep49-75.ndjson").open():
        res = json.loads(line)
        if res["resourceType"] == "Organization" and res.get("address"):
            addr = res["address"][0]
            orgs[res["id"]] = (addr.get("postalCode", ""), norm(addr.get("city", "")))
        elif res["resourceType"] == "Location" and "position" in res:
            key = orgs.get(res["managingOrganization"]["reference"].split("/", 1)[1])
            city = key and locate(*key)
            if city:
                points[city].append((res["position"]["latitude"], res["position"]["longitude"]))
    sample = json.loads((finess / "finess-plus" / "sample-finess-structures-journalier-20260309.json").read_text())
    for pm in sample["pmej"]:
        for addr in [*pm.get("adresse", []), *(a for e in pm.get("ege", []) for a in e.get("adresse", []))]:
            geo = addr.get("coordonneesGeographique") or {}
            if addr.get("cogCommune") and geo.get("directionLatitude"):
                points[addr["cogCommune"]].append((float(geo["directionLatitude"]), float(geo["directionLongitude"])))
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "regions.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "nom"])
        w.writerows(sorted((r["code"], r["nom"]) for r in regions))
    with (OUT / "departements.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "nom", "region"])
        w.writerows(sorted((d["code"], d["nom"], d["region"]) for d in departements))
    with (OUT / "communes.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "nom", "departement", "region", "codes_postaux", "population", "latitude", "longitude"])
        for c in sorted(communes, key=lambda c: c["code"]):
            pts = points.get(c["code"]) or points.get(c.get("commune", ""), [])
            lat = f"{sum(p[0] for p in pts) / len(pts):.5f}" if pts else ""
            lon = f"{sum(p[1] for p in pts) / len(pts):.5f}" if pts else ""
            w.writerow([c["code"], c["nom"], c.get("departement", ""), c.get("region", ""),
                        " ".join(c.get("codesPostaux", [])), c.get("population", ""), lat, lon])
    print(f"{len(regions)} régions, {len(departements)} départements, {len(communes)} communes, "
          f"{sum(1 for c in communes if c['code'] in points)} with a centre")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
