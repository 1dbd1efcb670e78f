"""Name search indexes of the établissements (and commune names on PostgreSQL): FTS5 trigram on SQLite,
pg_trgm GIN on PostgreSQL.

A support agent finds an EG by any fragment of its raison sociale or nom opérationnel ("glycines",
"numero 00"): a substring search, which a B-tree index cannot serve (``LIKE '%…%'`` read all
100,000 rows). Both engines have a trigram index for it, but neither is a SQLAlchemy object (a
virtual table with triggers, an operator class), so they are declared here as DDL: run once the
tables are created (``create_all``: tests, benches) and by migration 0009.
``is_search_object`` names them, so schema comparisons with the models leave them alone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text

from ror_graph.models.base import table_of
from ror_graph.models.organisation import Etablissement

FTS_TABLE = "etablissement_fts"
TRGM_INDEXES = ("ix_etablissement_raison_sociale_trgm", "ix_etablissement_nom_operationnel_trgm",
                "ix_commune_nom_trgm")
_NAMES = "raison_sociale, nom_operationnel"

SQLITE_CREATE = (
    # External content: the names are stored once (in etablissement); the FTS table holds only trigrams.
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5({_NAMES}, content='etablissement', "
    "content_rowid='id', tokenize='trigram')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON etablissement BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, {_NAMES}) VALUES (new.id, new.raison_sociale, new.nom_operationnel); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON etablissement BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_NAMES}) "
    "VALUES ('delete', old.id, old.raison_sociale, old.nom_operationnel); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF {_NAMES} ON etablissement BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_NAMES}) "
    "VALUES ('delete', old.id, old.raison_sociale, old.nom_operationnel); "
    f"INSERT INTO {FTS_TABLE}(rowid, {_NAMES}) VALUES (new.id, new.raison_sociale, new.nom_operationnel); END",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",  # rows already there (migration of a full table)
)
SQLITE_DROP = (*(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{kind}" for kind in ("ai", "ad", "au")),
               f"DROP TABLE IF EXISTS {FTS_TABLE}")
POSTGRES_CREATE = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    *(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)"
      for name, (table, column) in zip(TRGM_INDEXES, (("etablissement", "raison_sociale"),
                                                      ("etablissement", "nom_operationnel"), ("commune", "nom")),
                                       strict=True)),
)
POSTGRES_DROP = tuple(f"DROP INDEX IF EXISTS {name}" for name in TRGM_INDEXES)


def statements(dialect: str, *, drop: bool = False) -> tuple[str, ...]:
    """The DDL creating (or dropping) the name index on ``dialect`` (``sqlite`` or ``postgresql``)."""
    if dialect == "sqlite":
        return SQLITE_DROP if drop else SQLITE_CREATE
    if dialect == "postgresql":
        return POSTGRES_DROP if drop else POSTGRES_CREATE
    return ()


def is_search_object(name: str | None) -> bool:
    """Whether ``name`` is one of these indexes (or an FTS5 shadow table): not described by the models."""
    return bool(name) and (name in TRGM_INDEXES or str(name).startswith(FTS_TABLE))


def _install(target: Any, connection: Any, **_: Any) -> None:
    for statement in statements(connection.dialect.name):
        connection.execute(text(statement))


# After all tables: the commune index needs the commune table, whatever order create_all picks.
event.listen(table_of(Etablissement).metadata, "after_create", _install)
