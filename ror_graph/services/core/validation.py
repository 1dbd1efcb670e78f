"""Identifier and value checks shared by importers, mutations and the admin.

Pure functions return ``bool`` or raise ``BadInputError``; ``check_codes`` reads the nomenclature
table and raises ``InvalidCodeError`` for a code outside the value set or deprecated, with a French
message naming the attribute and the code (people read it as is in the back office and API clients).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Nomenclature, registry
from ror_graph.services.core.errors import BadInputError, InvalidCodeError

AGE_MIN, AGE_MAX = 0, 120
_FINESS_RE = re.compile(r"^(?:\d{2}|2[AB])\d{7}$")
_COG_RE = re.compile(r"^(?:\d{2}|2[AB])\d{3}$")
# Short numbers: 15/17/18, 11x (112, 115, 119), 1xxx and 3xxx services (3919), 116xxx / 118xxx.
_PHONE_RE = re.compile(r"^(?:0\d{9}|\+\d{8,15}|1[578]|11\d|[13]\d{3}|11[68]\d{3})$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_POSTAL_RE = re.compile(r"^\d{5}$")
_DEPARTEMENT_RE = re.compile(r"^(?:\d{2}|2[AB]|9[78]\d)$")
_REGION_RE = re.compile(r"^\d{2}$")
# The shapes other channels check against (search filters): declared here once.
COMMUNE_PATTERN, DEPARTEMENT_PATTERN = _COG_RE, _DEPARTEMENT_RE
_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def luhn_ok(digits: str) -> bool:
    """Luhn (mod 10) check of an all-digit string, key included as the last digit."""
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def finess_ok(value: str | None) -> bool:
    """FINESS number: 9 characters, département prefix (2A/2B accepted), Luhn key when all digits.

    Only the Corsican prefix may hold letters (positions 3–9 are the order number and the key); the
    Luhn substitution for Corsican numbers is not documented, so only the shape is checked there.
    """
    if not value or not _FINESS_RE.match(value):
        return False
    return luhn_ok(value) if value.isdigit() else True


def siren_ok(value: str | None) -> bool:
    """SIREN: 9 digits with a Luhn key."""
    return value is not None and len(value) == 9 and luhn_ok(value)


def siret_ok(value: str | None) -> bool:
    """SIRET: 14 digits (SIREN + NIC) with a Luhn key, and a valid SIREN inside.

    La Poste's establishments (SIREN 356000000) use a different rule: digit sum multiple of 5.
    """
    if not value or len(value) != 14 or not value.isdigit():
        return False
    if value.startswith("356000000"):
        return sum(int(c) for c in value) % 5 == 0
    return luhn_ok(value) and siren_ok(value[:9])


def commune_code_ok(value: str | None) -> bool:
    """INSEE COG commune code: 5 characters, 2A/2B in Corsica (not a postal code check)."""
    return value is not None and bool(_COG_RE.match(value))


def postal_code_ok(value: str | None) -> bool:
    """French postal code: exactly 5 digits (20xxx in Corsica, 97xxx/98xxx overseas)."""
    return value is not None and bool(_POSTAL_RE.match(value))


def departement_code_ok(value: str | None) -> bool:
    """COG département code: 2 digits, 2A/2B, or 3 digits overseas (971…976, 98x)."""
    return value is not None and bool(_DEPARTEMENT_RE.match(value))


def region_code_ok(value: str | None) -> bool:
    """COG région code: 2 digits (01…06 overseas, 11…94 in metropolitan France)."""
    return value is not None and bool(_REGION_RE.match(value))


def parse_iso_date(text: str, *, label: str, field: str = "value") -> date:
    """``AAAA-MM-JJ`` read as a date; a French ``BadInputError`` naming ``label`` otherwise.

    The two mistakes people make are told apart: another layout (``13/02/1979``) and a day that
    does not exist (``2023-02-30``), so the message says which one to fix.
    """
    if not _ISO_DATE_RE.match(text):
        raise BadInputError(f"{label} : « {text} » n'est pas une date au format AAAA-MM-JJ (par exemple 2024-03-31).",
                            field=field)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInputError(f"{label} : la date « {text} » n'existe pas (mois de 01 à 12, jour dans le mois).",
                            field=field) from None


def parse_decimal(text: str, *, label: str, bound: float | None = None, field: str = "value") -> float:
    """A decimal number (point or comma), within ±``bound``; a French ``BadInputError`` otherwise."""
    try:
        number = float(text.replace(",", ".").replace(" ", ""))
    except ValueError:
        number = math.nan
    if not math.isfinite(number):  # not a number, or "nan" / "inf" that float() accepts
        raise BadInputError(f"{label} : « {text} » n'est pas un nombre décimal (par exemple 47.4712).", field=field)
    if bound is not None and not -bound <= number <= bound:
        raise BadInputError(f"{label} : {text} est hors limites (entre -{bound:g} et {bound:g}).", field=field)
    return number


def departement_of_commune(code: str) -> str:
    """Département of a COG commune code: 3 characters overseas (97x/98x), else 2."""
    return code[:3] if code[:2] in {"97", "98"} else code[:2]


def check_age_range(age_min: int | None, age_max: int | None, *, field: str = "ageMin") -> None:
    """Inclusive patientèle age range in years, both bounds required, 0 ≤ min ≤ max ≤ 120."""
    if age_min is None or age_max is None:
        raise BadInputError("Both age bounds are required.", field=field)
    if not (AGE_MIN <= age_min <= AGE_MAX and AGE_MIN <= age_max <= AGE_MAX):
        raise BadInputError(f"Ages must lie between {AGE_MIN} and {AGE_MAX}.", field=field)
    if age_min > age_max:
        raise BadInputError(f"ageMin ({age_min}) is greater than ageMax ({age_max}).", field=field)


def phone_ok(value: str) -> bool:
    """French phone number (10 digits from 0), international form (+33…) or short number (15, 3919)."""
    return bool(_PHONE_RE.match(re.sub(r"[\s.\-]", "", value)))


def email_ok(value: str) -> bool:
    return bool(_EMAIL_RE.match(value))


_SYSTEM_LABELS = registry.system_labels()


async def check_codes(
    session: AsyncSession, system: str, codes: Iterable[str | None], *, field: str, label: str | None = None
) -> None:
    """Raise ``InvalidCodeError`` unless every code is writable in ``system`` (value set, not deprecated).

    ``label`` names the attribute in the message; by default the registry's label of ``system``.
    """
    wanted = {c for c in codes if c is not None}
    if not wanted:
        return
    rows = await session.exec(
        select(Nomenclature.code, Nomenclature.writable, Nomenclature.status).where(
            Nomenclature.system == system, col(Nomenclature.code).in_(wanted)
        )
    )
    known = {code: (writable, status) for code, writable, status in rows}
    name = label or _SYSTEM_LABELS.get(system) or field
    for code in sorted(wanted):
        if code not in known:
            raise InvalidCodeError(f"Le code « {code} » n'existe pas pour l'attribut {name} (nomenclature {system}).",
                                   field=field)
        writable, status = known[code]
        if not writable:
            reason = "est obsolète" if status == "deprecated" else "n'est pas dans le jeu de valeurs du ROR"
            raise InvalidCodeError(f"Le code « {code} » de l'attribut {name} {reason} (nomenclature {system}) ; "
                                   "il ne peut pas être saisi.", field=field)


async def check_attribute_codes(
    session: AsyncSession, attribute: registry.Attribute, codes: Iterable[str | None], *, field: str
) -> None:
    """``check_codes`` against the nomenclature the registry entry declares (declared once, checked on write)."""
    await check_codes(session, attribute.code_system, codes, field=field, label=attribute.label)
