"""Create, update and close an offer (unité opérationnelle) with all its declared attributes.

Inputs are mappings keyed by column or list name (see ``SCALARS`` and ``LISTS``); lists replace the
stored list. Required pieces of an offer (national model): nom, champ d'activité, mode de prise en
charge, at least one activité, an inclusive age range and ``unite_sensible``. The national offer
identifier ``<region code of the EG>/<id>`` is assigned at creation and never changes.

Every accepted write enqueues ``("unite", id, "upsert")``: the search worker re-reads the offer and
drops it from the index when it is closed or sensitive. Closing uses ``fermer_unite`` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import (
    Commune,
    Departement,
    EntiteJuridique,
    Etablissement,
    Unite,
    UniteCode,
    UniteLieu,
    ZoneIntervention,
    finess_owned_fields,
    utcnow,
)
from ror_graph.models.coded import (
    CHAMP,
    MODE_PEC,
    TEMPORALITE,
    TYPE_FERMETURE,
    TYPE_OFFRE,
    UNITE_ATTRIBUTE_SYSTEMS,
    UniteAttribute,
)
from ror_graph.services.accounts.scope import authorize, load_etablissement, writer_for
from ror_graph.services.core.changes import ChangeSet, as_text
from ror_graph.services.core.errors import BadInputError, NotFoundError
from ror_graph.services.core.validation import check_age_range, check_codes, commune_code_ok
from ror_graph.services.core.write_common import (
    check_bool,
    check_int,
    check_list,
    check_version,
    claim_version,
    clean_code,
    clean_text,
    in_transaction,
    mark_modified,
    snapshot,
)
from ror_graph.services.etablissement.write import reject_locked_and_unknown
from ror_graph.services.policy.visibility import load_visible_unite
from ror_graph.services.unite.contacts import clean_contacts, current_contacts, replace_contacts
from ror_graph.services.unite.horaires import clean_horaires, current_horaires, write_horaires
from ror_graph.services.unite.lieux import clean_lieux, current_lieux, write_lieux

CODE_COLUMNS = {"type_offre_code": TYPE_OFFRE, "champ_activite_code": CHAMP,
                "mode_prise_en_charge_code": MODE_PEC, "temporalite_code": TEMPORALITE}
TEXT_COLUMNS = {"nom": 300, "secteur_psychiatrique": 200, "commentaire": 4000}
SCALARS = (*TEXT_COLUMNS, *CODE_COLUMNS, "age_min", "age_max", "unite_sensible", "soins_sans_consentement")
ATTRIBUTE_KEYS: dict[str, UniteAttribute] = {
    "activites": UniteAttribute.activite, "actes_specifiques": UniteAttribute.acte_specifique,
    "actes_hors_cabinet": UniteAttribute.acte_hors_cabinet, "specialisations": UniteAttribute.specialisation,
    "competences": UniteAttribute.competence, "professions": UniteAttribute.profession,
    "expertises": UniteAttribute.expertise, "publics": UniteAttribute.public,
    "modalites_accueil": UniteAttribute.modalite_accueil, "modes_gestion": UniteAttribute.mode_gestion,
}
LISTS = (*ATTRIBUTE_KEYS, "horaires", "contacts", "zone_intervention", "lieux")
REQUIRED = ("nom", "champ_activite_code", "mode_prise_en_charge_code", "age_min", "age_max", "unite_sensible")
DEFINITIVE_CLOSURE_EXCLUDED = "PRO"  # provisoire: the offer stays open, with a planned reopening date


async def _clean(session: AsyncSession, etablissement: Etablissement, changes: Mapping[str, Any],
                 unite: Unite | None) -> dict[str, Any]:
    """Validate every given key (and the required ones at creation); returns normalised values."""
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
        age_min = check_int(changes.get("age_min", None if creating else unite.age_min), field="age_min",
                            required=True, high=200)
        age_max = check_int(changes.get("age_max", None if creating else unite.age_max), field="age_max",
                            required=True, high=200)
        check_age_range(age_min, age_max, field="age_min")
        out["age_min"], out["age_max"] = age_min, age_max
    for key, attribute in ATTRIBUTE_KEYS.items():
        if key in changes or (creating and key == "activites"):
            codes = sorted({clean_code(c, field=key, required=True) for c in check_list(changes.get(key), field=key)})
            if key == "activites" and not codes:
                raise BadInputError("An offer needs at least one activité opérationnelle.", field=key)
            await check_codes(session, UNITE_ATTRIBUTE_SYSTEMS[attribute], codes, field=key)
            out[key] = codes
    if "horaires" in changes:
        out["horaires"] = clean_horaires(changes["horaires"])
    if "contacts" in changes:
        contacts = await clean_contacts(session, changes["contacts"], field="contacts", contact_level_required=True)
        out["contacts"] = contacts
    if "zone_intervention" in changes:
        out["zone_intervention"] = await _clean_zone(session, changes["zone_intervention"])
    if "lieux" in changes:
        out["lieux"] = await clean_lieux(session, etablissement, changes["lieux"])
    return out


async def _clean_zone(session: AsyncSession, value: Any) -> list[str]:
    codes = sorted({clean_code(c, field="zone_intervention", required=True)
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


async def _current(session: AsyncSession, unite: Unite, keys: set[str]) -> dict[str, Any]:
    """Stored values of the list keys in ``keys``, normalised like ``_clean``'s output."""
    current: dict[str, Any] = {}
    wanted = {k: a for k, a in ATTRIBUTE_KEYS.items() if k in keys}
    if wanted:
        rows = (await session.exec(select(UniteCode.attribute, UniteCode.code).where(
            UniteCode.unite_id == unite.id))).all()
        for key, attribute in wanted.items():
            current[key] = sorted(code for attr, code in rows if attr == attribute.value)
    if "horaires" in keys:
        current["horaires"] = await current_horaires(session, unite.id)
    if "contacts" in keys:
        current["contacts"] = await current_contacts(session, unite_id=unite.id)
    if "zone_intervention" in keys:
        current["zone_intervention"] = sorted(await session.exec(select(ZoneIntervention.code).where(
            ZoneIntervention.unite_id == unite.id)))
    if "lieux" in keys:
        ids = list(await session.exec(select(UniteLieu.lieu_id).where(UniteLieu.unite_id == unite.id)))
        current["lieux"] = await current_lieux(session, ids)
    return current


def _audit_value(key: str, value: Any) -> Any:
    return [c.as_dict() for c in value] if key == "contacts" else value


async def _write_lists(session: AsyncSession, cs: ChangeSet, etablissement: Etablissement, unite: Unite,
                       new: dict[str, Any], old: dict[str, Any], now: datetime) -> None:
    conn = await session.connection()
    for key in LISTS:
        if key not in new:
            continue
        before, after = _audit_value(key, old.get(key, [])), _audit_value(key, new[key])
        if snapshot(before) == snapshot(after):
            continue
        cs.record("unite", unite.identifiant, key, snapshot(before) if before else None, snapshot(after))
        if key in ATTRIBUTE_KEYS:
            attribute = ATTRIBUTE_KEYS[key]
            await conn.execute(delete(UniteCode).where(UniteCode.unite_id == unite.id,
                                                       UniteCode.attribute == attribute.value))
            session.add_all(UniteCode(unite_id=unite.id, attribute=attribute.value,
                                      system=UNITE_ATTRIBUTE_SYSTEMS[attribute], code=c) for c in new[key])
        elif key == "horaires":
            await write_horaires(session, unite.id, new[key])
        elif key == "contacts":
            await replace_contacts(session, new[key], unite_id=unite.id)
        elif key == "zone_intervention":
            await conn.execute(delete(ZoneIntervention).where(ZoneIntervention.unite_id == unite.id))
            session.add_all(ZoneIntervention(unite_id=unite.id, type_code="3", code=c) for c in new[key])
        elif key == "lieux":
            stored = {row["id"]: row for row in old.get("lieux", [])}
            changed = [row for row in new[key] if row["id"] is None or snapshot(stored.get(row["id"])) != snapshot(row)]
            written = await write_lieux(session, etablissement, changed, now)
            new_ids = {id(row): lieu_id for row, lieu_id in zip(changed, written, strict=True)}
            ids = [new_ids.get(id(row), row["id"]) for row in new[key]]
            await conn.execute(delete(UniteLieu).where(UniteLieu.unite_id == unite.id))
            session.add_all(UniteLieu(unite_id=unite.id, lieu_id=i) for i in dict.fromkeys(ids))


async def _region_of(session: AsyncSession, etablissement: Etablissement) -> str:
    """INSEE region code of the EG (FINESS column, else from its département or commune)."""
    if etablissement.region_code:
        return etablissement.region_code
    if etablissement.departement_code:
        dep = await session.get(Departement, etablissement.departement_code)
        if dep is not None:
            return dep.region_code
    if etablissement.commune_code:
        commune = await session.get(Commune, etablissement.commune_code)
        if commune is not None and commune.region_code:
            return commune.region_code
    raise BadInputError("The établissement has no known region; the offer identifier cannot be assigned.",
                        field="finess")


async def create_unite(session: AsyncSession, *, actor: Any, finess: str, data: Mapping[str, Any],
                       now: datetime | None = None, source: str = "api") -> Unite:
    """Create an offer of EG ``finess`` from ``data``; assigns ``<region>/<id>``; commits."""
    now = now or utcnow()

    async def work() -> Unite:
        writer = await writer_for(session, actor, source=source)
        eg, ej = await load_etablissement(session, finess)
        authorize(writer, eg, ej)
        reject_locked_and_unknown(data, declared=(*SCALARS, *LISTS), locked=finess_owned_fields(Etablissement),
                                  entity="an offer")
        clean = await _clean(session, eg, data, None)
        region = await _region_of(session, eg)
        scalars = {k: v for k, v in clean.items() if k in SCALARS}
        unite = Unite(etablissement_id=eg.id, created_at=now, updated_at=now, **scalars)
        session.add(unite)
        await session.flush()
        unite.identifiant = f"{region}/{unite.id}"
        cs = ChangeSet(session, writer.actor, now=now)
        cs.record("unite", unite.identifiant, "identifiant", None, unite.identifiant)
        for key, value in scalars.items():
            if value is not None:
                cs.record("unite", unite.identifiant, key, None, value)
        await _write_lists(session, cs, eg, unite, {k: v for k, v in clean.items() if k in LISTS}, {}, now)
        mark_modified(cs, eg, eg.finess, now)
        cs.enqueue("unite", unite.id)
        await cs.flush()
        return unite

    return await in_transaction(session, work)


async def load_unite(session: AsyncSession, identifiant: str) -> tuple[Unite, Etablissement, EntiteJuridique]:
    """The offer ``identifiant`` with its EG and EJ, or ``NotFoundError``."""
    unite = (await session.exec(select(Unite).where(Unite.identifiant == identifiant))).first()
    if unite is None:
        raise NotFoundError(f"No offer with identifier {identifiant!r}.", field="identifiant")
    eg = await session.get(Etablissement, unite.etablissement_id)
    ej = await session.get(EntiteJuridique, eg.entite_juridique_id)
    return unite, eg, ej


async def update_unite(session: AsyncSession, *, actor: Any, identifiant: str, version: int,
                       changes: Mapping[str, Any], now: datetime | None = None, source: str = "api") -> Unite:
    """Apply ``changes`` to offer ``identifiant`` read at ``version``; commits (nothing when unchanged)."""
    now = now or utcnow()

    async def work() -> Unite:
        writer = await writer_for(session, actor, source=source)
        unite, eg, ej = await load_visible_unite(session, identifiant, writer)  # hidden = not found
        authorize(writer, eg, ej)
        reject_locked_and_unknown(changes, declared=(*SCALARS, *LISTS), locked=finess_owned_fields(Etablissement),
                                  entity="an offer")
        check_version(unite, version)
        if unite.ferme:
            raise BadInputError("This offer is closed; it can no longer be changed.", field="identifiant")
        clean = await _clean(session, eg, changes, unite)
        scalars = {k: v for k, v in clean.items() if k in SCALARS and as_text(getattr(unite, k)) != as_text(v)}
        lists = {k: v for k, v in clean.items() if k in LISTS}
        old = await _current(session, unite, set(lists))
        lists = {k: v for k, v in lists.items()
                 if snapshot(_audit_value(k, old.get(k, []))) != snapshot(_audit_value(k, v))}
        if not scalars and not lists:
            return unite
        await claim_version(session, unite, version, now)
        cs = ChangeSet(session, writer.actor, now=now)
        for key, value in scalars.items():
            cs.set(unite, "unite", unite.identifiant, key, value)
        await _write_lists(session, cs, eg, unite, lists, old, now)
        mark_modified(cs, eg, eg.finess, now)
        cs.enqueue("unite", unite.id)
        await cs.flush()
        return unite

    return await in_transaction(session, work)


async def fermer_unite(session: AsyncSession, *, actor: Any, identifiant: str, version: int, date_fermeture: date,
                       type_fermeture_code: str, date_reouverture_prevue: date | None = None,
                       motif: str | None = None, now: datetime | None = None, source: str = "api") -> Unite:
    """Close offer ``identifiant`` (TRE_R286 type); ``PRO`` (provisoire) keeps it open with a reopening date.

    ``motif`` (why it closes) is kept on the audit rows of the closure.
    """
    now = now or utcnow()

    async def work() -> Unite:
        writer = await writer_for(session, actor, source=source)
        unite, eg, ej = await load_visible_unite(session, identifiant, writer)  # hidden = not found
        authorize(writer, eg, ej)
        check_version(unite, version)
        if unite.ferme:
            raise BadInputError("This offer is already closed.", field="identifiant")
        code = clean_code(type_fermeture_code, field="type", required=True)
        await check_codes(session, TYPE_FERMETURE, [code], field="type")
        if not isinstance(date_fermeture, date):
            raise BadInputError("A closing date is required.", field="date")
        if date_reouverture_prevue is not None:
            if code != DEFINITIVE_CLOSURE_EXCLUDED:
                raise BadInputError("Only a provisional closure (PRO) has a reopening date.", field="dateReouverture")
            if not isinstance(date_reouverture_prevue, date) or date_reouverture_prevue < date_fermeture:
                raise BadInputError("The reopening date must follow the closing date.", field="dateReouverture")
        await claim_version(session, unite, version, now)
        cs = ChangeSet(session, writer.actor, motif=(motif or "").strip() or None, now=now)
        cs.set(unite, "unite", unite.identifiant, "date_fermeture", date_fermeture)
        cs.set(unite, "unite", unite.identifiant, "type_fermeture_code", code)
        cs.set(unite, "unite", unite.identifiant, "date_reouverture_prevue", date_reouverture_prevue)
        cs.set(unite, "unite", unite.identifiant, "ferme", code != DEFINITIVE_CLOSURE_EXCLUDED)
        mark_modified(cs, eg, eg.finess, now)
        cs.enqueue("unite", unite.id)
        await cs.flush()
        return unite

    return await in_transaction(session, work)
