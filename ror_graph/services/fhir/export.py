"""FHIR Bulk Data export: every resource of a type the caller may see, as NDJSON lines, in id order.

**Core rows.** A national export builds about 400k resources from about 2 million rows; reading them
as ORM objects was most of its time. Here each chunk is one keyset ``SELECT`` of the resource's table
(``id > last``, the visibility clause of ``services.policy.visibility``, ``LIMIT``), and what the
resources need under it is read with plain ``SELECT``s by the chunk's id range (``BETWEEN first AND
last``) or id list, each with its own visibility clause, into a ``Related`` of Core rows (they answer
attribute access like the ORM objects ``services.fhir.resources`` is written against). A chunk's
``Related`` is dropped after it: memory is flat in the volume.

``export_type_orm`` is the former path (ORM rows through ``services.fhir.build``): the reference the
Core path is tested against (same resources, byte for byte) and the bench's baseline.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Row, exists, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col
from sqlmodel import select as select_rows
from sqlmodel.ext.asyncio.session import AsyncSession

from ror_graph.models import (
    Capacite,
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
    Telecom,
    Unite,
    UniteCode,
    UniteLieu,
    ZoneIntervention,
)
from ror_graph.services.core.rows import fetch_rows, table_rows
from ror_graph.services.fhir import resources
from ror_graph.services.fhir.build import build
from ror_graph.services.fhir.codes import Labels
from ror_graph.services.fhir.load import Related
from ror_graph.services.fhir.query import FhirError
from ror_graph.services.fhir.search import MODELS
from ror_graph.services.policy.visibility import (
    level_clause,
    lieu_visible,
    under_visible_unite,
    unite_visible,
    visible_telecoms,
)

BATCH = 1000
Write = Callable[[list[str]], Awaitable[object]]


def types_of(value: str | None) -> list[str]:
    """``_type`` (comma-separated) → the types to export; all served types when absent."""
    if not value:
        return list(MODELS)
    types = [t.strip() for t in value.split(",") if t.strip()]
    if unknown := [t for t in types if t not in MODELS]:
        raise FhirError(400, f"_type: {', '.join(unknown)} not served ({', '.join(MODELS)}).", "not-supported")
    return types


def _visible(model: Any, caller: Any) -> list[Any]:
    if model is Unite:
        return [unite_visible(caller)]
    if model is Lieu:
        return [lieu_visible(caller, Lieu.id)]
    return []


def _lines(built: list[dict[str, Any]]) -> list[str]:
    return [json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n" for item in built]


# --- Core rows ---------------------------------------------------------------------------------------




def _group(rows: list[Row], key: str) -> dict[Any, list[Row]]:
    grouped: dict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def _codes(rows: list[Row], parent: str) -> dict[int, dict[str, list[str]]]:
    grouped: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        grouped[getattr(row, parent)][row.attribute].append(row.code)
    return grouped


async def _communes(conn: AsyncConnection, related: Related, rows: list[Row]) -> None:
    codes = sorted({r.commune_code for r in rows if r.commune_code and r.commune_code not in related.communes})
    if codes:
        statement = select(col(Commune.code), col(Commune.nom)).where(col(Commune.code).in_(codes))
        related.communes.update(dict((await conn.execute(statement)).all()))


async def _parents(conn: AsyncConnection, related: Related, model: Any, ids: set[int]) -> None:
    target = related.entites if model is EntiteJuridique else related.etablissements
    if missing := sorted(i for i in ids if i not in target):
        for row in await fetch_rows(conn, table_rows(model, col(model.id).in_(missing))):
            target[row.id] = row  # type: ignore[assignment]


async def _contacts(conn: AsyncConnection, caller: Any, related: Related, where: list[Any]) -> list[Row]:
    contacts = await fetch_rows(conn, table_rows(Contact, *where))
    if contacts:
        statement = visible_telecoms(caller, [c.id for c in contacts], Telecom.__table__)  # type: ignore[attr-defined]
        related.telecoms.update(_group(await fetch_rows(conn, statement), "contact_id"))
    return contacts


async def _organizations(conn: AsyncConnection, caller: Any, related: Related, model: Any,
                         rows: list[Row]) -> list[dict[str, Any]]:
    if model is EntiteJuridique:
        related.entites.update({r.id: r for r in rows})
        await _communes(conn, related, rows)
        return [resources.entite(r, related, caller) for r in rows]  # type: ignore[arg-type]
    first, last = rows[0].id, rows[-1].id
    await _parents(conn, related, EntiteJuridique, {r.entite_juridique_id for r in rows})
    related.eg_codes.update(_codes(await fetch_rows(conn, table_rows(
        EtablissementCode, col(EtablissementCode.etablissement_id).between(first, last),
        order=(EtablissementCode.code,))), "etablissement_id"))
    contacts = await _contacts(conn, caller, related, [col(Contact.etablissement_id).between(first, last),
                                                       col(Contact.unite_id).is_(None),
                                                       level_clause(caller, Contact.confidentialite)])
    related.eg_contacts.update(_group(contacts, "etablissement_id"))
    await _communes(conn, related, rows)
    return [resources.etablissement(r, related, caller) for r in rows]  # type: ignore[arg-type]


async def _services(conn: AsyncConnection, caller: Any, related: Related, rows: list[Row]) -> list[dict[str, Any]]:
    first, last = rows[0].id, rows[-1].id

    def under(model: Any) -> list[Any]:
        return [col(model.unite_id).between(first, last), under_visible_unite(caller, model.unite_id)]

    related.unite_codes.update(_codes(await fetch_rows(conn, table_rows(UniteCode, *under(UniteCode),
                                                             order=(UniteCode.code,))), "unite_id"))
    contacts = await _contacts(conn, caller, related, [*under(Contact), level_clause(caller, Contact.confidentialite)])
    related.unite_contacts.update(_group(contacts, "unite_id"))
    related.horaires.update(_group(await fetch_rows(conn, table_rows(Horaire, *under(Horaire),
                                                          order=(Horaire.jour, Horaire.heure_debut))), "unite_id"))
    related.zones.update(_group(await fetch_rows(conn, table_rows(ZoneIntervention, *under(ZoneIntervention),
                                                       order=(ZoneIntervention.code,))), "unite_id"))
    links = select(col(UniteLieu.unite_id), col(UniteLieu.lieu_id)).where(*under(UniteLieu)).order_by(
        col(UniteLieu.unite_id), col(UniteLieu.lieu_id))
    for unite_id, lieu_id in (await conn.execute(links)).all():
        related.unite_lieux.setdefault(unite_id, []).append(lieu_id)
    await _parents(conn, related, Etablissement, {r.etablissement_id for r in rows})
    return [resources.unite(r, related, caller) for r in rows]  # type: ignore[arg-type]


async def _locations(conn: AsyncConnection, caller: Any, related: Related, rows: list[Row]) -> list[dict[str, Any]]:
    ids = [r.id for r in rows]

    def under(model: Any) -> list[Any]:
        return [col(model.lieu_id).in_(ids), lieu_visible(caller, model.lieu_id)]

    related.capacites.update(_group(await fetch_rows(conn, table_rows(Capacite, *under(Capacite), order=(
        Capacite.nature_code, Capacite.statut_code))), "lieu_id"))
    equipements = await fetch_rows(conn, table_rows(Equipement, *under(Equipement), order=(Equipement.type_code,)))
    related.equipements.update(_group(equipements, "lieu_id"))
    if equipements:
        visible = exists().where(col(Equipement.id) == EquipementLimite.equipement_id,
                                 lieu_visible(caller, Equipement.lieu_id))
        limites = await fetch_rows(conn, table_rows(EquipementLimite, col(EquipementLimite.equipement_id).in_(
            [e.id for e in equipements]), visible))
        related.limites.update(_group(limites, "equipement_id"))
    related.habitations.update(_group(await fetch_rows(conn, table_rows(Habitation, *under(Habitation),
                                                             order=(Habitation.type_code,))), "lieu_id"))
    await _parents(conn, related, Etablissement, {r.etablissement_id for r in rows})
    await _communes(conn, related, rows)
    return [resources.lieu(r, related, caller) for r in rows]  # type: ignore[arg-type]


async def export_rows(conn: AsyncConnection, caller: Any, labels: Labels, model: Any, write: Write, *,
                      after: int = 0, upto: int | None = None, batch: int | None = None) -> int:
    """Hand the resources of the ``model`` rows with ``after < id <= upto`` visible to ``caller`` to ``write``."""
    count, last = 0, after
    chunk = table_rows(model, *_visible(model, caller), *([col(model.id) <= upto] if upto is not None else []))
    chunk = chunk.limit(batch or BATCH)
    while rows := await fetch_rows(conn, chunk.where(col(model.id) > last)):
        related = Related(labels)
        if model is Unite:
            built = await _services(conn, caller, related, rows)
        elif model is Lieu:
            built = await _locations(conn, caller, related, rows)
        else:
            built = await _organizations(conn, caller, related, model, rows)
        await write(_lines(built))
        count, last = count + len(rows), rows[-1].id
    return count


async def export_type(conn: AsyncConnection, caller: Any, labels: Labels, resource: str, write: Write,
                      *, batch: int | None = None) -> int:
    """Hand every ``resource`` visible to ``caller`` to ``write``, a batch of JSON lines at a time; the count."""
    return sum([await export_rows(conn, caller, labels, model, write, batch=batch) for model in MODELS[resource]])


async def id_ranges(conn: AsyncConnection, resource: str, rows: int) -> list[tuple[int, int, int | None]]:
    """(model index, after, upto) ranges of about ``rows`` rows each covering every row of ``resource``."""
    ranges: list[tuple[int, int, int | None]] = []
    for index, model in enumerate(MODELS[resource]):
        statement = select(col(model.id)).order_by(col(model.id)).offset(rows - 1).limit(1)
        after = 0
        while (upto := (await conn.execute(statement.where(col(model.id) > after))).scalar()) is not None:
            ranges.append((index, after, upto))
            after = upto
        ranges.append((index, after, None))
    return ranges


async def export_type_orm(session: AsyncSession, caller: Any, labels: Labels, resource: str, write: Write) -> int:
    """The reference path: ORM rows by keyset, resources through ``build`` (as the search builds them)."""
    count = 0
    for model in MODELS[resource]:
        last = 0
        while True:
            statement = (select_rows(model).where(col(model.id) > last, *_visible(model, caller))
                         .order_by(col(model.id)).limit(BATCH))
            rows = list(await session.exec(statement))
            if not rows:
                break
            await write(_lines(await build(session, caller, Related(labels), rows)))
            count += len(rows)
            last = rows[-1].id
            session.expunge_all()  # a national export must not keep every row in the identity map
    return count
