"""back-office lists: commune, EJ and offer name search (FTS5 trigram on SQLite, pg_trgm GIN on PostgreSQL),
the anomaly queue in detection order

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 19:20:00
"""
from alembic import op
import sqlalchemy as sa

from ror_graph.models.name_index import statements


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('anomalie', schema=None) as batch_op:
        batch_op.create_index('ix_anomalie_derniere_detection', ['derniere_detection_at', 'id'], unique=False)
    for statement in statements(op.get_bind().dialect.name, part="more_names"):
        op.execute(sa.text(statement))


def downgrade() -> None:
    for statement in statements(op.get_bind().dialect.name, drop=True, part="more_names"):
        op.execute(sa.text(statement))
    with op.batch_alter_table('anomalie', schema=None) as batch_op:
        batch_op.drop_index('ix_anomalie_derniere_detection')
