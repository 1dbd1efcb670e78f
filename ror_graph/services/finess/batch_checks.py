"""Which FINESS records of a batch may be written: the rejections and counts of ``FinessBatchWriter``.

Kept apart from the writer so the rules a record must pass read in one place; a rejected record
goes to the import report with its line and reason and is never written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TypeVar

from sqlmodel import SQLModel

from ror_graph.models import EntiteJuridique, Etablissement, finess_owned_fields
from ror_graph.models.base import table_of
from ror_graph.services.core.validation import finess_ok
from ror_graph.services.finess.parsers import EgRecord, EjRecord, Rejected
from ror_graph.services.finess.reference import FinessReference
from ror_graph.services.finess.report import EG_ENTITY, EJ_ENTITY, ImportReport

# FINESS category codes (TRE_R66 / FINESS+ TRE_R397) are 3 digits; the ROR value set JDV_J55 adds 4 TRE_R02
# sector codes (SA05…) for cabinets. The full TRE_R66 is not shipped, so a well-formed code outside JDV_J55 is
# imported (FINESS owns identity) and counted as "hors périmètre ROR"; only malformed codes are rejected.
_CATEGORY_RE = re.compile(r"^(?:\d{3}|SA\d{2})$")

RecordT = TypeVar("RecordT", EjRecord, EgRecord)


def _max_lengths(model: type[SQLModel]) -> dict[str, int]:
    """Length limit of each bounded text column: a longer value is rejected, not truncated."""
    lengths = {c.name: getattr(c.type, "length", None) for c in table_of(model).columns}
    return {name: length for name, length in lengths.items() if length}


class RecordChecks:
    """Validation of the records of one import (FINESS-owned fields, numbers, categories, lengths)."""

    def __init__(self, reference: FinessReference, report: ImportReport) -> None:
        self.reference, self.report = reference, report
        self.owned = {EJ_ENTITY: set(finess_owned_fields(EntiteJuridique)),
                      EG_ENTITY: set(finess_owned_fields(Etablissement))}
        self.max_lengths = {EJ_ENTITY: _max_lengths(EntiteJuridique), EG_ENTITY: _max_lengths(Etablissement)}

    def reason(self, record: EjRecord | EgRecord, entity: str) -> str | None:
        """Reason to reject ``record``, or None."""
        unknown = set(record.values) - self.owned[entity]
        if unknown:  # a parser bug, not bad input: never let it write a declared field
            raise AssertionError(f"parser sent non-FINESS fields {sorted(unknown)}")
        if not finess_ok(record.finess):
            return f"numéro FINESS invalide {record.finess!r} (format ou clé)"
        if isinstance(record, EgRecord):
            if not record.ej_finess or not finess_ok(record.ej_finess):
                return f"numéro FINESS EJ invalide {record.ej_finess!r} (format ou clé)"
            category = record.values.get("categorie_code")
            if category is not None and not _CATEGORY_RE.match(category):
                return f"catégorie {category!r} mal formée (code FINESS à 3 chiffres attendu)"
        if "raison_sociale" in record.values and not record.values["raison_sociale"]:
            return "raison sociale absente"
        for name, value in record.values.items():
            limit = self.max_lengths[entity].get(name)
            if limit and isinstance(value, str) and len(value) > limit:
                return f"{name}: {len(value)} caractères, {limit} au plus"
        return None

    def count_perimeter(self, records: Iterable[EgRecord]) -> None:
        """Count EGs outside the ROR perimeter: imported (identity is FINESS's), but worth knowing."""
        for record in records:
            category = record.values.get("categorie_code")
            if category is not None and category not in self.reference.categories:
                self.report.etablissement.hors_perimetre += 1

    def valid(self, records: Sequence[RecordT], entity: str) -> list[RecordT]:
        """The records to write; the others (invalid, or a FINESS number repeated) go to the report."""
        kept: dict[str, RecordT] = {}
        for record in records:
            reason = self.reason(record, entity)
            if reason is None and record.finess in kept:
                reason = f"numéro FINESS en double dans le fichier (déjà ligne {kept[record.finess].line})"
            if reason:
                self.report.reject(Rejected(record.line, reason, entity, record.finess, record.where))
            else:
                kept[record.finess] = record
        return list(kept.values())
