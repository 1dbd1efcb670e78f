"""Parse a FHIR search query string into typed criteria, or refuse it with a ``FhirError``.

Rules (FHIR R4 search): a parameter repeated means AND, a comma inside a value means OR; modifiers
``:exact`` and ``:contains`` on strings, ``:missing`` on every parameter; ``_count`` defaults to 50
and is capped at 200; a parameter the server does not know is an error with ``Prefer:
handling=strict`` and is ignored (and reported in the Bundle's OperationOutcome) otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

DEFAULT_COUNT, MAX_COUNT = 50, 200
CONTROL = {"_count", "_offset", "_after", "_sort", "_elements", "_summary", "_include", "_revinclude",
           "_format", "_pretty", "_total"}  # the last three are accepted and change nothing (JSON, exact total)
STRING_MODIFIERS = {"exact", "contains"}
DATE_PREFIXES = ("eq", "gt", "ge", "lt", "le", "sa", "eb")


class FhirError(Exception):
    """An error answered as an ``OperationOutcome`` with this HTTP status and issue code."""

    def __init__(self, status: int, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


@dataclass(frozen=True)
class Criterion:
    """One occurrence of a search parameter: its values are OR-ed, occurrences are AND-ed."""

    name: str
    modifier: str | None
    values: tuple[str, ...]


@dataclass
class Query:
    """A parsed search: criteria, paging, sort, includes, element filter, ignored parameters."""

    criteria: list[Criterion] = field(default_factory=list)
    count: int = DEFAULT_COUNT
    offset: int = 0
    after: str | None = None
    sort: list[str] = field(default_factory=list)
    elements: list[str] = field(default_factory=list)
    summary_count: bool = False
    includes: list[tuple[str, bool]] = field(default_factory=list)  # (Type:param, iterate)
    revincludes: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def _int(name: str, text: str, low: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise FhirError(400, f"{name} must be an integer, not {text!r}.") from None
    if value < low:
        raise FhirError(400, f"{name} must be at least {low}.")
    return value


def _control(query: Query, name: str, modifier: str | None, value: str) -> None:
    if name == "_count":
        query.count = min(_int("_count", value, 0), MAX_COUNT)
    elif name == "_offset":
        query.offset = _int("_offset", value, 0)
    elif name == "_after":
        query.after = value
    elif name == "_sort":
        query.sort = [v for v in value.split(",") if v]
    elif name == "_elements":
        query.elements = [v.strip() for v in value.split(",") if v.strip()]
    elif name == "_summary":
        if value not in ("count", "false"):
            raise FhirError(400, f"_summary={value} is not supported (count or false).", "not-supported")
        query.summary_count = value == "count"
    elif name == "_include":
        if modifier not in (None, "iterate"):
            raise FhirError(400, f"_include:{modifier} is not supported.", "not-supported")
        query.includes.append((value, modifier == "iterate"))
    elif name == "_revinclude":
        query.revincludes.append(value)


def parse(items: list[tuple[str, str]], known: dict[str, str], *, strict: bool) -> Query:
    """``items`` are the query string's (name, value) pairs; ``known`` maps parameter name → type."""
    query = Query()
    for raw, value in items:
        name, _, given = raw.partition(":")
        modifier = given or None
        if name in CONTROL:
            _control(query, name, modifier, value)
            continue
        kind = known.get(name)
        if kind is None:
            if strict:
                raise FhirError(400, f"Unknown search parameter {raw!r}.", "not-supported")
            query.ignored.append(raw)
            continue
        if modifier == "missing":
            if value not in ("true", "false"):
                raise FhirError(400, f"{raw} takes true or false.")
        elif modifier is not None and not (kind == "string" and modifier in STRING_MODIFIERS):
            raise FhirError(400, f"Modifier :{modifier} is not supported on {name}.", "not-supported")
        values = tuple(v for v in value.split(",") if v != "")
        if not values:
            raise FhirError(400, f"{raw} needs a value.")
        query.criteria.append(Criterion(name, modifier, values))
    return query


def date_range(value: str) -> tuple[str, datetime, datetime]:
    """``ge2025-01-01`` → (prefix, start, end) of the value's precision (day, or the instant itself)."""
    prefix = value[:2] if value[:2] in DATE_PREFIXES else "eq"
    text = value[2:] if value[:2] in DATE_PREFIXES else value
    try:
        if len(text) == 10:
            start = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
            return prefix, start, start + timedelta(days=1)
        instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FhirError(400, f"Invalid date {value!r} (YYYY-MM-DD or an ISO instant).") from None
    instant = instant if instant.tzinfo else instant.replace(tzinfo=UTC)
    return prefix, instant, instant + timedelta(microseconds=1)


def near(value: str) -> tuple[float, float, float]:
    """``lat|lon|distance|unit`` (unit ``km`` or ``m``, default 10 km) → (lat, lon, km)."""
    parts = value.split("|")
    try:
        lat, lon = float(parts[0]), float(parts[1])
        distance = float(parts[2]) if len(parts) > 2 and parts[2] else 10.0
    except (ValueError, IndexError):
        raise FhirError(400, f"near must be latitude|longitude|distance|unit, not {value!r}.") from None
    unit = parts[3] if len(parts) > 3 and parts[3] else "km"
    if unit not in ("km", "m") or not (-90 <= lat <= 90 and -180 <= lon <= 180) or distance <= 0:
        raise FhirError(400, f"Invalid near {value!r}: latitude, longitude, a positive distance, unit km or m.")
    return lat, lon, distance / 1000 if unit == "m" else distance
