"""Declared fields of an établissement (EG): what its référents and directeur may change.

``update_etablissement`` takes a mapping of changes keyed by column / list name. Keys that name a
FINESS-owned column (``finess_owned_fields(Etablissement)``) are refused with ``FINESS_LOCKED``
whoever asks: support corrects those through ``services.finess.importer.correct_finess_field``, with a motif.

The alert rule (at least one alert phone or alert e-mail on the EG) is checked whenever the EG's
``contacts`` list is set, on the list being written: an EG imported without contacts can still get
its nom opérationnel edited, but nobody can save a contact list that leaves the EG unreachable in a
crisis. Missing alert channels of untouched EGs show up in the completeness score instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import delete
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Etablissement, EtablissementCode, Tarif, Unite, finess_owned_fields, utcnow
from ror_graph.models.coded import AIDE_FINANCIERE, HABITATION, TEMPORALITE, TYPE_TARIF
from ror_graph.services.accounts.scope import authorize, load_etablissement, writer_for
from ror_graph.services.core.changes import ChangeSet, as_text
from ror_graph.services.core.errors import BadInputError, FinessLockedError
from ror_graph.services.core.validation import check_codes
from ror_graph.services.core.write_common import (
    check_bool,
    check_int,
    check_list,
    check_version,
    claim_version,
    clean_code,
    clean_text,
    column_length,
    in_transaction,
    mark_modified,
    snapshot,
)
from ror_graph.services.unite.contacts import clean_contacts, current_contacts, has_alert_channel, replace_contacts

AIDE_ATTRIBUTE = "aide_financiere"
TEXT_FIELDS = ("nom_operationnel", "commentaire")
INT_FIELDS = ("nb_place_aide_sociale_permanent", "nb_place_aide_sociale_temporaire")
DECLARED_SCALARS = (*TEXT_FIELDS, *INT_FIELDS, "hebergement_famille", "accessibilite_code")
DECLARED_LISTS = ("aides_financieres", "contacts", "tarifs")
MAX_MONTANT = Decimal("99999999.99")
# FINESS-owned columns, plus ``adresse`` (the read API's name for the FINESS address columns as a group).
LOCKED_KEYS = (*finess_owned_fields(Etablissement), "adresse")


@dataclass
class TarifInput:
    """A declared tariff (TRE_R246 type, amount in euros with its unit and conditions)."""

    type_code: str | None = None
    montant: Decimal | float | str | None = None
    unite_prix: str | None = None
    date_debut: date | None = None
    moins_de_60_ans: bool = False
    type_habitation_code: str | None = None
    temporalite_code: str | None = None
    condition_code: str | None = None
    niveau_dependance_code: str | None = None


def reject_locked_and_unknown(changes: Mapping[str, Any], *, declared: tuple[str, ...], locked: tuple[str, ...],
                              entity: str) -> None:
    """FINESS-owned keys → ``FINESS_LOCKED``; any other key not in ``declared`` → ``BAD_INPUT``."""
    for key in changes:
        if key in locked:
            raise FinessLockedError(
                f"{key} comes from FINESS and cannot be changed here; ask support for a correction.", field=key
            )
    for key in changes:
        if key not in declared:
            raise BadInputError(f"{key} is not a declared field of {entity}.", field=key)


def _clean_montant(value: Any, *, field: str) -> Decimal:
    if value is None or isinstance(value, bool):
        raise BadInputError("An amount is required.", field=field)
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise BadInputError("Expected an amount in euros.", field=field) from exc
    if not amount.is_finite() or amount < 0 or amount > MAX_MONTANT:
        raise BadInputError(f"Amounts lie between 0 and {MAX_MONTANT}.", field=field)
    return amount.quantize(Decimal("0.01"))


async def _clean_tarifs(session: AsyncSession, value: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i, item in enumerate(check_list(value, field="tarifs", max_items=100)):
        where = f"tarifs[{i}]"
        if not isinstance(item, TarifInput):
            raise BadInputError("Expected a tariff.", field=where)
        if item.date_debut is not None and not isinstance(item.date_debut, date):
            raise BadInputError("Expected a date.", field=f"{where}.dateDebut")
        rows.append({
            "type_code": clean_code(item.type_code, field=f"{where}.type", required=True),
            "montant": _clean_montant(item.montant, field=f"{where}.montant"),
            "unite_prix": clean_code(item.unite_prix, field=f"{where}.unitePrix"),
            "date_debut": item.date_debut,
            "moins_de_60_ans": bool(check_bool(item.moins_de_60_ans, field=f"{where}.moinsDe60Ans")),
            "type_habitation_code": clean_code(item.type_habitation_code, field=f"{where}.typeHabitation"),
            "temporalite_code": clean_code(item.temporalite_code, field=f"{where}.temporalite"),
            "condition_code": clean_code(item.condition_code, field=f"{where}.condition"),
            "niveau_dependance_code": clean_code(item.niveau_dependance_code, field=f"{where}.niveauDependance"),
        })
    await check_codes(session, TYPE_TARIF, [r["type_code"] for r in rows], field="tarifs.type")
    await check_codes(session, HABITATION, [r["type_habitation_code"] for r in rows], field="tarifs.typeHabitation")
    await check_codes(session, TEMPORALITE, [r["temporalite_code"] for r in rows], field="tarifs.temporalite")
    return rows


async def _clean_scalars(changes: Mapping[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for key in TEXT_FIELDS:
        if key in changes:
            cleaned[key] = clean_text(changes[key], field=key, max_length=column_length(Etablissement, key))
    for key in INT_FIELDS:
        if key in changes:
            cleaned[key] = check_int(changes[key], field=key)
    if "hebergement_famille" in changes:
        cleaned["hebergement_famille"] = check_bool(changes["hebergement_famille"], field="hebergement_famille")
    if "accessibilite_code" in changes:  # TRE_R202 is not shipped with the reference data: shape check only
        cleaned["accessibilite_code"] = clean_code(changes["accessibilite_code"], field="accessibilite_code")
    return cleaned


async def _current_tarifs(session: AsyncSession, etablissement_id: int) -> list[dict[str, Any]]:
    query = select(Tarif).where(Tarif.etablissement_id == etablissement_id).order_by(Tarif.id)
    rows = (await session.exec(query)).all()
    keys = ("type_code", "montant", "unite_prix", "date_debut", "moins_de_60_ans", "type_habitation_code",
            "temporalite_code", "condition_code", "niveau_dependance_code")
    return [{k: getattr(r, k) for k in keys} for r in rows]


async def _current_aides(session: AsyncSession, etablissement_id: int) -> list[str]:
    rows = await session.exec(select(EtablissementCode.code).where(
        EtablissementCode.etablissement_id == etablissement_id, EtablissementCode.attribute == AIDE_ATTRIBUTE))
    return sorted(rows)


async def update_etablissement(
    session: AsyncSession,
    *,
    actor: Any,
    finess: str,
    version: int,
    changes: Mapping[str, Any],
    now: datetime | None = None,
    source: str = "api",
) -> Etablissement:
    """Apply ``changes`` to the declared fields of EG ``finess``, read at ``version``; commits.

    ``actor`` is the GraphQL ``Caller`` or an ``Actor``. Lists (``aides_financieres``, ``contacts``,
    ``tarifs``) replace the stored list. A call that changes nothing writes nothing (same version).
    """
    now = now or utcnow()

    async def work() -> Etablissement:
        writer = await writer_for(session, actor, source=source)
        eg, ej = await load_etablissement(session, finess)
        authorize(writer, eg, ej)
        reject_locked_and_unknown(changes, declared=(*DECLARED_SCALARS, *DECLARED_LISTS),
                                  locked=LOCKED_KEYS, entity="an établissement")
        check_version(eg, version)
        scalars = await _clean_scalars(changes)
        list_changes: dict[str, tuple[Any, Any]] = {}
        contacts = None
        if "contacts" in changes:
            contacts = await clean_contacts(session, changes["contacts"], field="contacts",
                                            contact_level_required=False)
            if not has_alert_channel(contacts):
                raise BadInputError("An établissement needs an alert phone (canal 8 or an alert contact's phone) "
                                    "or an alert e-mail (canal 9).", field="contacts")
            old = [c.as_dict() for c in await current_contacts(session, etablissement_id=eg.id)]
            list_changes["contacts"] = (old, [c.as_dict() for c in contacts])
        aides = None
        if "aides_financieres" in changes:
            aides = sorted({clean_code(c, field="aides_financieres", required=True)
                            for c in check_list(changes["aides_financieres"], field="aides_financieres")})
            await check_codes(session, AIDE_FINANCIERE, aides, field="aides_financieres")
            list_changes["aides_financieres"] = (await _current_aides(session, eg.id), aides)
        tarifs = None
        if "tarifs" in changes:
            tarifs = await _clean_tarifs(session, changes["tarifs"])
            list_changes["tarifs"] = (await _current_tarifs(session, eg.id), tarifs)
        changed_scalars = {k: v for k, v in scalars.items() if as_text(getattr(eg, k)) != as_text(v)}
        changed_lists = {k: v for k, v in list_changes.items() if snapshot(v[0]) != snapshot(v[1])}
        if not changed_scalars and not changed_lists:
            return eg
        unit_ids = list(await session.exec(select(Unite.id).where(Unite.etablissement_id == eg.id)))

        await claim_version(session, eg, version, now)
        cs = ChangeSet(session, writer.actor, now=now)
        for key, value in changed_scalars.items():
            cs.set(eg, "etablissement", eg.finess, key, value)
        for key, (old, new) in changed_lists.items():
            cs.record("etablissement", eg.finess, key, snapshot(old), snapshot(new))
        conn = await session.connection()
        if "contacts" in changed_lists and contacts is not None:
            await replace_contacts(session, contacts, etablissement_id=eg.id)
        if "aides_financieres" in changed_lists and aides is not None:
            await conn.execute(delete(EtablissementCode).where(
                EtablissementCode.etablissement_id == eg.id, EtablissementCode.attribute == AIDE_ATTRIBUTE))
            session.add_all(EtablissementCode(etablissement_id=eg.id, attribute=AIDE_ATTRIBUTE,
                                              system=AIDE_FINANCIERE, code=code) for code in aides)
        if "tarifs" in changed_lists and tarifs is not None:
            await conn.execute(delete(Tarif).where(Tarif.etablissement_id == eg.id))
            session.add_all(Tarif(etablissement_id=eg.id, created_at=now, updated_at=now, **row) for row in tarifs)
        mark_modified(cs, eg, eg.finess, now)
        cs.enqueue("etablissement", eg.id)
        for unit_id in unit_ids:  # offer documents carry the EG's names and contacts
            cs.enqueue("unite", unit_id)
        await cs.flush()
        return eg

    return await in_transaction(session, work)
