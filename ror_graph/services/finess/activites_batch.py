"""Apply batches of a FINESS+ "FINESS Activités" file: FINESS's capacity set of each EG.

FINESS owns ``CapaciteFiness``: for every EG present in the file, its stored set is replaced by the
file's (possibly empty) set, within the batch transaction. Sets are compared as multisets *before*
writing, so an unchanged EG costs one read and writes nothing (a re-import reports 0 created /
0 updated and leaves no audit or outbox row). A changed EG gets one audit row (field
``capacites_finess``, old/new as a compact summary) and one outbox row (its search document shows
the capacities).

Counts go to ``report.etablissement`` per EG: *created* (no FINESS capacity before), *updated*
(the set changed, including to empty), *unchanged*; an EG unknown in the database (import the
"FINESS Structures" file first) or present twice is rejected with its ``pmej[i].ege[j]`` path.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import CapaciteFiness, Etablissement
from ror_graph.models.base import table_of
from ror_graph.services.core.changes import SYSTEM_IMPORT
from ror_graph.services.core.validation import finess_ok
from ror_graph.services.finess.bulk_changes import BulkChangeSet
from ror_graph.services.finess.parsers import CapaciteRow, CapacitesRecord, Rejected
from ror_graph.services.finess.report import EG_ENTITY, ImportReport

AUDIT_FIELD = "capacites_finess"
ROW_FIELDS = ("discipline_code", "activite_code", "clientele_code", "statut_code", "nombre", "age_min", "age_max",
              "date_autorisation")


def summary(rows: list[CapaciteRow]) -> str | None:
    """Compact, stable text of a capacity set for the audit log, e.g. ``09 841/16/318=20 (3-20 ans) 2020-05-26``."""
    if not rows:
        return None
    parts = []
    for row in sorted(rows, key=CapaciteRow.sort_key):
        text = (f"{row.statut_code} {row.discipline_code or '-'}/{row.activite_code or '-'}/"
                f"{row.clientele_code or '-'}={row.nombre}")
        if row.age_min is not None or row.age_max is not None:
            text += f" ({'' if row.age_min is None else row.age_min}-{'' if row.age_max is None else row.age_max} ans)"
        if row.date_autorisation is not None:
            text += f" {row.date_autorisation.isoformat()}"
        parts.append(text)
    return "; ".join(parts)


class ActivitesBatchWriter:
    """Writes the batches of one "FINESS Activités" import; same ``write(batch)`` contract as ``FinessBatchWriter``."""

    def __init__(self, session: AsyncSession, report: ImportReport, *, now: datetime, motif: str) -> None:
        self.session, self.report, self.now, self.motif = session, report, now, motif
        self._seen: dict[str, str] = {}  # FINESS number → where it was first seen (whole file)

    def _valid(self, records: list[CapacitesRecord]) -> list[CapacitesRecord]:
        kept = []
        for record in records:
            if not finess_ok(record.finess):
                reason = f"numéro FINESS EG invalide {record.finess!r} (format ou clé)"
            elif record.finess in self._seen:
                reason = f"EG en double dans le fichier (déjà {self._seen[record.finess]})"
            else:
                self._seen[record.finess] = record.where
                kept.append(record)
                continue
            self.report.reject(Rejected(record.line, reason, EG_ENTITY, record.finess, record.where))
        return kept

    async def _current(self, eg_ids: list[int]) -> dict[int, Counter[CapaciteRow]]:
        table = table_of(CapaciteFiness)
        conn = await self.session.connection()
        result = await conn.execute(select(table.c.etablissement_id, *(table.c[f] for f in ROW_FIELDS)).where(
            table.c.etablissement_id.in_(eg_ids)))
        current: dict[int, Counter[CapaciteRow]] = {eg_id: Counter() for eg_id in eg_ids}
        for eg_id, *values in result:
            current[eg_id][CapaciteRow(*values)] += 1
        return current

    async def write(self, records: list[CapacitesRecord]) -> None:
        """Replace the capacity set of every changed EG of the batch (the caller commits)."""
        records = self._valid(records)
        if not records:
            return
        eg_table = table_of(Etablissement)
        conn = await self.session.connection()
        ids: dict[str, int] = dict((await conn.execute(select(eg_table.c.finess, eg_table.c.id).where(
            eg_table.c.finess.in_([r.finess for r in records])))).all())
        current = await self._current(list(ids.values()))
        cs = BulkChangeSet(self.session, SYSTEM_IMPORT, self.motif, now=self.now)
        counts = self.report.etablissement
        replaced: list[int] = []
        inserts: list[dict[str, Any]] = []
        for record in records:
            eg_id = ids.get(record.finess)
            if eg_id is None:
                self.report.reject(Rejected(record.line, "EG inconnu de la base (importer d'abord le fichier "
                                            "FINESS Structures)", EG_ENTITY, record.finess, record.where))
                continue
            before = current[eg_id]
            if before == Counter(record.rows):
                counts.unchanged += 1
                continue
            if before:
                counts.updated += 1
            else:
                counts.created += 1
            replaced.append(eg_id)
            inserts.extend({"etablissement_id": eg_id, **dict(zip(ROW_FIELDS, _values(row), strict=True))}
                           for row in record.rows)
            cs.record(EG_ENTITY, record.finess, AUDIT_FIELD, summary(list(before.elements())), summary(record.rows))
            cs.enqueue(EG_ENTITY, eg_id)
        if replaced:
            table = table_of(CapaciteFiness)
            await conn.execute(delete(table).where(table.c.etablissement_id.in_(replaced)))
            if inserts:
                await conn.execute(insert(table), inserts)
        await cs.flush()


def _values(row: CapaciteRow) -> tuple[Any, ...]:
    return tuple(getattr(row, name) for name in ROW_FIELDS)
