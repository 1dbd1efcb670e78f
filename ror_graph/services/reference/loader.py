"""Load reference data (nomenclatures, COG geography) idempotently: insert new, update changed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import insert, update
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Commune, Departement, Nomenclature, Region
from ror_graph.models.base import table_of
from ror_graph.services.reference import files
from ror_graph.services.reference.coverage import PrecisionShare, position_coverage


@dataclass
class LoadCounts:
    """What a load did to one table."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ReferenceReport:
    tables: dict[str, LoadCounts] = field(default_factory=dict)
    positions: list[PrecisionShare] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(c.inserted or c.updated for c in self.tables.values())


async def _upsert(
    session: AsyncSession, model: type[SQLModel], rows: Iterable[dict], key: tuple[str, ...]
) -> LoadCounts:
    """Insert rows whose key is new, update those whose other columns differ, in bulk."""
    columns = [c.name for c in table_of(model).columns if c.name != "id"]
    existing: dict[tuple, dict] = {}
    for obj in await session.exec(select(model)):
        data = {c: getattr(obj, c) for c in [*columns, "id"] if hasattr(obj, c)}
        existing[tuple(data[k] for k in key)] = data
    counts = LoadCounts()
    to_insert, to_update = [], []
    for row in rows:
        current = existing.get(tuple(row[k] for k in key))
        if current is None:
            to_insert.append(row)
        elif any(current.get(c) != row.get(c) for c in row):
            to_update.append({**row, **({"id": current["id"]} if "id" in current else {})})
        else:
            counts.unchanged += 1
    table = table_of(model)
    conn = await session.connection()  # Core bulk statements, same transaction as the session
    for start in range(0, len(to_insert), 2000):
        await conn.execute(insert(table), to_insert[start : start + 2000])
    pk = [c.name for c in table.primary_key.columns]
    for row in to_update:
        await conn.execute(
            update(table).where(*(table.c[p] == row[p] for p in pk)).values(
                **{k: v for k, v in row.items() if k not in pk}
            )
        )
    counts.inserted, counts.updated = len(to_insert), len(to_update)
    return counts


async def load_reference(session: AsyncSession) -> ReferenceReport:
    """Load every shipped nomenclature and the COG geography; commits. Safe to run again."""
    report = ReferenceReport()
    nomenclature_rows = [row for path in files.nomenclature_files() for row in files.read_nomenclature(path)]
    report.tables["nomenclature"] = await _upsert(session, Nomenclature, nomenclature_rows, ("system", "code"))
    report.tables["region"] = await _upsert(session, Region, files.read_regions(), ("code",))
    report.tables["departement"] = await _upsert(session, Departement, files.read_departements(), ("code",))
    report.tables["commune"] = await _upsert(session, Commune, files.read_communes(), ("code",))
    report.positions = await position_coverage(session)
    await session.commit()
    return report
