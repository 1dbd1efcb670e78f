"""What a FINESS import did: counts per entity, rejected lines with their reason."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ror_graph.services.finess.parsers import Rejected

EJ_ENTITY = "entite_juridique"
EG_ENTITY = "etablissement"
#: Rejected lines kept with their detail in the report (the counts go on): bounded memory and JSON.
MAX_REJECTED_DETAILS = 1000


@dataclass
class EntityCounts:
    """Per-entity outcome. ``closed`` counts entities that became closed (a subset of created/updated)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0
    rejected: int = 0
    placeholders: int = 0
    hors_perimetre: int = 0  # EG whose category is not in the ROR value set JDV_J55 (imported all the same)

    @property
    def processed(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class RejectedLine:
    """One skipped source item: its line (item number for JSON), entity, FINESS number and reason."""

    line: int
    entity: str
    reason: str
    finess: str | None = None
    where: str | None = None


@dataclass
class ImportReport:
    """Outcome of ``import_finess`` (also stored as JSON on the ``ImportRun`` row)."""

    source: str
    format: str
    dry_run: bool
    entite_juridique: EntityCounts = field(default_factory=EntityCounts)
    etablissement: EntityCounts = field(default_factory=EntityCounts)
    rejected_lines: list[RejectedLine] = field(default_factory=list)
    corrections_kept: int = 0
    corrections_replaced: int = 0
    run_id: int | None = None
    seconds: float = 0.0
    status: str = "running"

    def counts(self, entity: str) -> EntityCounts:
        return self.entite_juridique if entity == EJ_ENTITY else self.etablissement

    @property
    def rejected(self) -> int:
        return self.entite_juridique.rejected + self.etablissement.rejected

    def reject(self, item: Rejected) -> None:
        """Count a rejected item and keep its detail while under ``MAX_REJECTED_DETAILS``."""
        entity = EJ_ENTITY if item.entity == EJ_ENTITY else EG_ENTITY
        self.counts(entity).rejected += 1
        if len(self.rejected_lines) < MAX_REJECTED_DETAILS:
            self.rejected_lines.append(RejectedLine(item.line, entity, item.reason, item.finess, item.where))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rejected_total"] = self.rejected
        data["rejected_details_truncated"] = self.rejected > len(self.rejected_lines)
        return data
