"""lieu position index: the bounding box of FHIR `near` searches is read from the index alone

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-06 16:30:00
"""
from alembic import op


revision = '0013'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lieu', schema=None) as batch_op:
        batch_op.create_index('ix_lieu_position', ['latitude', 'longitude'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('lieu', schema=None) as batch_op:
        batch_op.drop_index('ix_lieu_position')
