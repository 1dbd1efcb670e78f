"""Readers of the FINESS formats; each yields plain records (no database access).

``parse(stream, fmt)`` dispatches to ``finess_plus``, ``etalab`` or ``fhir`` (structures: EJ/EG) or
``activites`` (FINESS+ "FINESS Activités": capacities per EG, ``CapacitesRecord``); ``check_format``
resolves ``auto`` from the first bytes and refuses a file that is none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from ror_graph.services.finess.parsers.activites import (
    FINESS_ACTIVITES,
    CapaciteRow,
    CapacitesRecord,
    parse_finess_activites,
)
from ror_graph.services.finess.parsers.detect import ALL_FORMATS, check_format, detect_format
from ror_graph.services.finess.parsers.etalab import parse_etalab
from ror_graph.services.finess.parsers.fhir import parse_fhir
from ror_graph.services.finess.parsers.finess_plus import parse_finess_plus
from ror_graph.services.finess.parsers.records import (
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

PARSERS: dict[str, Callable[[BinaryIO], Iterator[Any]]] = {
    FINESS_PLUS: parse_finess_plus,
    ETALAB: parse_etalab,
    FHIR: parse_fhir,
    FINESS_ACTIVITES: parse_finess_activites,
}


def parse(stream: BinaryIO, fmt: str) -> Iterator[Any]:
    """Records of ``stream`` read as ``fmt`` (one of ``ALL_FORMATS``); ``stream`` must be seekable binary.

    ``Record`` for the structures formats, ``CapacitesRecord | Rejected`` for ``finess-activites``.
    """
    return PARSERS[fmt](stream)


__all__ = [
    "ALL_FORMATS",
    "ETALAB",
    "FHIR",
    "FINESS_ACTIVITES",
    "FINESS_PLUS",
    "FORMATS",
    "CapaciteRow",
    "CapacitesRecord",
    "EgRecord",
    "EjRecord",
    "FinessFormatError",
    "Record",
    "Rejected",
    "check_format",
    "detect_format",
    "parse",
    "parse_finess_activites",
]
