"""commune: precision of the placed centre (reelle, finess, approchee)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 16:10:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('commune', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position_precision', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('commune', schema=None) as batch_op:
        batch_op.drop_column('position_precision')
