"""Batch reads of the directory for the read API: one SQL statement per call, whatever the number of ids.

Every function takes a list of keys (the DataLoaders' batches) and returns the matching rows in no
particular order; the loaders regroup them by key. Visibility is applied here, in SQL, with the
clauses of ``services.policy.visibility``, so rows a caller may not see never leave the database:
sensitive units and every row under them, lieux serving only hidden units and their measures,
contacts and telecoms above the caller's level. Children are filtered even though they are only
reached through visible parents: a new caller of these functions cannot leak by forgetting a step.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists
from sqlalchemy.orm import aliased
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import (
    Capacite,
    CapaciteFiness,
    Commune,
    Contact,
    EntiteJuridique,
    Equipement,
    EquipementLimite,
    Etablissement,
    EtablissementCode,
    Habitation,
    Horaire,
    Lieu,
    Nomenclature,
    Tarif,
    Telecom,
    Unite,
    UniteCode,
    UniteLieu,
    ZoneIntervention,
)
from ror_graph.services.accounts.auth import Caller
from ror_graph.services.policy.visibility import (
    level_clause,
    lieu_visible,
    under_visible_unite,
    unite_visible,
    visible_telecoms,
)


async def _rows(session: AsyncSession, model: type[SQLModel], key: Any, keys: Sequence, *where, order=None) -> list:
    """Rows of ``model`` whose ``key`` column is in ``keys`` (plus ``where``), ordered by ``order`` then id."""
    if not keys:
        return []
    statement = select(model).where(col(key).in_(list(dict.fromkeys(keys))), *where)
    pk = model.__table__.primary_key.columns  # type: ignore[attr-defined]
    statement = statement.order_by(*(order or ()), *pk)
    return list(await session.exec(statement))


# --- organisations ---------------------------------------------------------------------------------


async def entites_by_ids(session: AsyncSession, ids: Sequence[int]) -> list[EntiteJuridique]:
    return await _rows(session, EntiteJuridique, EntiteJuridique.id, ids)


async def entites_by_finess(session: AsyncSession, finess: Sequence[str]) -> list[EntiteJuridique]:
    return await _rows(session, EntiteJuridique, EntiteJuridique.finess, finess)


async def etablissements_by_ids(session: AsyncSession, ids: Sequence[int]) -> list[Etablissement]:
    return await _rows(session, Etablissement, Etablissement.id, ids)


async def etablissements_by_finess(session: AsyncSession, finess: Sequence[str]) -> list[Etablissement]:
    return await _rows(session, Etablissement, Etablissement.finess, finess)


async def etablissements_by_entite_ids(session: AsyncSession, ids: Sequence[int]) -> list[Etablissement]:
    return await _rows(session, Etablissement, Etablissement.entite_juridique_id, ids, order=[Etablissement.finess])


async def tarifs_by_etablissement_ids(session: AsyncSession, ids: Sequence[int]) -> list[Tarif]:
    return await _rows(session, Tarif, Tarif.etablissement_id, ids, order=[Tarif.type_code])


async def codes_by_etablissement_ids(session: AsyncSession, ids: Sequence[int]) -> list[EtablissementCode]:
    return await _rows(
        session, EtablissementCode, EtablissementCode.etablissement_id, ids, order=[EtablissementCode.code]
    )


async def capacites_finess_by_etablissement_ids(session: AsyncSession, ids: Sequence[int]) -> list[CapaciteFiness]:
    return await _rows(session, CapaciteFiness, CapaciteFiness.etablissement_id, ids)


# --- offers ----------------------------------------------------------------------------------------


async def unites_by_ids(session: AsyncSession, ids: Sequence[int], *, caller: Caller) -> list[Unite]:
    return await _rows(session, Unite, Unite.id, ids, unite_visible(caller))


async def unites_by_identifiants(session: AsyncSession, identifiants: Sequence[str], *, caller: Caller) -> list[Unite]:
    return await _rows(session, Unite, Unite.identifiant, identifiants, unite_visible(caller))


async def unites_by_etablissement_ids(session: AsyncSession, ids: Sequence[int], *, caller: Caller) -> list[Unite]:
    return await _rows(session, Unite, Unite.etablissement_id, ids, unite_visible(caller), order=[Unite.nom])


async def codes_by_unite_ids(session: AsyncSession, ids: Sequence[int], *, caller: Caller) -> list[UniteCode]:
    """Every multi-valued coded attribute of the offers (activités, publics...), in one statement."""
    return await _rows(session, UniteCode, UniteCode.unite_id, ids, under_visible_unite(caller, UniteCode.unite_id),
                       order=[UniteCode.code])


async def horaires_by_unite_ids(session: AsyncSession, ids: Sequence[int], *, caller: Caller) -> list[Horaire]:
    return await _rows(session, Horaire, Horaire.unite_id, ids, under_visible_unite(caller, Horaire.unite_id),
                       order=[Horaire.jour, Horaire.heure_debut])


async def zones_by_unite_ids(session: AsyncSession, ids: Sequence[int], *, caller: Caller) -> list[ZoneIntervention]:
    visible = under_visible_unite(caller, ZoneIntervention.unite_id)
    order = [ZoneIntervention.code]
    return await _rows(session, ZoneIntervention, ZoneIntervention.unite_id, ids, visible, order=order)


# --- places ----------------------------------------------------------------------------------------


async def lieux_by_unite_ids(session: AsyncSession, ids: Sequence[int], *, caller: Caller) -> list[tuple[int, Lieu]]:
    """(unite_id, lieu) pairs of visible offers: a lieu shared by several offers comes once per offer.

    A lieu used by a visible offer is visible (policy), so the offer's visibility is the only test.
    """
    if not ids:
        return []
    statement = (
        select(UniteLieu.unite_id, Lieu)
        .join(Lieu, col(Lieu.id) == UniteLieu.lieu_id)
        .where(col(UniteLieu.unite_id).in_(list(dict.fromkeys(ids))), under_visible_unite(caller, UniteLieu.unite_id))
        .order_by(col(UniteLieu.unite_id), col(Lieu.id))
    )
    return [(unite_id, lieu) for unite_id, lieu in await session.exec(statement)]


async def lieux_by_etablissement_ids(session: AsyncSession, ids: Sequence[int], *, caller: Caller) -> list[Lieu]:
    """Lieux of the EGs used by at least one offer visible to the caller, or by none."""
    return await _rows(session, Lieu, Lieu.etablissement_id, ids, lieu_visible(caller, Lieu.id))


async def capacites_by_lieu_ids(session: AsyncSession, ids: Sequence[int], *, caller: Caller) -> list[Capacite]:
    return await _rows(session, Capacite, Capacite.lieu_id, ids, lieu_visible(caller, Capacite.lieu_id),
                       order=[Capacite.nature_code, Capacite.statut_code])


async def equipements_by_lieu_ids(session: AsyncSession, ids: Sequence[int], *, caller: Caller) -> list[Equipement]:
    return await _rows(session, Equipement, Equipement.lieu_id, ids, lieu_visible(caller, Equipement.lieu_id),
                       order=[Equipement.type_code])


async def limites_by_equipement_ids(
    session: AsyncSession, ids: Sequence[int], *, caller: Caller
) -> list[EquipementLimite]:
    equipement = aliased(Equipement)
    visible = exists().where(col(equipement.id) == EquipementLimite.equipement_id,
                             lieu_visible(caller, equipement.lieu_id))
    return await _rows(session, EquipementLimite, EquipementLimite.equipement_id, ids, visible)


async def habitations_by_lieu_ids(session: AsyncSession, ids: Sequence[int], *, caller: Caller) -> list[Habitation]:
    return await _rows(session, Habitation, Habitation.lieu_id, ids, lieu_visible(caller, Habitation.lieu_id),
                       order=[Habitation.type_code])


# --- contacts (confidential) -------------------------------------------------------------------------


async def contacts_by_etablissement_ids(session: AsyncSession, ids: Sequence[int], *, caller: Caller) -> list[Contact]:
    """Contacts of the EGs themselves (not of their offers) up to the caller's level.

    ``unite_id + 0 IS NULL`` rather than ``unite_id IS NULL``: without statistics SQLite would walk the
    index on ``unite_id`` (every EG contact of the directory) instead of the one on ``etablissement_id``.
    """
    return await _rows(
        session,
        Contact,
        Contact.etablissement_id,
        ids,
        (col(Contact.unite_id) + 0).is_(None),
        level_clause(caller, Contact.confidentialite),
    )


async def contacts_by_unite_ids(session: AsyncSession, ids: Sequence[int], *, caller: Caller) -> list[Contact]:
    """Contacts of visible offers up to the caller's level."""
    return await _rows(session, Contact, Contact.unite_id, ids, level_clause(caller, Contact.confidentialite),
                       under_visible_unite(caller, Contact.unite_id))


async def telecoms_by_contact_ids(session: AsyncSession, ids: Sequence[int], *, caller: Caller) -> list[Telecom]:
    """Telecoms up to the caller's level whose contact is visible too (the stricter level applies)."""
    if not ids:
        return []
    return list(await session.exec(visible_telecoms(caller, ids)))


# --- reference data --------------------------------------------------------------------------------


async def communes_by_codes(session: AsyncSession, codes: Sequence[str]) -> list[Commune]:
    return await _rows(session, Commune, Commune.code, codes)


async def nomenclature_rows(session: AsyncSession) -> list[tuple[str, str, str]]:
    """Every (system, code, label) of the nomenclature table, ordered (a few thousand rows)."""
    statement = select(Nomenclature.system, Nomenclature.code, Nomenclature.label).order_by(
        Nomenclature.system, Nomenclature.code
    )
    return [(system, code, label) for system, code, label in await session.exec(statement)]
