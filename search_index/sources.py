"""Bulk reads of everything documents are built from: a fixed number of statements per chunk of offers.

Reindex and the outbox drain both go through ``load_sources``; rows are read as plain mappings
(no ORM objects), which keeps a 200,000-offer reindex in memory and time bounds. What is read is
decided by the visibility policy for its public profile (``policy.visibility.PUBLIC``): the index,
``/api/search`` and the exports serve everybody the same documents, so they hold only what an
anonymous caller may see, and confidential rows never leave the database on this path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Table, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import (
    Contact,
    EntiteJuridique,
    Equipement,
    Etablissement,
    Lieu,
    Telecom,
    Unite,
    UniteCode,
    UniteLieu,
    ZoneIntervention,
)
from ror_graph.services.policy.visibility import PUBLIC, level_clause, unite_visible
from search_index.documents import OffreSource


def _t(model) -> Table:
    return model.__table__


UNITE, EG, EJ = _t(Unite), _t(Etablissement), _t(EntiteJuridique)
CODE, ZONE, LIEU, UNITE_LIEU = _t(UniteCode), _t(ZoneIntervention), _t(Lieu), _t(UniteLieu)
EQUIPEMENT, CONTACT, TELECOM = _t(Equipement), _t(Contact), _t(Telecom)
EG_COLUMNS = [c for c in EG.c if c.name not in ("commentaire",)]


async def public_unite_ids(session: AsyncSession, *, after_id: int = 0, limit: int = 2000) -> list[int]:
    """Ids of searchable offers (open, visible to the public profile, open EG) after ``after_id``, in id order."""
    conn = await session.connection()
    rows = await conn.execute(
        select(UNITE.c.id).join(EG, EG.c.id == UNITE.c.etablissement_id)
        .where(UNITE.c.id > after_id, UNITE.c.ferme.is_(False), unite_visible(PUBLIC, UNITE.c), EG.c.ferme.is_(False))
        .order_by(UNITE.c.id).limit(limit)
    )
    return [r[0] for r in rows]


async def count_public_unites(session: AsyncSession) -> int:
    from sqlalchemy import func

    conn = await session.connection()
    return (await conn.execute(
        select(func.count()).select_from(UNITE.join(EG, EG.c.id == UNITE.c.etablissement_id))
        .where(UNITE.c.ferme.is_(False), unite_visible(PUBLIC, UNITE.c), EG.c.ferme.is_(False))
    )).scalar_one()


async def unite_ids_by_etablissement(session: AsyncSession, eg_ids: Iterable[int]) -> dict[int, list[int]]:
    """Every offer id (whatever its state) of each EG, so an EG change re-indexes all of them."""
    ids = sorted(set(eg_ids))
    result: dict[int, list[int]] = {i: [] for i in ids}
    if not ids:
        return result
    conn = await session.connection()
    for eg_id, unite_id in await conn.execute(
        select(UNITE.c.etablissement_id, UNITE.c.id).where(UNITE.c.etablissement_id.in_(ids))
    ):
        result[eg_id].append(unite_id)
    return result


async def load_sources(session: AsyncSession, unite_ids: Sequence[int]) -> dict[int, OffreSource]:
    """The rows of each existing offer in ``unite_ids`` (missing ids are simply absent): 8 statements."""
    ids = sorted(set(unite_ids))
    if not ids:
        return {}
    conn = await session.connection()
    unites = (await conn.execute(select(UNITE).where(UNITE.c.id.in_(ids)))).mappings().all()
    eg_ids = sorted({u["etablissement_id"] for u in unites})
    egs = {r["id"]: r for r in (await conn.execute(select(*EG_COLUMNS).where(EG.c.id.in_(eg_ids)))).mappings()}
    ej_ids = sorted({eg["entite_juridique_id"] for eg in egs.values()})
    ejs = {r["id"]: r for r in (await conn.execute(
        select(EJ.c.id, EJ.c.finess, EJ.c.raison_sociale).where(EJ.c.id.in_(ej_ids)))).mappings()}
    sources: dict[int, OffreSource] = {}
    for u in unites:
        eg = egs[u["etablissement_id"]]
        sources[u["id"]] = OffreSource(unite=u, etablissement=eg, entite_juridique=ejs.get(eg["entite_juridique_id"]))

    for unite_id, attribute, code in await conn.execute(
        select(CODE.c.unite_id, CODE.c.attribute, CODE.c.code).where(CODE.c.unite_id.in_(ids))
    ):
        sources[unite_id].codes.append((attribute, code))
    for unite_id, type_code, code in await conn.execute(
        select(ZONE.c.unite_id, ZONE.c.type_code, ZONE.c.code).where(ZONE.c.unite_id.in_(ids))
    ):
        sources[unite_id].zones.append((type_code, code))
    lieux = await conn.execute(
        select(UNITE_LIEU.c.unite_id, LIEU.c.id, LIEU.c.latitude, LIEU.c.longitude, LIEU.c.commune_code)
        .join(LIEU, LIEU.c.id == UNITE_LIEU.c.lieu_id)
        .where(UNITE_LIEU.c.unite_id.in_(ids)).order_by(UNITE_LIEU.c.unite_id, LIEU.c.id)
    )
    for row in lieux.mappings():
        sources[row["unite_id"]].lieux.append(row)
    for unite_id, type_code in await conn.execute(
        select(UNITE_LIEU.c.unite_id, EQUIPEMENT.c.type_code)
        .join(EQUIPEMENT, EQUIPEMENT.c.lieu_id == UNITE_LIEU.c.lieu_id).where(UNITE_LIEU.c.unite_id.in_(ids))
    ):
        sources[unite_id].equipements.append(type_code)

    # Only public contacts are read at all: level 2/3 rows never leave the database on this path.
    contacts = (await conn.execute(
        select(CONTACT.c.id, CONTACT.c.unite_id, CONTACT.c.nom, CONTACT.c.fonction, CONTACT.c.nature_code,
               CONTACT.c.confidentialite)
        .where(CONTACT.c.unite_id.in_(ids), level_clause(PUBLIC, CONTACT.c.confidentialite)).order_by(CONTACT.c.id)
    )).mappings().all()
    telecoms: dict[int, list] = {c["id"]: [] for c in contacts}
    if contacts:
        for row in (await conn.execute(
            select(TELECOM.c.contact_id, TELECOM.c.canal_code, TELECOM.c.valeur, TELECOM.c.confidentialite)
            .where(TELECOM.c.contact_id.in_(list(telecoms)), level_clause(PUBLIC, TELECOM.c.confidentialite))
            .order_by(TELECOM.c.id)
        )).mappings():
            telecoms[row["contact_id"]].append(row)
    for contact in contacts:
        sources[contact["unite_id"]].contacts.append((contact, telecoms[contact["id"]]))
    return sources
