"""Support corrections of FINESS-owned fields (the other half of the importer's ownership rule).

A correction overrides what FINESS sent until FINESS itself sends a new value: the
``FinessFieldState`` row remembers the FINESS value the correction replaced, the importer compares
against it (see ``finess_batch``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Boolean, Date, Float
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import (
    Commune,
    EntiteJuridique,
    Etablissement,
    FinessFieldState,
    Unite,
    finess_owned_fields,
    utcnow,
)
from ror_graph.models.coded import CODED_COLUMNS
from ror_graph.services.core.changes import Actor, ChangeSet, as_text
from ror_graph.services.core.errors import BadInputError, ForbiddenError, NotFoundError
from ror_graph.services.core.validation import (
    check_codes,
    commune_code_ok,
    email_ok,
    phone_ok,
    siren_ok,
    siret_ok,
)

MODELS = {"entite_juridique": EntiteJuridique, "etablissement": Etablissement}
CORRECTOR_ROLES = {"support", "admin"}
_TEXT_CHECKS = {
    "siren": (siren_ok, "SIREN invalide (9 chiffres, clé de Luhn)."),
    "siret": (siret_ok, "SIRET invalide (14 chiffres, clé de Luhn)."),
    "telephone": (phone_ok, "Numéro de téléphone invalide."),
    "telecopie": (phone_ok, "Numéro de télécopie invalide."),
    "courriel": (email_ok, "Adresse électronique invalide."),
    "commune_code": (commune_code_ok, "Code commune COG invalide (5 caractères)."),
}
_TRUE, _FALSE = {"true", "1", "oui", "yes", "vrai"}, {"false", "0", "non", "no", "faux"}


def _convert(model: type, field: str, value: str | None) -> Any:
    """``value`` converted to the column's type and checked; BadInputError(field="value") otherwise."""
    text = value.strip() if isinstance(value, str) else value
    if text in (None, ""):
        column = model.__table__.columns[field]  # type: ignore[attr-defined]
        if not column.nullable:
            raise BadInputError(f"{field} ne peut pas être vide.", field="value")
        return None
    column_type = model.__table__.columns[field].type  # type: ignore[attr-defined]
    try:
        if isinstance(column_type, Boolean):
            if text.lower() not in _TRUE | _FALSE:
                raise ValueError("attendu true/false")
            return text.lower() in _TRUE
        if isinstance(column_type, Date):
            return date.fromisoformat(text)
        if isinstance(column_type, Float):
            number = float(text.replace(",", "."))
            bound = {"latitude": 90, "longitude": 180}.get(field)
            if bound is not None and not -bound <= number <= bound:
                raise ValueError("hors limites")
            return round(number, 7)
    except ValueError as exc:
        raise BadInputError(f"Valeur invalide pour {field}: {exc}.", field="value") from exc
    limit = getattr(column_type, "length", None)
    if limit and len(text) > limit:
        raise BadInputError(f"{field}: {limit} caractères au plus.", field="value")
    check = _TEXT_CHECKS.get(field)
    if check and not check[0](text):
        raise BadInputError(check[1], field="value")
    return text


async def correct_finess_field(
    session: AsyncSession, *, actor: Actor, entity: str, finess: str, field: str, value: str | None, motif: str
) -> bool:
    """Support/admin overrides one FINESS-owned field, with a motif; returns False when unchanged.

    Audited with the motif, marks ``FinessFieldState.corrected`` (remembering the FINESS value it
    replaces), enqueues the search outbox for the EG(s) and their units, then commits.
    """
    if actor.role not in CORRECTOR_ROLES:
        raise ForbiddenError("Seul le support peut corriger une donnée FINESS.")
    if not (motif or "").strip():
        raise BadInputError("Le motif de la correction est obligatoire.", field="motif")
    model = MODELS.get(entity)
    if model is None:
        raise BadInputError(f"Entité inconnue {entity!r}: entite_juridique ou etablissement.", field="entity")
    if field not in finess_owned_fields(model) or field == "finess":
        raise BadInputError(f"{field!r} n'est pas un champ FINESS corrigeable de {entity}.", field="field")
    new = _convert(model, field, value)
    system = CODED_COLUMNS.get((model.__tablename__, field))
    if system and new is not None:
        await check_codes(session, system, [new], field="value")
    commune = await session.get(Commune, new) if field == "commune_code" and new else None
    if field == "commune_code" and new and commune is None:
        raise BadInputError(f"Commune {new} inconnue du COG.", field="value")
    row = (await session.exec(select(model).where(model.finess == finess))).first()
    if row is None:
        raise NotFoundError(f"{entity} {finess} introuvable.", field="finess")
    old = getattr(row, field)
    if as_text(old) == as_text(new):
        return False
    now = utcnow()
    state = (await session.exec(select(FinessFieldState).where(
        FinessFieldState.entity == entity, FinessFieldState.finess == finess, FinessFieldState.field == field,
    ))).first()
    if state is None:
        state = FinessFieldState(entity=entity, finess=finess, field=field)
        session.add(state)
    if not state.corrected:  # the column held what FINESS sent: remember it
        state.finess_value = as_text(old)
    state.corrected, state.updated_at = True, now
    cs = ChangeSet(session, actor, motif.strip(), now=now)
    cs.set(row, entity, finess, field, new)
    if field == "commune_code" and model is Etablissement:  # derived columns follow the corrected commune
        cs.set(row, entity, finess, "departement_code", commune.departement_code if commune else None)
        cs.set(row, entity, finess, "region_code", commune.region_code if commune else None)
    row.version, row.updated_at = row.version + 1, now
    eg_ids = [row.id] if model is Etablissement else list(
        await session.exec(select(Etablissement.id).where(Etablissement.entite_juridique_id == row.id)))
    for eg_id in eg_ids:
        cs.enqueue("etablissement", eg_id)
    if eg_ids:
        for unite_id in await session.exec(select(Unite.id).where(Unite.etablissement_id.in_(eg_ids))):
            cs.enqueue("unite", unite_id)
    session.add(row)
    await cs.flush()
    await session.commit()
    return True
