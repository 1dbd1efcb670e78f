"""Modèles de saisie: the values a new offer of a given type starts with, and its default zone.

A template (``ModeleSaisie``) maps ``UniteCreate`` fields (type d'offre, champ, mode, temporalité,
activités, publics, actes…) to codes; ``creerUnite(modele: …)`` fills every field the caller did not
send from it (what the caller sends always wins). The shipped templates (EHPAD hébergement permanent,
UVP, accueil de jour, SSIAD, SAD, ACT, LAM, LHSS, EMSP) are inserted the first time templates are
read; support edits them in the back office. A new home-care or mobile offer (mode in
``MODES_MOBILES``) sent without a zone d'intervention gets its EG's département: the COG communes of
that département, the unit the zone is stored in.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Commune, ModeleSaisie, utcnow
from ror_graph.services.accounts.scope import load_etablissement
from ror_graph.services.core.errors import BadInputError
from ror_graph.services.qualite.regles import MODES_MOBILES
from ror_graph.services.unite.inputs import UniteCreate

MS, MCO = "04", "01"
PA, PRECARITE, TOUT_PUBLIC = "01", "06", "07"
DEFAULTS: tuple[tuple[str, str, dict[str, Any], bool], ...] = (
    ("ehpad_hp", "EHPAD — hébergement permanent", {"type_offre_code": "21", "champ_activite_code": MS,
     "mode_prise_en_charge_code": "46", "temporalite_code": "02", "activites": ["293", "287"], "publics": [PA]}, False),
    ("uvp", "Unité de vie protégée (UVP)", {"type_offre_code": "24", "champ_activite_code": MS,
     "mode_prise_en_charge_code": "46", "temporalite_code": "02", "activites": ["293", "297"], "publics": [PA]}, False),
    ("accueil_jour", "Accueil de jour", {"type_offre_code": "21", "champ_activite_code": MS,
     "mode_prise_en_charge_code": "47", "activites": ["293", "312"], "publics": [PA]}, False),
    ("ssiad", "SSIAD — soins infirmiers à domicile", {"type_offre_code": "28", "champ_activite_code": MS,
     "mode_prise_en_charge_code": "49", "activites": ["287"], "publics": [PA]}, True),
    ("sad", "SAD — service autonomie à domicile", {"type_offre_code": "30", "champ_activite_code": MS,
     "mode_prise_en_charge_code": "49", "activites": ["293", "299"], "publics": [PA]}, True),
    ("act", "Appartement de coordination thérapeutique (ACT)", {"type_offre_code": "94", "champ_activite_code": MS,
     "mode_prise_en_charge_code": "46", "activites": ["287", "298"], "publics": [PRECARITE]}, False),
    ("lam", "Lits d'accueil médicalisés (LAM)", {"type_offre_code": "95", "champ_activite_code": MS,
     "mode_prise_en_charge_code": "46", "activites": ["287"], "publics": [PRECARITE]}, False),
    ("lhss", "Lits halte soins santé (LHSS)", {"type_offre_code": "93", "champ_activite_code": MS,
     "mode_prise_en_charge_code": "46", "activites": ["287"], "publics": [PRECARITE]}, False),
    ("emsp", "Équipe mobile de soins palliatifs (EMSP)", {"type_offre_code": "252", "champ_activite_code": MCO,
     "mode_prise_en_charge_code": "45", "activites": ["170"], "publics": [TOUT_PUBLIC]}, True),
)


async def ensure_defaults(session: AsyncSession) -> None:
    """Insert the shipped templates that are missing (never overwrites support's edits); commits."""
    conn = await session.connection()
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    rows = [{"code": c, "libelle": label, "valeurs": values, "zone_departement": zone, "updated_at": utcnow()}
            for c, label, values, zone in DEFAULTS]
    await conn.execute(dialect_insert(ModeleSaisie).values(rows).on_conflict_do_nothing(index_elements=["code"]))
    await session.commit()


async def modeles(session: AsyncSession) -> list[ModeleSaisie]:
    """Every template, by code (the shipped ones inserted on first read)."""
    found = list((await session.exec(select(ModeleSaisie).order_by(col(ModeleSaisie.code)))).all())
    if found:
        return found
    await ensure_defaults(session)
    return list((await session.exec(select(ModeleSaisie).order_by(col(ModeleSaisie.code)))).all())


async def modele(session: AsyncSession, code: str) -> ModeleSaisie:
    """Template ``code``; ``BAD_INPUT`` when there is none."""
    await modeles(session)
    row = await session.get(ModeleSaisie, code)
    if row is None:
        raise BadInputError(f"Unknown modèle de saisie {code!r}.", field="modele")
    return row


async def preparer_creation(session: AsyncSession, finess: str, data: UniteCreate, code: str | None) -> UniteCreate:
    """``data`` completed from template ``code`` (fields not sent) and with the default zone of a mobile offer."""
    values = data.model_dump(exclude_unset=True)
    template = await modele(session, code) if code else None
    if template is not None:
        values = {**{k: v for k, v in template.valeurs.items() if k in UniteCreate.model_fields}, **values}
    mobile = values.get("mode_prise_en_charge_code") in MODES_MOBILES or (template is not None
                                                                          and template.zone_departement)
    if mobile and not values.get("zone_intervention"):
        eg, _ = await load_etablissement(session, finess)
        if eg.departement_code:
            values["zone_intervention"] = sorted(await session.exec(
                select(Commune.code).where(Commune.departement_code == eg.departement_code)))
    return UniteCreate.model_validate(values)


async def enregistrer_modele(session: AsyncSession, code: str, *, libelle: str, valeurs: Any, zone_departement: bool,
                             actor: str, role: str) -> ModeleSaisie:
    """Support changes a template: only ``UniteCreate`` fields, each value checked by building an offer input
    with it; audited; commits."""
    import uuid

    from ror_graph.models import AuditLog

    row = await modele(session, code)
    name = (libelle or "").strip()
    if not name or len(name) > 200:
        raise BadInputError("Le libellé est obligatoire (200 caractères au plus).", field="libelle")
    if not isinstance(valeurs, dict) or not all(k in UniteCreate.model_fields for k in valeurs):
        unknown = sorted(set(valeurs) - set(UniteCreate.model_fields)) if isinstance(valeurs, dict) else []
        raise BadInputError(f"Champs inconnus : {', '.join(unknown) or 'un objet JSON est attendu'}.", field="valeurs")
    probe = {"nom": "x", "champ_activite_code": "04", "mode_prise_en_charge_code": "46", "age_min": 0,
             "age_max": 120, "unite_sensible": False, "activites": []}
    try:
        UniteCreate.model_validate({**probe, **valeurs})
    except ValueError as exc:
        raise BadInputError(f"Valeurs invalides : {exc}"[:500], field="valeurs") from None
    now, change_id = utcnow(), str(uuid.uuid4())
    for key, old, new in (("libelle", row.libelle, name), ("valeurs", row.valeurs, valeurs),
                          ("zone_departement", row.zone_departement, zone_departement)):
        if old != new:
            session.add(AuditLog(at=now, entity="modele_saisie", entity_id=code, field=key, old_value=str(old),
                                 new_value=str(new), actor=actor, role=role, source="admin", change_id=change_id))
    row.libelle, row.valeurs, row.zone_departement, row.updated_at = name, dict(valeurs), zone_departement, now
    await session.commit()
    return row
