"""Code labels: a process-wide copy of the nomenclature table, shared by every request.

Nomenclatures are static reference data (a few thousand rows, changed only by
``ror-graph load-reference``), so labelling a code is a dictionary lookup instead of a query; the copy
is refreshed when older than ``max_age`` seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.services.directory import batch as directory


@dataclass(frozen=True, slots=True)
class Concept:
    """A coded value with its label (``None`` when the code is not in the loaded nomenclature)."""

    code: str
    label: str | None
    system: str


@dataclass
class NomenclatureCache:
    """(system, code) → label, and each system's codes in order."""

    max_age: float = 600.0
    labels: dict[tuple[str, str], str] = field(default_factory=dict)
    systems: dict[str, list[Concept]] = field(default_factory=dict)
    loaded_at: float | None = None

    @property
    def stale(self) -> bool:
        return self.loaded_at is None or time.monotonic() - self.loaded_at > self.max_age

    async def refresh(self, session: AsyncSession) -> None:
        rows = await directory.nomenclature_rows(session)
        systems: dict[str, list[Concept]] = {}
        for system, code, label in rows:
            systems.setdefault(system, []).append(Concept(code=code, label=label, system=system))
        self.systems = systems
        self.labels = {(system, code): label for system, code, label in rows}
        self.loaded_at = time.monotonic()

    def concept(self, system: str, code: str | None) -> Concept | None:
        if code is None:
            return None
        return Concept(code=code, label=self.labels.get((system, code)), system=system)
