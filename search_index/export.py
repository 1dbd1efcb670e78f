"""Search results as spreadsheet rows (CSV for any tool, XLSX for Excel users).

CSV uses ``;`` and a UTF-8 byte-order mark because that is what a French Excel opens correctly by
double-click; multi-valued facets are joined with `` | ``.

Visibility: rows come from the public index, i.e. the policy's public profile
(``ror_graph.services.policy.visibility.PUBLIC``) whoever downloads the file, and the columns are an
explicit list of public fields (no contact at all, the EG's FINESS switchboard only): a field added
to the documents never reaches a spreadsheet unless it is listed here.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from typing import Any

from openpyxl import Workbook

from ror_graph.models import registry


def _label(key: str) -> Callable[[dict], Any]:
    return lambda hit: (hit.get(key) or {}).get("label")


def _labels(key: str) -> Callable[[dict], Any]:
    return lambda hit: " | ".join(v["label"] for v in hit.get(key) or []) or None


def _nested(key: str, sub: str) -> Callable[[dict], Any]:
    return lambda hit: (hit.get(key) or {}).get(sub)


def _position(sub: str) -> Callable[[dict], Any]:
    return lambda hit: (hit.get("position") or {}).get(sub)


EXPORT_COLUMNS: list[tuple[str, Callable[[dict], Any]]] = [
    ("identifiant", lambda h: h.get("identifiant")),
    ("offre", lambda h: h.get("nom")),
    ("finess", lambda h: h.get("finess")),
    ("raison_sociale", lambda h: h.get("raisonSociale")),
    ("nom_operationnel", lambda h: h.get("nomOperationnel")),
    # one column per registry ``export`` header (labels; multi-valued ones joined with " | ")
    *((header, (_labels if group[0].multiple else _label)(group[0].document))  # type: ignore[arg-type]
      for header, group in registry.exports().items()),
    ("age_min", lambda h: h.get("ageMin")),
    ("age_max", lambda h: h.get("ageMax")),
    ("adresse", lambda h: h.get("adresse")),
    ("code_postal", lambda h: h.get("codePostal")),
    ("commune_code", _nested("commune", "code")),
    ("commune", _nested("commune", "nom")),
    ("departement", _nested("departement", "nom")),
    ("region", _nested("region", "nom")),
    ("telephone", lambda h: h.get("telephone")),
    ("latitude", _position("lat")),
    ("longitude", _position("lng")),
    ("distance_km", lambda h: h.get("distanceKm")),
]
HEADERS = [name for name, _ in EXPORT_COLUMNS]


def _safe(value: Any) -> Any:
    """Neutralise spreadsheet formulas (CSV/formula injection) in declared free text."""
    if isinstance(value, str) and value and (
        value[0] in "=@\t\r" or (value[0] in "+-" and not value[1:2].isdigit())
    ):
        return "'" + value
    return value


def export_row(hit: dict[str, Any]) -> list[Any]:
    return [_safe(get(hit)) for _, get in EXPORT_COLUMNS]


def to_csv(hits: Iterable[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADERS)
    for hit in hits:
        writer.writerow(["" if v is None else v for v in export_row(hit)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(hits: Iterable[dict[str, Any]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("offres")
    sheet.append(HEADERS)
    for hit in hits:
        sheet.append(export_row(hit))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
