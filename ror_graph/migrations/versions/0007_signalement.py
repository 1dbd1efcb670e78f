"""signalement: reports of wrong or missing information from the public site

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 16:10:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'signalement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('finess', sqlmodel.sql.sqltypes.AutoString(length=9), nullable=False),
        sa.Column('unite', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column('address_digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('statut', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('closed_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('signalement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signalement_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_signalement_finess'), ['finess'], unique=False)
        batch_op.create_index(batch_op.f('ix_signalement_address_digest'), ['address_digest'], unique=False)
        batch_op.create_index(batch_op.f('ix_signalement_statut'), ['statut'], unique=False)


def downgrade() -> None:
    op.drop_table('signalement')
