"""Which FINESS records of a batch may be written: the rejections and counts of ``FinessBatchWriter``.

Kept apart from the writer so the rules a record must pass read in one place; a rejected record
goes to the import report with its line and reason and is never written.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from sqlmodel import SQLModel

from ror_graph.models import EntiteJuridique, Etablissement, finess_owned_fields, registry
from ror_graph.models.base import table_of
from ror_graph.models.registry import Entity
from ror_graph.services.core.validation import (
    commune_code_ok,
    departement_code_ok,
    email_ok,
    finess_ok,
    phone_ok,
    postal_code_ok,
    region_code_ok,
    siren_ok,
    siret_ok,
)
from ror_graph.services.finess.parsers import EgRecord, EjRecord, Rejected
from ror_graph.services.finess.reference import FinessReference
from ror_graph.services.finess.report import EG_ENTITY, EJ_ENTITY, ImportReport

# FINESS category codes (TRE_R66 / FINESS+ TRE_R397) are 3 digits; the ROR value set JDV_J55 adds 4 TRE_R02
# sector codes (SA05…) for cabinets. The full TRE_R66 is not shipped, so a well-formed code outside JDV_J55 is
# imported (FINESS owns identity) and counted as "hors périmètre ROR"; only malformed codes are rejected.
_CATEGORY_RE = re.compile(r"^(?:\d{3}|SA\d{2})$")

RecordT = TypeVar("RecordT", EjRecord, EgRecord)

#: French names of the FINESS-owned columns, for messages (the address is not in the attribute registry).
ADDRESS_LABELS = {
    "numero_voie": "N° de voie",
    "type_voie": "Type de voie",
    "libelle_voie": "Libellé de voie",
    "complement_voie": "Complément d'adresse",
    "lieu_dit": "Lieu-dit",
    "code_postal": "Code postal",
    "libelle_acheminement": "Libellé d'acheminement",
    "commune_code": "Commune (COG)",
}
FIELD_LABELS = {**ADDRESS_LABELS, **registry.admin_labels(Entity.ej), **registry.admin_labels(Entity.eg),
                "departement_code": "Département", "region_code": "Région"}

#: Shape of each checked FINESS text value and what the message asks for: one list for the importer and
#: support corrections, so a value the importer would reject can never be typed in by hand.
SHAPES: dict[str, tuple[Callable[[str], bool], str]] = {
    "finess": (finess_ok, "numéro FINESS invalide (9 caractères, clé de contrôle)"),
    "code_postal": (postal_code_ok, "code postal de 5 chiffres attendu (par exemple 49000)"),
    "commune_code": (commune_code_ok, "code commune INSEE (COG) de 5 caractères attendu, 2A/2B en Corse "
                                      "(par exemple 49007 pour Angers ; ce n'est pas le code postal)"),
    "departement_code": (departement_code_ok, "code département attendu : 2 chiffres, 2A/2B ou 971 à 976"),
    "region_code": (region_code_ok, "code région INSEE de 2 chiffres attendu (par exemple 52)"),
    "siren": (siren_ok, "SIREN invalide (9 chiffres avec clé de Luhn)"),
    "siret": (siret_ok, "SIRET invalide (14 chiffres avec clé de Luhn)"),
    "telephone": (phone_ok, "numéro de téléphone invalide (10 chiffres commençant par 0, ou +33…)"),
    "telecopie": (phone_ok, "numéro de télécopie invalide (10 chiffres commençant par 0, ou +33…)"),
    "courriel": (email_ok, "adresse électronique invalide (nom@domaine.fr)"),
    "categorie_code": (lambda v: bool(_CATEGORY_RE.match(v)), "code catégorie FINESS à 3 chiffres attendu "
                                                              "(par exemple 500 pour un EHPAD)"),
}
#: Checked on import too. The others (phones, e-mails, postal codes) arrive as FINESS publishes them,
#: sometimes malformed: FINESS owns them, so an import keeps them and only a correction must be right.
IMPORT_SHAPES = frozenset({"finess", "categorie_code"})


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name)


def value_problem(model: type[SQLModel], name: str, value: Any, *, shapes: Iterable[str] = SHAPES) -> str | None:
    """Why a FINESS-owned ``value`` of ``name`` is malformed, in French, or None.

    Length (a longer value is rejected, never truncated), a raison sociale present, then the shape
    of ``name`` among ``shapes``.
    """
    label = field_label(name)
    if name == "raison_sociale" and not value:
        return "raison sociale absente"
    limit = _max_lengths(model).get(name)
    if limit and isinstance(value, str) and len(value) > limit:
        return f"{label} : {len(value)} caractères, {limit} au plus"
    shape = SHAPES.get(name) if name in shapes else None
    if shape and isinstance(value, str) and not shape[0](value):
        return f"{label} « {value} » : {shape[1]}"
    return None


@functools.cache
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
        self.models: dict[str, type[SQLModel]] = {EJ_ENTITY: EntiteJuridique, EG_ENTITY: Etablissement}

    def reason(self, record: EjRecord | EgRecord, entity: str) -> str | None:
        """Reason to reject ``record``, or None."""
        unknown = set(record.values) - self.owned[entity]
        if unknown:  # a parser bug, not bad input: never let it write a declared field
            raise AssertionError(f"parser sent non-FINESS fields {sorted(unknown)}")
        if not finess_ok(record.finess):
            return f"numéro FINESS invalide {record.finess!r} (format ou clé)"
        if isinstance(record, EgRecord) and not (record.ej_finess and finess_ok(record.ej_finess)):
            return f"numéro FINESS EJ invalide {record.ej_finess!r} (format ou clé)"
        for name, value in record.values.items():
            if value is None and name != "raison_sociale":
                continue
            problem = value_problem(self.models[entity], name, value, shapes=IMPORT_SHAPES)
            if problem:
                return problem
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
