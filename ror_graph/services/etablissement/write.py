"""Declared fields of an établissement (EG): what its référents and directeur may change.

``update_etablissement`` takes a ``Principal`` and an ``EtablissementUpdate`` (patch: only the fields
sent change). Keys that name a FINESS-owned column (``finess_owned_fields(Etablissement)``) are refused
with ``FINESS_LOCKED`` whoever asks: support corrects those through
``services.finess.correction.correct_finess_field``, with a motif. Contacts are merged so that an
author never removes what it cannot see (``services.unite.contacts``); a sensitive offer, hidden from
authors below the regulation level, is not even reindexed by their writes.

The alert rule (at least one alert phone or alert e-mail on the EG) is checked whenever the EG's
``contacts`` list is set, on the contacts the EG will have (the sent ones plus those hidden from the
author): an EG imported without contacts can still get
its nom opérationnel edited, but nobody can save a contact list that leaves the EG unreachable in a
crisis. Missing alert channels of untouched EGs show up in the completeness score instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import Etablissement, EtablissementCode, Tarif, Unite, finess_owned_fields, registry
from ror_graph.models.coded import AIDE_FINANCIERE, HABITATION, TEMPORALITE, TYPE_TARIF
from ror_graph.services.accounts.principal import Principal
from ror_graph.services.accounts.scope import authorize, load_etablissement
from ror_graph.services.core.changes import ChangeSet, as_text
from ror_graph.services.core.errors import BadInputError
from ror_graph.services.core.validation import check_attribute_codes, check_codes
from ror_graph.services.core.write import WriteOperation, sent
from ror_graph.services.core.write_common import (
    check_bool,
    check_int,
    check_list,
    clean_code,
    clean_text,
    column_length,
    mark_modified,
    reject_locked_and_unknown,
    snapshot,
)
from ror_graph.services.etablissement.inputs import EtablissementUpdate, TarifInput
from ror_graph.services.unite.contacts import (
    clean_contacts,
    current_contacts,
    has_alert_channel,
    merged_contacts,
    visible_contacts,
    write_contacts,
)

AIDE_ATTRIBUTE = "aide_financiere"
TEXT_FIELDS = ("nom_operationnel", "commentaire")
INT_FIELDS = ("nb_place_aide_sociale_permanent", "nb_place_aide_sociale_temporaire")
DECLARED_SCALARS = (*TEXT_FIELDS, *INT_FIELDS, "hebergement_famille", "accessibilite_code")
DECLARED_LISTS = ("aides_financieres", "contacts", "tarifs")
MAX_MONTANT = Decimal("99999999.99")
ACCESSIBILITE = registry.attribute(registry.Entity.eg, "accessibilite")
UNITE_PRIX = registry.attribute(registry.Entity.eg, "tarifs_unite_prix")
SENSITIVE_LEVEL = 3  # only the regulation level sees sensitive offers
# FINESS-owned columns, plus ``adresse`` (the read API's name for the FINESS address columns as a group).
LOCKED_KEYS = (*finess_owned_fields(Etablissement), "adresse")


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
    await check_attribute_codes(session, UNITE_PRIX, [r["unite_prix"] for r in rows], field="tarifs.unitePrix")
    return rows


async def _clean_scalars(session: AsyncSession, changes: Mapping[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for key in TEXT_FIELDS:
        if key in changes:
            cleaned[key] = clean_text(changes[key], field=key, max_length=column_length(Etablissement, key))
    for key in INT_FIELDS:
        if key in changes:
            cleaned[key] = check_int(changes[key], field=key)
    if "hebergement_famille" in changes:
        cleaned["hebergement_famille"] = check_bool(changes["hebergement_famille"], field="hebergement_famille")
    if "accessibilite_code" in changes:
        code = clean_code(changes["accessibilite_code"], field="accessibilite_code")
        await check_attribute_codes(session, ACCESSIBILITE, [code], field="accessibilite_code")
        cleaned["accessibilite_code"] = code
    return cleaned


def _required_code(value: Any, *, field: str) -> str:
    code = clean_code(value, field=field, required=True)
    assert code is not None  # required: ``clean_code`` raised otherwise
    return code


async def _current_tarifs(session: AsyncSession, etablissement_id: int) -> list[dict[str, Any]]:
    query = select(Tarif).where(Tarif.etablissement_id == etablissement_id).order_by(col(Tarif.id))
    rows = (await session.exec(query)).all()
    keys = ("type_code", "montant", "unite_prix", "date_debut", "moins_de_60_ans", "type_habitation_code",
            "temporalite_code", "condition_code", "niveau_dependance_code")
    return [{k: getattr(r, k) for k in keys} for r in rows]


async def _current_aides(session: AsyncSession, etablissement_id: int) -> list[str]:
    rows = await session.exec(select(EtablissementCode.code).where(
        EtablissementCode.etablissement_id == etablissement_id, EtablissementCode.attribute == AIDE_ATTRIBUTE))
    return sorted(rows)


class UpdateEtablissement(WriteOperation[Etablissement]):
    """The declared fields sent in an ``EtablissementUpdate``, applied to EG ``finess`` read at ``version``."""

    def __init__(self, session: AsyncSession, principal: Principal, finess: str, data: EtablissementUpdate,
                 **kwargs: Any) -> None:
        super().__init__(session, principal, **kwargs)
        self.finess, self.changes = finess, sent(data)
        self.scalars: dict[str, Any] = {}
        self.lists: dict[str, tuple[Any, Any]] = {}  # key → (stored, new) as the author sees them
        self.values: dict[str, Any] = {}  # key → cleaned list to write

    async def load(self) -> None:
        self.row, self.ej = await load_etablissement(self.session, self.finess)

    def authorize(self) -> None:
        authorize(self.principal, self.row, self.ej)

    def reject_locked(self) -> None:
        reject_locked_and_unknown(self.changes, declared=(*DECLARED_SCALARS, *DECLARED_LISTS), locked=LOCKED_KEYS,
                                  entity="an établissement")

    async def clean(self) -> None:
        eg, level = self.row, self.principal.level
        self.scalars = await _clean_scalars(self.session, self.changes)
        if "contacts" in self.changes:
            stored = await current_contacts(self.session, etablissement_id=eg.id)
            contacts = await clean_contacts(self.session, self.changes["contacts"], field="contacts",
                                            contact_level_required=False, level=level, stored=stored)
            if not has_alert_channel(merged_contacts(contacts, stored, level)):
                raise BadInputError("An établissement needs an alert phone (canal 8 or an alert contact's phone) "
                                    "or an alert e-mail (canal 9).", field="contacts")
            self.values["contacts"] = contacts
            self.lists["contacts"] = (visible_contacts(stored, level), [c.as_dict() for c in contacts])
        if "aides_financieres" in self.changes:
            aides = sorted({_required_code(c, field="aides_financieres")
                            for c in check_list(self.changes["aides_financieres"], field="aides_financieres")})
            await check_codes(self.session, AIDE_FINANCIERE, aides, field="aides_financieres")
            self.values["aides_financieres"] = aides
            self.lists["aides_financieres"] = (await _current_aides(self.session, eg.id), aides)
        if "tarifs" in self.changes:
            self.values["tarifs"] = tarifs = await _clean_tarifs(self.session, self.changes["tarifs"])
            self.lists["tarifs"] = (await _current_tarifs(self.session, eg.id), tarifs)

    async def diff(self) -> bool:
        self.scalars = {k: v for k, v in self.scalars.items() if as_text(getattr(self.row, k)) != as_text(v)}
        self.lists = {k: v for k, v in self.lists.items() if snapshot(v[0]) != snapshot(v[1])}
        return bool(self.scalars or self.lists)

    async def apply(self, cs: ChangeSet) -> None:
        eg = self.row
        for key, value in self.scalars.items():
            cs.set(eg, "etablissement", eg.finess, key, value)
        for key, (old, new) in self.lists.items():
            cs.record("etablissement", eg.finess, key, snapshot(old), snapshot(new))
        conn = await self.session.connection()
        if "contacts" in self.lists:
            await write_contacts(self.session, self.values["contacts"], level=self.principal.level, now=self.now,
                                 etablissement_id=eg.id)
        if "aides_financieres" in self.lists:
            await conn.execute(delete(EtablissementCode).where(
                col(EtablissementCode.etablissement_id) == eg.id, col(EtablissementCode.attribute) == AIDE_ATTRIBUTE))
            self.session.add_all(EtablissementCode(etablissement_id=eg.id, attribute=AIDE_ATTRIBUTE,
                                                   system=AIDE_FINANCIERE, code=code)
                                 for code in self.values["aides_financieres"])
        if "tarifs" in self.lists:
            await conn.execute(delete(Tarif).where(Tarif.etablissement_id == eg.id))
            self.session.add_all(Tarif(etablissement_id=eg.id, created_at=self.now, updated_at=self.now, **row)
                                 for row in self.values["tarifs"])

    async def enqueue(self, cs: ChangeSet) -> None:
        eg = self.row
        mark_modified(cs, eg, eg.finess, self.now)
        assert eg.id is not None  # loaded
        cs.enqueue("etablissement", eg.id)
        units = select(Unite.id).where(Unite.etablissement_id == eg.id)
        if self.principal.level < SENSITIVE_LEVEL:  # hidden offers are not the author's to touch
            units = units.where(Unite.unite_sensible == False)  # noqa: E712
        for unit_id in await self.session.exec(units):  # offer documents carry the EG's names and contacts
            assert unit_id is not None  # primary key
            cs.enqueue("unite", unit_id)


async def update_etablissement(session: AsyncSession, principal: Principal, *, finess: str, version: int,
                               data: EtablissementUpdate, now: datetime | None = None) -> Etablissement:
    """Apply the fields sent in ``data`` to EG ``finess`` read at ``version``; commits.

    Lists (``aides_financieres``, ``tarifs``) replace the stored list; ``contacts`` replace the
    contacts the author can see. A call that changes nothing writes nothing (same version).
    """
    return await UpdateEtablissement(session, principal, finess, data, version=version, now=now).run()
