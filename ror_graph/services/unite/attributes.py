"""Declared attributes of an offer: validate the sent ones, read the stored ones, write the lists.

Keys are the fields of ``UniteCreate`` / ``UniteUpdate`` (``services.unite.inputs``): scalar
columns (``SCALARS``) and lists (``LISTS``: the coded lists of ``CODED_LISTS``, horaires, contacts,
zone d'intervention, lieux). Lists replace the stored list, except contacts, which are merged so
that an author never removes what it cannot see (``services.unite.contacts``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Commune, Etablissement, Unite, UniteCode, UniteLieu, ZoneIntervention, registry
from ror_graph.models.registry.spec import Entity
from ror_graph.services.core.changes import ChangeSet
from ror_graph.services.core.errors import BadInputError
from ror_graph.services.core.validation import check_age_range, check_codes, commune_code_ok
from ror_graph.services.core.write_common import check_bool, check_int, check_list, clean_code, clean_text, snapshot
from ror_graph.services.unite.contacts import (
    CleanContact,
    clean_contacts,
    current_contacts,
    visible_contacts,
    write_contacts,
)
from ror_graph.services.unite.horaires import clean_horaires, current_horaires, write_horaires
from ror_graph.services.unite.inputs import ATTRIBUTE_SYSTEMS, CODED_LISTS
from ror_graph.services.unite.lieux import clean_lieux, current_lieux, write_lieux

# Single-valued coded columns (champ, mode de prise en charge, type d'offre…), from the registry.
CODE_COLUMNS: dict[str, str] = {a.column: a.system for a in registry.declared_coded_columns(Entity.unite)
                                if a.column and a.system}
TEXT_COLUMNS = {"nom": 300, "secteur_psychiatrique": 200, "commentaire": 4000}
SCALARS = (*TEXT_COLUMNS, *CODE_COLUMNS, "age_min", "age_max", "unite_sensible", "soins_sans_consentement")
LISTS = (*CODED_LISTS, "horaires", "contacts", "zone_intervention", "lieux")
REQUIRED = ("nom", "champ_activite_code", "mode_prise_en_charge_code", "age_min", "age_max", "unite_sensible")


async def clean_scalars(session: AsyncSession, changes: dict[str, Any], unite: Unite | None) -> dict[str, Any]:
    """Validate every given scalar (and the required ones at creation); returns normalised values."""
    creating = unite is None
    out: dict[str, Any] = {}
    for key, max_length in TEXT_COLUMNS.items():
        if key in changes or (creating and key == "nom"):
            out[key] = clean_text(changes.get(key), field=key, max_length=max_length, required=key == "nom")
    for key, system in CODE_COLUMNS.items():
        if key in changes or (creating and key in REQUIRED):
            out[key] = clean_code(changes.get(key), field=key, required=key in REQUIRED)
            await check_codes(session, system, [out[key]] if out[key] else [], field=key)
    for key in ("unite_sensible", "soins_sans_consentement"):
        if key in changes or (creating and key in REQUIRED):
            out[key] = check_bool(changes.get(key), field=key, required=key in REQUIRED)
    if {"age_min", "age_max"} & changes.keys() or creating:
        age_min = check_int(changes.get("age_min", None if unite is None else unite.age_min), field="age_min",
                            required=True, high=200)
        age_max = check_int(changes.get("age_max", None if unite is None else unite.age_max), field="age_max",
                            required=True, high=200)
        check_age_range(age_min, age_max, field="age_min")
        out["age_min"], out["age_max"] = age_min, age_max
    return out


async def clean_lists(session: AsyncSession, etablissement: Etablissement, changes: dict[str, Any], *,
                      creating: bool, level: int, stored_contacts: list[CleanContact]) -> dict[str, Any]:
    """Validate every given list; contacts against the stored ones and the author's read ``level``."""
    out: dict[str, Any] = {}
    for key, system in ATTRIBUTE_SYSTEMS.items():
        if key in changes or (creating and key == "activites"):
            codes = sorted({_required_code(c, field=key) for c in check_list(changes.get(key), field=key)})
            if key == "activites" and not codes:
                raise BadInputError("An offer needs at least one activité opérationnelle.", field=key)
            await check_codes(session, system, codes, field=key)
            out[key] = codes
    if "horaires" in changes:
        out["horaires"] = await clean_horaires(session, changes["horaires"])
    if "contacts" in changes:
        out["contacts"] = await clean_contacts(session, changes["contacts"], field="contacts",
                                               contact_level_required=True, level=level, stored=stored_contacts)
    if "zone_intervention" in changes:
        out["zone_intervention"] = await _clean_zone(session, changes["zone_intervention"])
    if "lieux" in changes:
        out["lieux"] = await clean_lieux(session, etablissement, changes["lieux"])
    return out


def _required_code(value: Any, *, field: str) -> str:
    code = clean_code(value, field=field, required=True)
    assert code is not None  # required: ``clean_code`` raised otherwise
    return code


async def _clean_zone(session: AsyncSession, value: Any) -> list[str]:
    codes = sorted({_required_code(c, field="zone_intervention")
                    for c in check_list(value, field="zone_intervention", max_items=2000)})
    for code in codes:
        if not commune_code_ok(code):
            raise BadInputError(f"{code!r} is not an INSEE COG commune code.", field="zone_intervention")
    if codes:
        known = set(await session.exec(select(Commune.code).where(col(Commune.code).in_(codes))))
        missing = [c for c in codes if c not in known]
        if missing:
            raise BadInputError(f"Unknown commune {missing[0]!r}.", field="zone_intervention")
    return codes


async def current_lists(session: AsyncSession, unite: Unite, keys: set[str]) -> dict[str, Any]:
    """Stored values of the list keys in ``keys``, normalised like ``clean_lists``' output."""
    current: dict[str, Any] = {}
    unite_id = unite.id
    assert unite_id is not None  # a stored offer
    wanted = {k: item.attribute for k, item in CODED_LISTS.items() if k in keys}
    if wanted:
        rows = (await session.exec(select(UniteCode.attribute, UniteCode.code).where(
            col(UniteCode.unite_id) == unite_id))).all()
        for key, attribute in wanted.items():
            current[key] = sorted(code for attr, code in rows if attr == attribute.value)
    if "horaires" in keys:
        current["horaires"] = await current_horaires(session, unite_id)
    if "contacts" in keys:
        current["contacts"] = await current_contacts(session, unite_id=unite_id)
    if "zone_intervention" in keys:
        current["zone_intervention"] = sorted(await session.exec(select(ZoneIntervention.code).where(
            col(ZoneIntervention.unite_id) == unite_id)))
    if "lieux" in keys:
        ids = list(await session.exec(select(UniteLieu.lieu_id).where(col(UniteLieu.unite_id) == unite_id)))
        current["lieux"] = await current_lieux(session, ids)
    return current


def audit_value(key: str, value: Any, level: int) -> Any:
    """What the audit (and the diff) keeps of a list: contacts as the author sees them."""
    return visible_contacts(value, level) if key == "contacts" else value


def changed_lists(new: dict[str, Any], old: dict[str, Any], level: int) -> dict[str, Any]:
    """The lists of ``new`` whose audited value differs from the stored one."""
    return {k: v for k, v in new.items()
            if snapshot(audit_value(k, old.get(k, []), level)) != snapshot(audit_value(k, v, level))}


async def write_lists(session: AsyncSession, cs: ChangeSet, etablissement: Etablissement, unite: Unite,
                      new: dict[str, Any], old: dict[str, Any], *, level: int, now: datetime) -> None:
    """Audit then write each changed list of ``new`` (``old``: the stored values, same shape)."""
    unite_id, identifiant = unite.id, unite.identifiant
    assert unite_id is not None and identifiant is not None  # flushed (a new offer gets both then)
    conn = await session.connection()
    for key, value in changed_lists(new, old, level).items():
        before, after = audit_value(key, old.get(key, []), level), audit_value(key, value, level)
        cs.record("unite", identifiant, key, snapshot(before) if before else None, snapshot(after))
        if key in CODED_LISTS:
            attribute = CODED_LISTS[key].attribute
            await conn.execute(delete(UniteCode).where(col(UniteCode.unite_id) == unite_id,
                                                       col(UniteCode.attribute) == attribute.value))
            session.add_all(UniteCode(unite_id=unite_id, attribute=attribute.value, system=ATTRIBUTE_SYSTEMS[key],
                                      code=c) for c in value)
        elif key == "horaires":
            await write_horaires(session, unite_id, value)
        elif key == "contacts":
            await write_contacts(session, value, level=level, now=now, unite_id=unite_id)
        elif key == "zone_intervention":
            await conn.execute(delete(ZoneIntervention).where(col(ZoneIntervention.unite_id) == unite_id))
            session.add_all(ZoneIntervention(unite_id=unite_id, type_code="3", code=c) for c in value)
        elif key == "lieux":
            await _link_lieux(session, etablissement, unite, value, old.get("lieux", []), now)


async def _link_lieux(session: AsyncSession, etablissement: Etablissement, unite: Unite, new: list[dict[str, Any]],
                      old: list[dict[str, Any]], now: datetime) -> None:
    stored = {row["id"]: row for row in old}
    changed = [row for row in new if row["id"] is None or snapshot(stored.get(row["id"])) != snapshot(row)]
    written = await write_lieux(session, etablissement, changed, now)
    new_ids = {id(row): lieu_id for row, lieu_id in zip(changed, written, strict=True)}
    ids = [new_ids.get(id(row), row["id"]) for row in new]
    unite_id = unite.id
    assert unite_id is not None  # flushed
    conn = await session.connection()
    await conn.execute(delete(UniteLieu).where(col(UniteLieu.unite_id) == unite_id))
    session.add_all(UniteLieu(unite_id=unite_id, lieu_id=i) for i in dict.fromkeys(ids))
