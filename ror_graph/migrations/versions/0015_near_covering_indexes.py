"""near covering indexes: the lieu position index carries the id, the offer-lieu link is indexed by (lieu, offer)

A FHIR ``location.near`` search walks the lieux of a bounding box to their offers: with the lieu id in
the position index and ``(lieu_id, unite_id)`` on the link, both steps read an index only (PostgreSQL
index-only scans; SQLite no longer looks the link's row up for its ``unite_id``).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 19:30:00
"""
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lieu', schema=None) as batch_op:
        batch_op.drop_index('ix_lieu_position')
        batch_op.create_index('ix_lieu_position', ['latitude', 'longitude', 'id'], unique=False)
    with op.batch_alter_table('unite_lieu', schema=None) as batch_op:
        batch_op.create_index('ix_unite_lieu_lieu_unite', ['lieu_id', 'unite_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('unite_lieu', schema=None) as batch_op:
        batch_op.drop_index('ix_unite_lieu_lieu_unite')
    with op.batch_alter_table('lieu', schema=None) as batch_op:
        batch_op.drop_index('ix_lieu_position')
        batch_op.create_index('ix_lieu_position', ['latitude', 'longitude'], unique=False)
