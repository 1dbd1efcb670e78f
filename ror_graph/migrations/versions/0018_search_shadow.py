"""search shadow: offers whose search document lives in the recent index since the last compaction

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 22:10:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('search_shadow',
    sa.Column('unite_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('removed', sa.Boolean(), nullable=False),
    sa.Column('changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('unite_id')
    )
    with op.batch_alter_table('search_shadow', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_shadow_changed_at'), ['changed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('search_shadow', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_shadow_changed_at'))
    op.drop_table('search_shadow')
