"""Opening hours of an offer: validation (ISO weekday 1..7, start before end, TRE_R252 slot type) and writes."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Horaire, registry
from ror_graph.services.core.errors import BadInputError
from ror_graph.services.core.validation import check_attribute_codes
from ror_graph.services.core.write_common import check_int, check_list, clean_code
from ror_graph.services.unite.inputs import HoraireInput

TYPE_HORAIRE = registry.attribute(registry.Entity.unite, "horaires_type")
HORAIRE_KEYS = ("jour", "heure_debut", "heure_fin", "type_code", "date_debut_effective", "date_fin_effective")


def _sort_key(row: dict[str, Any]) -> tuple:
    return tuple(str(row[k]) for k in HORAIRE_KEYS)


async def clean_horaires(session: AsyncSession, value: Any) -> list[dict[str, Any]]:
    """Validated slots as sorted dicts; an unknown slot type (TRE_R252) is an ``InvalidCodeError``."""
    rows = []
    for i, item in enumerate(check_list(value, field="horaires", max_items=100)):
        where = f"horaires[{i}]"
        if not isinstance(item, HoraireInput):
            raise BadInputError("Expected an opening slot.", field=where)
        jour = check_int(item.jour, field=f"{where}.jour", low=1, high=7, required=True)
        if not isinstance(item.heure_debut, time) or not isinstance(item.heure_fin, time):
            raise BadInputError("Start and end times are required.", field=f"{where}.heureDebut")
        if item.heure_debut.tzinfo is not None or item.heure_fin.tzinfo is not None:
            raise BadInputError("Times are local wall-clock times, without an offset.", field=f"{where}.heureDebut")
        if item.heure_debut >= item.heure_fin:
            raise BadInputError("The start time must be before the end time.", field=f"{where}.heureFin")
        start, end = item.date_debut_effective, item.date_fin_effective
        for name, day in (("dateDebutEffective", start), ("dateFinEffective", end)):
            if day is not None and not isinstance(day, date):
                raise BadInputError("Expected a date.", field=f"{where}.{name}")
        if start is not None and end is not None and start > end:
            raise BadInputError("The effective period ends before it starts.", field=f"{where}.dateFinEffective")
        rows.append({"jour": jour, "heure_debut": item.heure_debut, "heure_fin": item.heure_fin,
                     "type_code": clean_code(item.type_code, field=f"{where}.type") or "02",
                     "date_debut_effective": start, "date_fin_effective": end})
    await check_attribute_codes(session, TYPE_HORAIRE, [str(row["type_code"]) for row in rows], field="horaires.type")
    return sorted(rows, key=_sort_key)


async def current_horaires(session: AsyncSession, unite_id: int) -> list[dict[str, Any]]:
    rows = (await session.exec(select(Horaire).where(Horaire.unite_id == unite_id))).all()
    return sorted(({k: getattr(r, k) for k in HORAIRE_KEYS} for r in rows), key=_sort_key)


async def write_horaires(session: AsyncSession, unite_id: int, rows: list[dict[str, Any]]) -> None:
    conn = await session.connection()
    await conn.execute(delete(Horaire).where(col(Horaire.unite_id) == unite_id))
    session.add_all(Horaire(unite_id=unite_id, **row) for row in rows)
