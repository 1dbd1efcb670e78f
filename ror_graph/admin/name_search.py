"""Finding structures by a fragment of their name: ids first (index lookups), then the page.

``models.name_index`` keeps FTS5 trigram tables (SQLite) or pg_trgm GIN indexes (PostgreSQL) on the
EG raison sociale and nom opérationnel, the EJ raison sociale, the offer names and the commune names; a fragment of at
least 3 characters is looked up there (a substring match, case-insensitive), a shorter one falls back
to ``LIKE`` (still correct, only slower). Structures whose commune's name holds the fragment ("lyon")
are added through the commune index.

Why ids first: a list page is 25 rows in id order plus a bounded count. Written as one
``WHERE name ILIKE … OR commune IN …`` the engine either walks the whole table in id order (a rare
term: 100,000 ``ILIKE`` on PostgreSQL, 110–190 ms) or collects every match of a frequent one
before sorting. Here each way of matching (name index, nom opérationnel, commune) is its own branch
``ORDER BY id LIMIT window``, with the list's filters inside: the engine picks per branch between
the index (rare term) and the id order (frequent term, stops after ``window`` rows), and the union
of the branches holds the first ``window`` matching ids, exactly. ``window`` is what the page needs
(``listing.search_window``: the rows up to the counted cap); ``None`` (another sort order, the CSV
export) reads every match.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    CompoundSelect,
    Select,
    String,
    any_,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
    union,
)
from sqlmodel import col

from ror_graph.models import Commune, EntiteJuridique, Etablissement, Unite
from ror_graph.models.name_index import COMMUNE_FTS, ENTITE_FTS, FTS_TABLE, UNITE_FTS

TRIGRAM = 3  # shortest fragment a trigram index can answer


def like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def inline(pattern: str) -> Any:
    """``pattern`` written into the SQL text (quoted by the dialect), not sent as a parameter.

    asyncpg prepares each statement, and after five runs PostgreSQL may keep a generic plan made
    without the pattern nor the LIMIT: it then walks the whole table in id order for a rare fragment
    (100,000 ``ILIKE``: 80 ms of database CPU instead of 0.5). With the values in the text, every plan
    sees them. (The LIMIT of each branch is a number we computed, written in the text too.)
    """
    return bindparam(None, pattern, type_=String(), literal_execute=True)


def fts_rowids(fts_table: str, term: str) -> Select:
    """Rowids of the FTS5 trigram table ``fts_table`` holding ``term`` (SQLite, at least ``TRIGRAM`` characters)."""
    phrase = '"' + term.replace('"', '""') + '"'  # one FTS5 phrase: the fragment as typed, no operators
    rowid: ColumnClause[Any] = column("rowid")
    return select(rowid).select_from(table(fts_table, rowid)).where(literal_column(fts_table).op("MATCH")(phrase))


def _contains(dialect: str, column_: Any, term: str) -> ColumnElement[bool]:
    """``column_`` contains ``term``, case-insensitive: SQLite's ``LIKE`` already is (for ASCII, as ``lower``
    is), without the ``lower()`` of each row that SQLAlchemy's ``ilike`` adds (3× slower)."""
    if dialect == "sqlite":
        return column_.like(inline(like_pattern(term)), escape="\\")
    return column_.ilike(inline(like_pattern(term)), escape="\\")


def commune_clause(dialect: str, column_: Any, term: str) -> ColumnElement[bool]:
    """``column_`` (a commune code) is a commune whose name contains ``term``, through the commune name index.

    On PostgreSQL an ``= ANY(ARRAY(…))`` computed once: an ``IN (subquery)`` next to other conditions
    can become a per-row hashed subplan.
    """
    in_name: ColumnElement[bool]
    if dialect == "sqlite" and len(term) >= TRIGRAM:
        in_name = literal_column("commune.rowid").in_(fts_rowids(COMMUNE_FTS, term))
    else:
        in_name = _contains(dialect, col(Commune.nom), term)
    communes = select(col(Commune.code)).where(in_name)
    if dialect == "postgresql":
        return column_ == any_(func.array(communes.scalar_subquery()))
    return column_.in_(communes)


def matching_ids(model: Any, branches: Sequence[ColumnElement[bool]], where: ColumnElement[bool] | None,
                 window: int | None, *extra: Select) -> CompoundSelect:
    """Ids of ``model`` rows meeting one of ``branches`` (and ``where``): the first ``window`` ones in id order.

    ``extra``: id selects already written (the FTS5 lookup), added to the union as they are.
    """
    selects = list(extra)
    for branch in branches:
        ids = select(model.id).where(branch) if where is None else select(model.id).where(where, branch)
        if window is not None:  # SQLite takes no LIMIT inside a UNION member: each member reads a subquery
            ids = select(ids.order_by(model.id).limit(literal_column(str(int(window)))).subquery().c.id)
        selects.append(ids)
    return union(*selects)


def name_ids(model: Any, dialect: str, term: str, where: ColumnElement[bool] | None = None,
             window: int | None = None) -> CompoundSelect:
    """Ids of EGs, EJs or offers whose names (``NAMES``) or commune name (structures) contain ``term``."""
    fts_table, names = NAMES[model]
    communes = [commune_clause(dialect, model.commune_code, term)] if hasattr(model, "commune_code") else []
    if dialect == "sqlite" and len(term) >= TRIGRAM:
        fts = fts_rowids(fts_table, term)
        if where is None:  # FTS5 reads its matches in rowid order: the first ``window`` ones cost nothing more
            first = fts.order_by(*fts.selected_columns).limit(window)
            by_name = fts if window is None else select(first.subquery().c.rowid)
            return matching_ids(model, communes, None, window, by_name)
        return matching_ids(model, [model.id.in_(fts), *communes], where, window)
    return matching_ids(model, [*(_contains(dialect, name, term) for name in names), *communes], where, window)


def name_or_commune(dialect: str, term: str, where: ColumnElement[bool] | None = None,
                    window: int | None = None) -> ColumnElement[bool]:
    """The EG row is one of ``name_ids`` (a condition for the list query)."""
    return col(Etablissement.id).in_(name_ids(Etablissement, dialect, term, where, window))


NAMES: dict[Any, tuple[str, tuple[Any, ...]]] = {
    Etablissement: (FTS_TABLE, (col(Etablissement.raison_sociale), col(Etablissement.nom_operationnel))),
    EntiteJuridique: (ENTITE_FTS, (col(EntiteJuridique.raison_sociale),)),
    Unite: (UNITE_FTS, (col(Unite.nom),)),
}
