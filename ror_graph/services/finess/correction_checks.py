"""What a support correction of a FINESS field must pass: the importer's shapes, then COG coherence.

A correction replaces what FINESS sent, so it must be at least as right as an imported value (the
shapes of ``batch_checks.SHAPES``, shared with the importer) and consistent with the rest of the
row: a commune of the COG, a postal code and a département that belong to that commune, a position
inside its département, dates in order, codes in their value set. Every refusal is a French
``BadInputError`` / ``InvalidCodeError`` on ``value`` naming the field and what to type instead.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Boolean, Date, Float, func
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Commune, Departement, Nomenclature, Region
from ror_graph.models.base import table_of
from ror_graph.models.coded import CODED_COLUMNS
from ror_graph.services.core.errors import BadInputError, InvalidCodeError
from ror_graph.services.core.validation import departement_of_commune, parse_decimal, parse_iso_date
from ror_graph.services.finess.batch_checks import field_label, value_problem
from ror_graph.services.finess.reference import departements_of_postal_code

_TRUE, _FALSE = {"true", "1", "oui", "yes", "vrai"}, {"false", "0", "non", "no", "faux"}
BOUNDS = {"latitude": 90.0, "longitude": 180.0}
#: Degrees around the communes' centres of a département still counted inside it (a centre is not a border).
POSITION_MARGIN = 0.15
#: (latitude, longitude) spans used when no commune of the département has a known centre: metropolitan
#: France with Corsica, and each overseas département (enough to catch swapped or mistyped coordinates).
METROPOLE = ((41.3, 51.1), (-5.2, 9.6))
OVERSEAS = {
    "971": ((15.8, 16.55), (-61.85, -60.95)), "972": ((14.38, 14.9), (-61.25, -60.8)),
    "973": ((2.1, 5.8), (-54.6, -51.6)), "974": ((-21.4, -20.85), (55.2, 55.85)),
    "975": ((46.7, 47.15), (-56.45, -56.1)), "976": ((-13.05, -12.6), (45.0, 45.3)),
}
#: Dates of one row that must come in this order (earliest first).
DATE_ORDER = (("date_creation", "date_fermeture"), ("date_ouverture", "date_fermeture"))


def _refuse(field: str, why: str) -> BadInputError:
    return BadInputError(f"{field_label(field)} : {why}", field="value")


def convert(model: type[SQLModel], field: str, value: str | None) -> Any:
    """``value`` typed for the column and shaped like an imported value; French ``BadInputError`` otherwise."""
    text = value.strip() if isinstance(value, str) else value
    column = table_of(model).columns[field]
    if text in (None, ""):
        if not column.nullable:
            raise _refuse(field, "ce champ ne peut pas être vide.")
        return None
    assert isinstance(text, str)
    label, kind = field_label(field), column.type
    if isinstance(kind, Boolean):
        if text.lower() not in _TRUE | _FALSE:
            raise _refuse(field, f"« {text} » : répondez oui ou non.")
        return text.lower() in _TRUE
    if isinstance(kind, Date):
        return parse_iso_date(text, label=label)
    if isinstance(kind, Float):
        return round(parse_decimal(text, label=label, bound=BOUNDS.get(field)), 7)
    problem = value_problem(model, field, text)
    if problem:
        raise BadInputError(f"{problem}.", field="value")
    return text


async def check_coherence(session: AsyncSession, model: type[SQLModel], row: Any, field: str, new: Any) -> None:
    """Refuse ``new`` when it contradicts the COG, the rest of ``row`` or its value set."""
    if new is None:
        return
    system = CODED_COLUMNS.get((table_of(model).name, field))
    if system:
        await _check_code(session, system, field, new)
    elif field == "commune_code" and await session.get(Commune, new) is None:
        raise _refuse(field, f"la commune {new} n'existe pas dans le COG de l'INSEE (code commune, pas code postal).")
    elif field == "code_postal":
        await _check_postal_code(session, row, new)
    elif field == "departement_code":
        await _check_departement(session, row, new)
    elif field == "region_code":
        await _check_region(session, row, new)
    elif field in BOUNDS:
        await _check_position(session, row, field, new)
    elif isinstance(new, date):
        _check_dates(row, field, new)


async def _check_code(session: AsyncSession, system: str, field: str, code: str) -> None:
    """The code is in the nomenclature and still writable (the messages give its label when known)."""
    found = (await session.exec(select(Nomenclature).where(
        col(Nomenclature.system) == system, col(Nomenclature.code) == code))).first()
    if found is None:
        raise InvalidCodeError(f"{field_label(field)} : le code « {code} » n'existe pas dans la nomenclature "
                               f"{system}.", field="value")
    if not found.writable:
        why = "est obsolète" if found.status == "deprecated" else "n'est pas dans le périmètre du ROR"
        raise InvalidCodeError(f"{field_label(field)} : le code « {code} » ({found.label}) {why} ; "
                               "il ne peut plus être saisi.", field="value")


async def _commune_of(session: AsyncSession, row: Any) -> Commune | None:
    code = getattr(row, "commune_code", None)
    return await session.get(Commune, code) if code else None


async def _check_postal_code(session: AsyncSession, row: Any, postal_code: str) -> None:
    """A postal code (CEDEX ones included) starts with the département of the row's commune."""
    commune = await _commune_of(session, row)
    if commune is not None and commune.departement_code not in departements_of_postal_code(postal_code):
        raise _refuse("code_postal", f"{postal_code} n'est pas un code postal du département "
                                     f"{commune.departement_code} de la commune {commune.nom} ({commune.code}) ; "
                                     "corrigez d'abord la commune si l'établissement a déménagé.")


async def _check_departement(session: AsyncSession, row: Any, code: str) -> None:
    departement = await session.get(Departement, code)
    if departement is None:
        raise _refuse("departement_code", f"le département {code} n'existe pas dans le COG de l'INSEE.")
    commune = getattr(row, "commune_code", None)
    if commune and departement_of_commune(commune) != code:
        raise _refuse("departement_code", f"la commune {commune} est dans le département "
                                          f"{departement_of_commune(commune)}, pas {code} ({departement.nom}) : "
                                          "le département se déduit de la commune, corrigez la commune.")


async def _check_region(session: AsyncSession, row: Any, code: str) -> None:
    if await session.get(Region, code) is None:
        raise _refuse("region_code", f"la région {code} n'existe pas dans le COG de l'INSEE.")
    departement = await session.get(Departement, getattr(row, "departement_code", None) or "")
    if departement is not None and departement.region_code != code:
        raise _refuse("region_code", f"le département {departement.code} ({departement.nom}) est dans la région "
                                     f"{departement.region_code}, pas {code} : la région se déduit de la commune.")


async def _position_span(session: AsyncSession, code: str, field: str) -> tuple[float, float] | None:
    """Span of ``field`` over the centres of the département's communes, else its territory's box."""
    column = col(Commune.latitude) if field == "latitude" else col(Commune.longitude)
    low, high = (await session.exec(select(func.min(column), func.max(column))
                                    .where(col(Commune.departement_code) == code))).one()
    if low is not None and high is not None:
        return low, high
    box = OVERSEAS.get(code) or (None if code.startswith(("97", "98")) else METROPOLE)
    return None if box is None else box[0 if field == "latitude" else 1]


async def _check_position(session: AsyncSession, row: Any, field: str, value: float) -> None:
    """Inside the département (its communes' centres, or its territory), give or take ``POSITION_MARGIN``.

    Skipped when the row has no département (nothing to compare with).
    """
    code = getattr(row, "departement_code", None)
    span = await _position_span(session, code, field) if code else None
    if span is None:
        return
    low, high = span
    if not low - POSITION_MARGIN <= value <= high + POSITION_MARGIN:
        departement = await session.get(Departement, code)
        name = f"{departement.nom} ({code})" if departement else code
        raise _refuse(field, f"{value:g} est hors du département {name} (entre {low:.2f} et {high:.2f}) ; "
                             "vérifiez que latitude et longitude ne sont pas inversées.")


def _check_dates(row: Any, field: str, new: date) -> None:
    for earlier, later in DATE_ORDER:
        if field not in (earlier, later):
            continue
        other_field = later if field == earlier else earlier
        other = getattr(row, other_field, None)
        if other is not None and (new > other if field == earlier else new < other):
            where = "après" if field == earlier else "avant"
            raise _refuse(field, f"le {new:%d/%m/%Y} tombe {where} la {field_label(other_field).lower()} "
                                 f"({other:%d/%m/%Y}) ; vérifiez les deux dates.")
