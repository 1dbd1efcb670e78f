"""throttle growth: count of consecutive locks and end of the latest lock

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 15:10:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locks', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('last_locked_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.drop_column('last_locked_until')
        batch_op.drop_column('locks')
