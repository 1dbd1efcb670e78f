"""Coordinates: projected FINESS positions to WGS84, and a disk-backed index of positions.

* ``to_wgs84(x, y, source)``: etalab ``geolocalisation`` lines give metres in the CRS named at the
  end of ``sourcecoordet`` (``1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,LAMBERT_93``): Lambert-93 in
  metropolitan France, UTM zones overseas. pyproj Transformers are costly to build, so one per CRS
  is cached for the process.
* ``PositionIndex``: positions arrive apart from their establishment (etalab puts every
  ``geolocalisation`` line after the ``structureet`` section, FHIR puts them in ``Location``
  resources). A first pass stores them in a temporary SQLite file, so memory stays flat whatever
  the file size and whatever the order of the lines.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from pyproj import Transformer

#: CRS of each territory for the names FINESS uses; other UTM zones fall back to WGS84 / UTM.
CRS_BY_NAME = {
    "LAMBERT_93": "EPSG:2154",  # RGF93 / Lambert-93, metropolitan France
    "UTM_N20": "EPSG:5490",  # RGAF09 / UTM 20N: Guadeloupe, Martinique, St-Barthélemy, St-Martin
    "UTM_N21": "EPSG:4467",  # RGSPM06 / UTM 21N: Saint-Pierre-et-Miquelon
    "UTM_N22": "EPSG:2972",  # RGFG95 / UTM 22N: Guyane
    "UTM_S38": "EPSG:4471",  # RGM04 / UTM 38S: Mayotte
    "UTM_S40": "EPSG:2975",  # RGR92 / UTM 40S: La Réunion
}
_UTM = re.compile(r"^UTM_?([NS])_?0*(\d{1,2})$")
_WGS84 = {"WGS84", "WGS_84", "EPSG:4326"}


class UnknownCrsError(ValueError):
    """``sourcecoordet`` names no coordinate system this importer knows."""


def crs_of_source(source: str | None) -> str | None:
    """EPSG code named by a ``sourcecoordet`` value (its last comma-separated item); None = WGS84."""
    name = (source or "").rsplit(",", 1)[-1].strip().upper().replace("-", "_").replace(" ", "_")
    if not name:
        raise UnknownCrsError("sourcecoordet vide")
    if name in _WGS84:
        return None
    if name in CRS_BY_NAME:
        return CRS_BY_NAME[name]
    if match := _UTM.match(name):
        hemisphere, zone = match.group(1), int(match.group(2))
        key = f"UTM_{hemisphere}{zone}"
        if key in CRS_BY_NAME:
            return CRS_BY_NAME[key]
        if 1 <= zone <= 60:
            return f"EPSG:{32600 + zone if hemisphere == 'N' else 32700 + zone}"
    raise UnknownCrsError(f"système de coordonnées inconnu {name!r}")


@lru_cache(maxsize=32)
def _transformer(crs: str) -> Transformer:
    return Transformer.from_crs(crs, "EPSG:4326", always_xy=True)


def to_wgs84(x: float, y: float, source: str | None) -> tuple[float, float]:
    """(latitude, longitude) in WGS84 degrees, rounded to 1e-7, for a point given in ``source``'s CRS."""
    crs = crs_of_source(source)
    if crs is None:
        lon, lat = x, y
    else:
        lon, lat = _transformer(crs).transform(x, y)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or lat != lat or lon != lon:
        raise UnknownCrsError(f"coordonnées hors du globe après conversion ({x}, {y}, {crs})")
    return round(lat, 7), round(lon, 7)


class PositionIndex:
    """Positions keyed by establishment, kept in a temporary SQLite file (deleted on ``close``)."""

    def __init__(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="ror-finess-geo-"))
        self._db = sqlite3.connect(self._dir / "positions.sqlite3")
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE position (key TEXT PRIMARY KEY, line INTEGER, lat REAL, lon REAL)")
        self._pending: list[tuple[str, int, float, float]] = []

    def put(self, key: str, line: int, lat: float, lon: float) -> None:
        """Store a position (the last one wins for a key seen twice)."""
        self._pending.append((key, line, lat, lon))
        if len(self._pending) >= 5000:
            self._write()

    def _write(self) -> None:
        self._db.executemany("INSERT OR REPLACE INTO position VALUES (?, ?, ?, ?)", self._pending)
        self._pending.clear()

    def seal(self) -> None:
        """End of the first pass: flush pending rows."""
        self._write()
        self._db.commit()

    def take(self, key: str) -> tuple[float, float] | None:
        """Position of ``key``, removed from the index so that leftovers can be reported."""
        row = self._db.execute("DELETE FROM position WHERE key = ? RETURNING lat, lon", (key,)).fetchone()
        return (row[0], row[1]) if row else None

    def leftovers(self) -> Iterator[tuple[str, int]]:
        """(key, line) of positions no establishment claimed, in line order."""
        yield from self._db.execute("SELECT key, line FROM position ORDER BY line")

    def close(self) -> None:
        self._db.close()
        shutil.rmtree(self._dir, ignore_errors=True)
