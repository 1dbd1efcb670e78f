"""Name search indexes of the établissements, entités juridiques and communes: FTS5 trigram on SQLite,
pg_trgm GIN on PostgreSQL.

A support agent finds an EG by any fragment of its raison sociale or nom opérationnel ("glycines",
"numero 00"): a substring search, which a B-tree index cannot serve (``LIKE '%…%'`` read all
100,000 rows). Both engines have a trigram index for it, but neither is a SQLAlchemy object (a
virtual table with triggers, an operator class), so they are declared here as DDL: run once the
tables are created (``create_all``: tests, benches) and by migrations 0009 and 0016.
``is_search_object`` names them, so schema comparisons with the models leave them alone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text

from ror_graph.models.base import table_of
from ror_graph.models.organisation import Etablissement

FTS_TABLE = "etablissement_fts"
COMMUNE_FTS = "commune_fts"
ENTITE_FTS = "entitejuridique_fts"
UNITE_FTS = "unite_fts"
FTS_TABLES = (FTS_TABLE, COMMUNE_FTS, ENTITE_FTS, UNITE_FTS)
TRGM_INDEXES = ("ix_etablissement_raison_sociale_trgm", "ix_etablissement_nom_operationnel_trgm",
                "ix_commune_nom_trgm", "ix_entitejuridique_raison_sociale_trgm", "ix_unite_nom_trgm")
_NAMES = "raison_sociale, nom_operationnel"


def _sqlite_fts(fts: str, table: str, columns: str, rowid: str) -> tuple[str, ...]:
    """An FTS5 trigram table over ``columns`` of ``table``, kept in step by triggers (external content:
    the names are stored once, in ``table``; the FTS table holds only trigrams)."""
    new = ", ".join(f"new.{c.strip()}" for c in columns.split(","))
    old = ", ".join(f"old.{c.strip()}" for c in columns.split(","))
    delete = f"INSERT INTO {fts}({fts}, rowid, {columns}) VALUES ('delete', old.{rowid}, {old});"
    insert = f"INSERT INTO {fts}(rowid, {columns}) VALUES (new.{rowid}, {new});"
    return (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({columns}, content='{table}', "
        f"content_rowid='{rowid}', tokenize='trigram')",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF {columns} ON {table} BEGIN {delete} {insert} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",  # rows already there (migration of a full table)
    )


def _sqlite_drop(fts: str) -> tuple[str, ...]:
    return (*(f"DROP TRIGGER IF EXISTS {fts}_{kind}" for kind in ("ai", "ad", "au")), f"DROP TABLE IF EXISTS {fts}")


def _trgm(name: str, table: str, column: str) -> str:
    return f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)"


def _no_pending_list(name: str) -> tuple[str, ...]:
    """A GIN index written through at once (``fastupdate = off``), its pending entries merged now.

    With the default, new entries wait in an unsorted pending list that every search reads in full
    until (auto)vacuum merges it: after a FINESS import, 100,000 pending names made each lookup
    17–21 ms slower. Names change rarely: a slightly slower write is the better trade.
    """
    return f"ALTER INDEX {name} SET (fastupdate = off)", f"SELECT gin_clean_pending_list('{name}'::regclass)"


# Two parts, one per migration: the EG names (0009), then the commune, EJ and offer names (0016), which
# the back office's searches look up too (a commune name "lyon", an EJ's raison sociale, an offer's name).
SQLITE_CREATE = {"names": _sqlite_fts(FTS_TABLE, "etablissement", _NAMES, "id"),
                 "more_names": (*_sqlite_fts(COMMUNE_FTS, "commune", "nom", "rowid"),
                                 *_sqlite_fts(ENTITE_FTS, "entitejuridique", "raison_sociale", "id"),
                                 *_sqlite_fts(UNITE_FTS, "unite", "nom", "id"))}
SQLITE_DROP = {"names": _sqlite_drop(FTS_TABLE),
               "more_names": tuple(s for fts in (COMMUNE_FTS, ENTITE_FTS, UNITE_FTS) for s in _sqlite_drop(fts))}
POSTGRES_CREATE = {
    "names": ("CREATE EXTENSION IF NOT EXISTS pg_trgm",
              _trgm(TRGM_INDEXES[0], "etablissement", "raison_sociale"),
              _trgm(TRGM_INDEXES[1], "etablissement", "nom_operationnel"), _trgm(TRGM_INDEXES[2], "commune", "nom")),
    "more_names": ("CREATE EXTENSION IF NOT EXISTS pg_trgm",
                    _trgm(TRGM_INDEXES[3], "entitejuridique", "raison_sociale"), _trgm(TRGM_INDEXES[4], "unite", "nom"),
                    *(statement for name in TRGM_INDEXES for statement in _no_pending_list(name))),
}
POSTGRES_DROP = {"names": tuple(f"DROP INDEX IF EXISTS {name}" for name in TRGM_INDEXES[:3]),
                 "more_names": (*(f"DROP INDEX IF EXISTS {name}" for name in TRGM_INDEXES[3:]),
                                 *(f"ALTER INDEX IF EXISTS {name} RESET (fastupdate)" for name in TRGM_INDEXES[:3]))}
PARTS = ("names", "more_names")


def statements(dialect: str, *, drop: bool = False, part: str = "names") -> tuple[str, ...]:
    """The DDL creating (or dropping) one part of the name indexes on ``dialect`` (``sqlite`` or ``postgresql``)."""
    if dialect == "sqlite":
        return (SQLITE_DROP if drop else SQLITE_CREATE)[part]
    if dialect == "postgresql":
        return (POSTGRES_DROP if drop else POSTGRES_CREATE)[part]
    return ()


def is_search_object(name: str | None) -> bool:
    """Whether ``name`` is one of these indexes (or an FTS5 shadow table): not described by the models."""
    return bool(name) and (name in TRGM_INDEXES or str(name).startswith(FTS_TABLES))


def _install(target: Any, connection: Any, **_: Any) -> None:
    for part in PARTS:
        for statement in statements(connection.dialect.name, part=part):
            connection.execute(text(statement))


# After all tables: the commune index needs the commune table, whatever order create_all picks.
event.listen(table_of(Etablissement).metadata, "after_create", _install)
