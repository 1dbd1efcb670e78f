"""Plain records produced by the FINESS parsers: no database access, one record per source item.

Every parser (FINESS+ JSON, etalab CSV, FHIR NDJSON) yields ``EjRecord``, ``EgRecord`` and
``Rejected`` objects carrying the line (or item) number of their source, so the service can apply
all three formats through one code path and report bad input precisely.

``values`` holds only the FINESS-owned columns the format actually sends: a key with ``None``
means "FINESS says empty", a missing key means "this format does not carry that field" (the
importer then leaves the column alone, e.g. FHIR has no long name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

FINESS_PLUS = "finess-plus"
ETALAB = "etalab"
FHIR = "fhir"
FORMATS = (FINESS_PLUS, ETALAB, FHIR)

#: TRE_R286-TypeFermeture code used when a source says "closed" without a reason: the open-data
#: formats only flag definitive closures (inactive objects), provisional ones stay active.
TYPE_FERMETURE_DEFINITIVE = "DEF"

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_FR_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
_POSTAL_LINE = re.compile(r"^(\d{5})\s*(.*)$")


class FinessFormatError(ValueError):
    """The file is not in the expected FINESS format (or stops being so part-way)."""


@dataclass(slots=True)
class EjRecord:
    """An entité juridique as sent by FINESS."""

    line: int
    finess: str
    values: dict[str, Any]
    where: str | None = None


@dataclass(slots=True)
class EgRecord:
    """An établissement (EG / ET) as sent by FINESS, with the FINESS number of its EJ.

    ``postal_code``/``city`` are set by formats without a COG commune code (FHIR): the service
    resolves the commune from them. ``departement`` is the COG département the source states.
    """

    line: int
    finess: str
    ej_finess: str | None
    values: dict[str, Any]
    postal_code: str | None = None
    city: str | None = None
    departement: str | None = None
    where: str | None = None
    resolve_commune: bool = field(default=False)


@dataclass(slots=True)
class Rejected:
    """A source item that cannot be imported, with the reason (reported, then skipped)."""

    line: int
    reason: str
    entity: str = "etablissement"
    finess: str | None = None
    where: str | None = None


Record = EjRecord | EgRecord | Rejected


def clean(value: Any) -> str | None:
    """Trimmed text, ``None`` for absent or blank values (legacy values keep fixed-width padding)."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def parse_date(value: Any) -> date | None:
    """``YYYY-MM-DD`` (optionally followed by a time) or ``dd/mm/yyyy``; ValueError otherwise."""
    text = clean(value)
    if text is None:
        return None
    if match := _ISO_DATE.match(text):
        year, month, day = match.groups()
    elif match := _FR_DATE.match(text):
        day, month, year = match.groups()
    else:
        raise ValueError(f"date illisible {text!r}")
    return date(int(year), int(month), int(day))


def parse_timestamp(value: Any) -> datetime | None:
    """Best effort for ``dateDerniereMaj``-like stamps; ``None`` when absent or unreadable."""
    text = clean(value)
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def split_postal_line(value: Any) -> tuple[str | None, str | None]:
    """``"01440 VIRIAT"`` → (``"01440"``, ``"VIRIAT"``); a line without postal code is all city."""
    text = clean(value)
    if text is None:
        return None, None
    if match := _POSTAL_LINE.match(text):
        return match.group(1), clean(match.group(2))
    return None, text


def coordinate(value: Any) -> float | None:
    """A WGS84 degree value rounded to 1e-7 (≈1 cm) so re-imports compare equal."""
    text = clean(value)
    if text is None:
        return None
    return round(float(text.replace(",", ".")), 7)


def closure(closed: bool, date_fermeture: date | None) -> dict[str, Any]:
    """The three closure columns of an EG from "is closed" and the closure date."""
    return {
        "ferme": closed,
        "date_fermeture": date_fermeture if closed else None,
        "type_fermeture_code": TYPE_FERMETURE_DEFINITIVE if closed else None,
    }
