"""Finding EGs by a fragment of their name through the trigram index of each engine.

``models.name_index`` keeps an FTS5 trigram table (SQLite) or pg_trgm GIN indexes (PostgreSQL) on
the raison sociale and the nom opérationnel; a fragment of at least 3 characters is looked up there
(a substring match, case-insensitive), a shorter one falls back to ``LIKE`` (still correct, only
slower). EGs whose commune's name holds the fragment ("lyon") are added through the commune index.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, any_, column, func, literal_column, or_, select, table, union
from sqlmodel import col

from ror_graph.models import Commune, Etablissement
from ror_graph.models.name_index import FTS_TABLE

TRIGRAM = 3  # shortest fragment a trigram index can answer
_FTS = table(FTS_TABLE, column("rowid"))


def like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def name_or_commune(dialect: str, term: str) -> ColumnElement[bool]:
    """EGs whose raison sociale, nom opérationnel or commune name contains ``term``."""
    pattern = like_pattern(term)
    communes = select(col(Commune.code)).where(col(Commune.nom).ilike(pattern, escape="\\"))
    if dialect == "sqlite" and len(term) >= TRIGRAM:
        phrase = '"' + term.replace('"', '""') + '"'  # one FTS5 phrase: the fragment as typed, no operators
        by_name = select(_FTS.c.rowid).where(literal_column(FTS_TABLE).op("MATCH")(phrase))
        by_commune = select(col(Etablissement.id)).where(col(Etablissement.commune_code).in_(communes))
        return col(Etablissement.id).in_(union(by_name, by_commune))
    # PostgreSQL: ILIKE, served by the pg_trgm GIN indexes when the fragment is rare (a BitmapOr of the
    # name indexes and the commune index); a frequent one ("ehpad") is cheaper read in id order until the
    # page is full. The communes are an ``= ANY(ARRAY(…))`` computed once: an ``IN (subquery)`` inside the
    # OR would be a per-row hashed subplan and force a scan of the whole table.
    if dialect == "postgresql":
        commune_clause = col(Etablissement.commune_code) == any_(func.array(communes.scalar_subquery()))
    else:
        commune_clause = col(Etablissement.commune_code).in_(communes)
    return or_(col(Etablissement.raison_sociale).ilike(pattern, escape="\\"),
               col(Etablissement.nom_operationnel).ilike(pattern, escape="\\"), commune_clause)
