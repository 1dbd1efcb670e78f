"""Creating and changing campaigns (support, back office): checked values, audit rows, one transaction.

The territory is a région and/or départements that exist in the COG reference; categories are FINESS
EG categories; the deadline follows the opening. Dates are days: the campaign opens at 00:00 and its
deadline is the end of the day (23:59:59), Paris time being close enough to UTC for a yearly campaign.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import AuditLog, Campagne, Departement, Region, utcnow
from ror_graph.services.core.errors import BadInputError, NotFoundError

AUDITED = ("nom", "region_code", "departements", "categories", "ouverture", "echeance", "active")


@dataclass(frozen=True)
class CampagneInput:
    """What support types in the campaign form."""

    nom: str
    ouverture: date
    echeance: date
    region_code: str | None = None
    departements: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    active: bool = True


def split_codes(text: str | None) -> list[str]:
    """« 44, 49 85 » → ``["44", "49", "85"]`` (commas, spaces or new lines)."""
    return sorted({c.strip().upper() for c in (text or "").replace(",", " ").split() if c.strip()})


async def _clean(session: AsyncSession, data: CampagneInput) -> dict[str, Any]:
    nom = (data.nom or "").strip()
    if not nom or len(nom) > 200:
        raise BadInputError("Le nom est obligatoire (200 caractères au plus).", field="nom")
    if data.echeance <= data.ouverture:
        raise BadInputError("L'échéance doit suivre l'ouverture.", field="echeance")
    region = (data.region_code or "").strip() or None
    if region is None and not data.departements:
        raise BadInputError("Indiquez une région ou des départements.", field="region_code")
    if region is not None and await session.get(Region, region) is None:
        raise BadInputError(f"Région inconnue : {region}.", field="region_code")
    known = dict((await session.exec(select(Departement.code, Departement.region_code).where(
        col(Departement.code).in_(data.departements)))).all())
    unknown = [d for d in data.departements if d not in known]
    if unknown:
        raise BadInputError(f"Département(s) inconnu(s) : {', '.join(unknown)}.", field="departements")
    outside = [d for d in data.departements if region and known[d] != region]
    if outside:
        raise BadInputError(f"Département(s) hors de la région {region} : {', '.join(outside)}.", field="departements")
    if any(len(c) > 10 for c in data.categories):
        raise BadInputError("Catégorie FINESS invalide.", field="categories")
    return {"nom": nom, "region_code": region, "departements": list(data.departements),
            "categories": list(data.categories), "active": data.active,
            "ouverture": datetime.combine(data.ouverture, time(0, 0), tzinfo=UTC),
            "echeance": datetime.combine(data.echeance, time(23, 59, 59), tzinfo=UTC)}


async def enregistrer_campagne(session: AsyncSession, data: CampagneInput, *, actor: str, role: str,
                               campagne_id: int | None = None, now: datetime | None = None) -> Campagne:
    """Create (``campagne_id`` None) or change a campaign; audited; commits. Bad input changes nothing."""
    now = now or utcnow()
    values = await _clean(session, data)
    if campagne_id is None:
        row, before = Campagne(**values, created_at=now), {}
        session.add(row)
    else:
        found = await session.get(Campagne, campagne_id)
        if found is None:
            raise NotFoundError("Campagne introuvable.")
        row, before = found, {k: getattr(found, k) for k in AUDITED}
        for key, value in values.items():
            setattr(row, key, value)
    await session.flush()
    change_id = str(uuid.uuid4())
    session.add_all(AuditLog(at=now, entity="campagne", entity_id=str(row.id), field=k, old_value=_text(before.get(k)),
                             new_value=_text(values[k]), actor=actor, role=role, source="admin", change_id=change_id)
                    for k in AUDITED if _text(before.get(k)) != _text(values[k]))
    await session.commit()
    await session.refresh(row)
    return row


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ",".join(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return str(value)
