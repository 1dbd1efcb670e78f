"""name search: FTS5 trigram table (SQLite) or pg_trgm GIN indexes (PostgreSQL) on EG names

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 16:20:00
"""
from alembic import op
import sqlalchemy as sa

from ror_graph.models.name_index import statements


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in statements(op.get_bind().dialect.name):
        op.execute(sa.text(statement))


def downgrade() -> None:
    for statement in statements(op.get_bind().dialect.name, drop=True):
        op.execute(sa.text(statement))
