"""The current form of EJ, EG and unités as one caller may see it: what the feed and the bulk export carry.

Every row comes from the batch readers of ``services.directory.batch``, which apply the visibility
policy in SQL (sensitive units and what is under them, lieux, contacts and telecoms above the
caller's level); columns of a registry attribute above the caller's level read ``None``, as in GraphQL.
Back-office bookkeeping (who last edited, the validation workflow, the demo flag) is not part of a form.
A form is plain JSON (dates as ISO strings, decimals as strings), batched: a few statements per call,
whatever the number of ids.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from typing import Any

from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import registry
from ror_graph.services.accounts.auth import Caller
from ror_graph.services.directory import batch
from ror_graph.services.policy.visibility import level_of

PRIVATE_COLUMNS = frozenset({"derniere_modification_par", "derniere_validation_par", "statut_description",
                             "demo", "placeholder", "finess_updated_at", "derniere_modification_at"})
_ENTITY_OF_TABLE = {"entitejuridique": registry.Entity.ej, "etablissement": registry.Entity.eg,
                    "unite": registry.Entity.unite, "lieu": registry.Entity.lieu}


_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})


def plain(value: Any) -> Any:
    """A JSON-safe copy of a column value."""
    if type(value) in _PLAIN_TYPES:
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


@cache
def _hidden_columns(table: str, level: int) -> frozenset[str]:
    """Columns of registry attributes above ``level`` (they read ``None``), plus back-office ones."""
    entity = _ENTITY_OF_TABLE.get(table)
    hidden = {a.column or a.key for a in registry.of(entity) if a.storage is registry.Storage.column
              and a.confidentiality > level} if entity else set()
    return PRIVATE_COLUMNS | hidden


@cache
def _layout(table: Any, level: int, skip: tuple[str, ...]) -> tuple[tuple[str, bool], ...]:
    """(column, hidden) of the columns a form of ``table`` shows (computed once per table, level, skip)."""
    hidden = _hidden_columns(table.name, level)
    return tuple((c.name, c.name in hidden) for c in table.columns
                 if c.name not in skip and c.name not in PRIVATE_COLUMNS and not c.foreign_keys)


def row_form(row: SQLModel, level: int, *, skip: Sequence[str] = ()) -> dict[str, Any]:
    """Every column of ``row`` a caller of ``level`` may read (foreign ids and ``skip`` left out)."""
    layout = _layout(row.__table__, level, tuple(skip))  # type: ignore[attr-defined]
    return {name: None if hidden else plain(getattr(row, name)) for name, hidden in layout}


def _codes(rows: Sequence[Any], level: int, entity: registry.Entity) -> dict[int, dict[str, list[str]]]:
    """Code rows grouped by owner id then attribute, without those of attributes above ``level``."""
    too_high = {a.column for a in registry.of(entity) if a.confidentiality > level}
    grouped: dict[Any, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for code in rows:
        owner = getattr(code, "unite_id", None) or getattr(code, "etablissement_id", None)
        if code.attribute not in too_high:
            grouped[owner][code.attribute].append(code.code)
    return grouped


async def _contacts(session: AsyncSession, contacts: list[Any], caller: Caller) -> dict[int, list[dict]]:
    """Visible contacts (with their visible telecoms) grouped by their EG or offer id."""
    level = level_of(caller)
    telecoms = defaultdict(list)
    for telecom in await batch.telecoms_by_contact_ids(session, [c.id for c in contacts], caller=caller):
        telecoms[telecom.contact_id].append(row_form(telecom, level, skip=("id",)))
    grouped: dict[int, list[dict]] = defaultdict(list)
    for contact in contacts:
        owner = contact.unite_id or contact.etablissement_id
        grouped[owner].append({**row_form(contact, level), "telecoms": telecoms[contact.id]})
    return grouped


async def entite_forms(session: AsyncSession, ids: Sequence[int], caller: Caller) -> dict[int, dict[str, Any]]:
    """EJ forms by id (an EJ holds FINESS identity only: public at every level)."""
    level = level_of(caller)
    ejs: list[Any] = await batch.entites_by_ids(session, ids)
    return {ej.id: row_form(ej, level) for ej in ejs}


async def etablissement_forms(session: AsyncSession, ids: Sequence[int], caller: Caller) -> dict[int, dict[str, Any]]:
    """EG forms by id: columns, EJ FINESS, codes, tarifs, FINESS capacities, the EG's own contacts."""
    level = level_of(caller)
    egs: list[Any] = await batch.etablissements_by_ids(session, ids)
    if not egs:
        return {}
    eg_ids = [eg.id for eg in egs]
    ejs = {ej.id: ej.finess for ej in await batch.entites_by_ids(session, [eg.entite_juridique_id for eg in egs])}
    codes = _codes(await batch.codes_by_etablissement_ids(session, eg_ids), level, registry.Entity.eg)
    tarifs, capacites = defaultdict(list), defaultdict(list)
    for tarif in await batch.tarifs_by_etablissement_ids(session, eg_ids):
        tarifs[tarif.etablissement_id].append(row_form(tarif, level, skip=("id", "version", "created_at")))
    for cap in await batch.capacites_finess_by_etablissement_ids(session, eg_ids):
        capacites[cap.etablissement_id].append(row_form(cap, level, skip=("id",)))
    contacts = await _contacts(session, await batch.contacts_by_etablissement_ids(session, eg_ids, caller=caller),
                               caller)
    return {eg.id: {**row_form(eg, level), "entite_juridique": ejs.get(eg.entite_juridique_id),
                    "codes": dict(codes.get(eg.id, {})), "tarifs": tarifs[eg.id], "capacites_finess": capacites[eg.id],
                    "contacts": contacts[eg.id]} for eg in egs}


async def _lieux(session: AsyncSession, unite_ids: list[int], caller: Caller) -> dict[int, list[dict]]:
    """Lieux of each offer with their capacités, équipements and habitations."""
    level = level_of(caller)
    pairs: list[Any] = await batch.lieux_by_unite_ids(session, unite_ids, caller=caller)
    lieu_ids = sorted({lieu.id for _u, lieu in pairs})
    parts: dict[str, dict[int, list[dict]]] = {}
    for name, reader in (("capacites", batch.capacites_by_lieu_ids), ("equipements", batch.equipements_by_lieu_ids),
                         ("habitations", batch.habitations_by_lieu_ids)):
        parts[name] = defaultdict(list)
        for child in await reader(session, lieu_ids, caller=caller):
            parts[name][child.lieu_id].append(row_form(child, level, skip=("id", "updated_at")))
    grouped: dict[int, list[dict]] = defaultdict(list)
    for unite_id, lieu in pairs:
        grouped[unite_id].append({**row_form(lieu, level), **{name: part[lieu.id] for name, part in parts.items()}})
    return grouped


async def unite_forms(session: AsyncSession, ids: Sequence[int], caller: Caller) -> dict[int, dict[str, Any]]:
    """Forms of the offers visible to ``caller``, by id (a hidden offer is simply absent)."""
    level = level_of(caller)
    unites: list[Any] = await batch.unites_by_ids(session, ids, caller=caller)
    if not unites:
        return {}
    unite_ids = [u.id for u in unites]
    egs = {eg.id: eg.finess for eg in await batch.etablissements_by_ids(session, [u.etablissement_id for u in unites])}
    codes = _codes(await batch.codes_by_unite_ids(session, unite_ids, caller=caller), level, registry.Entity.unite)
    horaires, zones = defaultdict(list), defaultdict(list)
    for horaire in await batch.horaires_by_unite_ids(session, unite_ids, caller=caller):
        horaires[horaire.unite_id].append(row_form(horaire, level, skip=("id",)))
    for zone in await batch.zones_by_unite_ids(session, unite_ids, caller=caller):
        zones[zone.unite_id].append(row_form(zone, level, skip=("id",)))
    contacts = await _contacts(session, await batch.contacts_by_unite_ids(session, unite_ids, caller=caller), caller)
    lieux = await _lieux(session, unite_ids, caller)
    return {u.id: {**row_form(u, level), "etablissement": egs.get(u.etablissement_id),
                   "codes": dict(codes.get(u.id, {})), "horaires": horaires[u.id], "zones": zones[u.id],
                   "contacts": contacts[u.id], "lieux": lieux[u.id]} for u in unites}


FORM_READERS = {"entite_juridique": entite_forms, "etablissement": etablissement_forms, "unite": unite_forms}
