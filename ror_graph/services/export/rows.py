"""Export forms built from Core rows: the feed's forms (``services.feed.forms``) without ORM objects.

A national export reads about 2 million rows; turning each into an ORM object (identity map,
instrumented attributes, pydantic private state) was most of its time. Here every statement is a
plain ``SELECT`` of a table's columns, the same visibility clauses of ``services.policy.visibility``
in its ``WHERE``, and the form is made from the row tuple by column position. A chunk is a keyset
window of the parent table (``id > after``, visible rows only, ``LIMIT``); the children of a chunk
are read by the id range it covers (``BETWEEN first AND last``, an index range scan) and still carry
their own visibility clause, so a child of a hidden offer inside the range is never read.

The forms are the feed's, key for key and value for value (``tests/feed/test_export_core.py`` compares
both on every profile and format).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from ror_graph.models import (
    Capacite,
    CapaciteFiness,
    Contact,
    EntiteJuridique,
    Equipement,
    Etablissement,
    EtablissementCode,
    Habitation,
    Horaire,
    Lieu,
    Tarif,
    Telecom,
    Unite,
    UniteCode,
    UniteLieu,
    ZoneIntervention,
    registry,
)
from ror_graph.services.accounts.auth import Caller
from ror_graph.services.core.rows import fetch_rows, table_rows
from ror_graph.services.feed.forms import PRIVATE_COLUMNS, plain
from ror_graph.services.policy.visibility import (
    level_clause,
    level_of,
    lieu_visible,
    under_visible_unite,
    unite_visible,
    visible_telecoms,
)

Forms = list[dict[str, Any]]
_ENTITY_OF_TABLE = {"entitejuridique": registry.Entity.ej, "etablissement": registry.Entity.eg,
                    "unite": registry.Entity.unite, "lieu": registry.Entity.lieu}


_PLAIN = frozenset({str, int, float, bool})


def _python_type(column: Any) -> Any:
    try:
        return column.type.python_type
    except NotImplementedError:
        return object


@dataclass(frozen=True)
class Layout:
    """How to turn a row of one table into a form for one level: the feed's ``row_form``, precomputed.

    ``values`` picks the shown columns from the row tuple in one C call; only the columns whose values
    are not JSON-ready (dates, decimals) go through ``plain``; hidden ones (above the level) read ``None``.
    """

    names: tuple[str, ...]
    values: Callable[[Any], tuple[Any, ...]]
    convert: tuple[int, ...]
    hidden: tuple[int, ...]

    def form(self, row: Row) -> dict[str, Any]:
        values = list(self.values(row))
        for j in self.convert:
            values[j] = plain(values[j])
        for j in self.hidden:
            values[j] = None
        return dict(zip(self.names, values, strict=True))


@cache
def layout(table: Any, level: int, skip: tuple[str, ...] = (), offset: int = 0) -> Layout:
    """The layout of ``table``'s forms at ``level`` (columns from ``offset`` on in the row)."""
    entity = _ENTITY_OF_TABLE.get(table.name)
    too_high = {a.column or a.key for a in registry.of(entity) if a.storage is registry.Storage.column
                and a.confidentiality > level} if entity else set()
    shown = [(offset + i, c) for i, c in enumerate(table.columns)
             if c.name not in skip and c.name not in PRIVATE_COLUMNS and not c.foreign_keys]
    pick = itemgetter(*(i for i, _c in shown))
    return Layout(names=tuple(c.name for _i, c in shown),
                  values=pick if len(shown) > 1 else lambda row: (pick(row),),
                  convert=tuple(j for j, (_i, c) in enumerate(shown) if _python_type(c) not in _PLAIN),
                  hidden=tuple(j for j, (_i, c) in enumerate(shown) if c.name in too_high))


def form(row: Row, model: Any, level: int, skip: tuple[str, ...] = (), offset: int = 0) -> dict[str, Any]:
    """The form of a row of ``model``'s table (read with ``select(table)``, from column ``offset`` on)."""
    return layout(model.__table__, level, skip, offset).form(row)




def _grouped(rows: list[Row], model: Any, key: str, level: int, skip: tuple[str, ...]) -> dict[int, Forms]:
    at = model.__table__.columns.keys().index(key)
    grouped: dict[int, Forms] = defaultdict(list)
    for row in rows:
        grouped[row[at]].append(form(row, model, level, skip))
    return grouped


def _codes(rows: list[Row], owner: str, entity: registry.Entity, level: int) -> dict[int, dict[str, list[str]]]:
    """Code rows by owner then attribute, without attributes above ``level`` (as the feed's forms)."""
    too_high = {a.column for a in registry.of(entity) if a.confidentiality > level}
    grouped: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row.attribute not in too_high:
            grouped[getattr(row, owner)][row.attribute].append(row.code)
    return {key: dict(value) for key, value in grouped.items()}


async def _contacts(conn: AsyncConnection, caller: Caller, where: list[Any]) -> dict[int, Forms]:
    """Visible contacts matching ``where``, with their visible telecoms, by their EG or offer id."""
    level = level_of(caller)
    contacts = await fetch_rows(conn, table_rows(Contact, *where))
    telecoms: dict[int, Forms] = defaultdict(list)
    if contacts:
        statement = visible_telecoms(caller, [c.id for c in contacts], Telecom.__table__)  # type: ignore[attr-defined]
        for row in await fetch_rows(conn, statement):
            telecoms[row.contact_id].append(form(row, Telecom, level, ("id",)))
    grouped: dict[int, Forms] = defaultdict(list)
    for row in contacts:
        grouped[row.unite_id or row.etablissement_id].append({**form(row, Contact, level),
                                                              "telecoms": telecoms[row.id]})
    return grouped


async def entite_chunk(conn: AsyncConnection, caller: Caller, after: int, size: int) -> tuple[Forms, int | None]:
    """EJ forms of ids after ``after`` (``size`` of them), and the last id read (``None``: no more)."""
    level = level_of(caller)
    rows = await fetch_rows(conn, table_rows(EntiteJuridique, col(EntiteJuridique.id) > after).limit(size))
    return [form(row, EntiteJuridique, level) for row in rows], (rows[-1].id if rows else None)


async def etablissement_chunk(conn: AsyncConnection, caller: Caller, after: int,
                              size: int) -> tuple[Forms, int | None]:
    """EG forms (columns, EJ FINESS, codes, tarifs, FINESS capacities, own contacts) after ``after``."""
    level = level_of(caller)
    egs = await fetch_rows(conn, table_rows(Etablissement, col(Etablissement.id) > after).limit(size))
    if not egs:
        return [], None
    first, last = egs[0].id, egs[-1].id
    ej_ids = sorted({eg.entite_juridique_id for eg in egs})
    ejs: dict[Any, Any] = dict((await conn.execute(select(col(EntiteJuridique.id), col(EntiteJuridique.finess))
                                   .where(col(EntiteJuridique.id).in_(ej_ids)))).all())
    codes = _codes(await fetch_rows(conn, table_rows(EtablissementCode, col(EtablissementCode.etablissement_id).between(
        first, last), order=[EtablissementCode.code])), "etablissement_id", registry.Entity.eg, level)
    tarifs = _grouped(await fetch_rows(conn, table_rows(Tarif, col(Tarif.etablissement_id).between(first, last),
                                             order=[Tarif.type_code])),
                      Tarif, "etablissement_id", level, ("id", "version", "created_at"))
    capacites = _grouped(await fetch_rows(conn, table_rows(CapaciteFiness, col(CapaciteFiness.etablissement_id).between(
        first, last))), CapaciteFiness, "etablissement_id", level, ("id",))
    contacts = await _contacts(conn, caller, [col(Contact.etablissement_id).between(first, last),
                                              col(Contact.unite_id).is_(None),
                                              level_clause(caller, Contact.confidentialite)])
    return [{**form(eg, Etablissement, level), "entite_juridique": ejs.get(eg.entite_juridique_id),
             "codes": codes.get(eg.id, {}), "tarifs": tarifs[eg.id], "capacites_finess": capacites[eg.id],
             "contacts": contacts[eg.id]} for eg in egs], last


async def _lieux(conn: AsyncConnection, caller: Caller, first: int, last: int) -> dict[int, Forms]:
    """Lieux of the offers ``first``..``last`` (visible ones) with capacités, équipements, habitations."""
    level = level_of(caller)
    pairs = await fetch_rows(conn, select(col(UniteLieu.unite_id), Lieu.__table__)  # type: ignore[attr-defined]
                       .join(Lieu, col(Lieu.id) == UniteLieu.lieu_id)
                       .where(col(UniteLieu.unite_id).between(first, last),
                              under_visible_unite(caller, UniteLieu.unite_id))
                       .order_by(col(UniteLieu.unite_id), col(Lieu.id)))
    at = 1 + Lieu.__table__.columns.keys().index("id")  # type: ignore[attr-defined]
    lieu_ids = sorted({row[at] for row in pairs})
    parts: dict[str, dict[int, Forms]] = {}
    for name, model, order in (("capacites", Capacite, [Capacite.nature_code, Capacite.statut_code]),
                               ("equipements", Equipement, [Equipement.type_code]),
                               ("habitations", Habitation, [Habitation.type_code])):
        statement = table_rows(model, col(model.lieu_id).in_(lieu_ids), lieu_visible(caller, model.lieu_id),
                               order=order)
        rows = await fetch_rows(conn, statement) if lieu_ids else []
        parts[name] = _grouped(rows, model, "lieu_id", level, ("id", "updated_at"))
    grouped: dict[int, Forms] = defaultdict(list)
    for row in pairs:
        grouped[row[0]].append({**form(row, Lieu, level, offset=1),
                                **{name: part[row[at]] for name, part in parts.items()}})
    return grouped


async def unite_chunk(conn: AsyncConnection, caller: Caller, after: int, size: int) -> tuple[Forms, int | None]:
    """Forms of the offers visible to ``caller`` after ``after`` (codes, horaires, zones, contacts, lieux)."""
    level = level_of(caller)
    unites = await fetch_rows(conn, table_rows(Unite, col(Unite.id) > after, unite_visible(caller)).limit(size))
    if not unites:
        return [], None
    first, last = unites[0].id, unites[-1].id
    eg_ids = sorted({u.etablissement_id for u in unites})
    egs: dict[Any, Any] = dict((await conn.execute(select(col(Etablissement.id), col(Etablissement.finess))
                                   .where(col(Etablissement.id).in_(eg_ids)))).all())
    in_range = {model: [col(model.unite_id).between(first, last), under_visible_unite(caller, model.unite_id)]
                for model in (UniteCode, Horaire, ZoneIntervention)}
    codes = _codes(await fetch_rows(conn, table_rows(UniteCode, *in_range[UniteCode], order=[UniteCode.code])),
                   "unite_id", registry.Entity.unite, level)
    horaires = _grouped(await fetch_rows(conn, table_rows(Horaire, *in_range[Horaire], order=[Horaire.jour,
                                                                                    Horaire.heure_debut])),
                        Horaire, "unite_id", level, ("id",))
    zones = _grouped(await fetch_rows(conn, table_rows(ZoneIntervention, *in_range[ZoneIntervention],
                                            order=[ZoneIntervention.code])), ZoneIntervention, "unite_id", level,
                     ("id",))
    contacts = await _contacts(conn, caller, [col(Contact.unite_id).between(first, last),
                                              level_clause(caller, Contact.confidentialite),
                                              under_visible_unite(caller, Contact.unite_id)])
    lieux = await _lieux(conn, caller, first, last)
    return [{**form(u, Unite, level), "etablissement": egs.get(u.etablissement_id), "codes": codes.get(u.id, {}),
             "horaires": horaires[u.id], "zones": zones[u.id], "contacts": contacts[u.id], "lieux": lieux[u.id]}
            for u in unites], last


CHUNK_READERS = {"entite_juridique": entite_chunk, "etablissement": etablissement_chunk, "unite": unite_chunk}
