"""Readers of the three FINESS formats; each yields plain records (no database access).

``parse(stream, fmt)`` dispatches to ``finess_plus``, ``etalab`` or ``fhir``; ``check_format``
resolves ``auto`` from the first bytes and refuses a file that is none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import BinaryIO

from ror_graph.importers.finess.detect import check_format, detect_format
from ror_graph.importers.finess.etalab import parse_etalab
from ror_graph.importers.finess.fhir import parse_fhir
from ror_graph.importers.finess.finess_plus import parse_finess_plus
from ror_graph.importers.finess.records import (
    ETALAB,
    FHIR,
    FINESS_PLUS,
    FORMATS,
    EgRecord,
    EjRecord,
    FinessFormatError,
    Record,
    Rejected,
)

PARSERS: dict[str, Callable[[BinaryIO], Iterator[Record]]] = {
    FINESS_PLUS: parse_finess_plus,
    ETALAB: parse_etalab,
    FHIR: parse_fhir,
}


def parse(stream: BinaryIO, fmt: str) -> Iterator[Record]:
    """Records of ``stream`` read as ``fmt`` (one of ``FORMATS``); ``stream`` must be seekable binary."""
    return PARSERS[fmt](stream)


__all__ = [
    "ETALAB",
    "FHIR",
    "FINESS_PLUS",
    "FORMATS",
    "EgRecord",
    "EjRecord",
    "FinessFormatError",
    "Record",
    "Rejected",
    "check_format",
    "detect_format",
    "parse",
]
