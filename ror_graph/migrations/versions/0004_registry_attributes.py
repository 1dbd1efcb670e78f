"""registry attributes: offer ouverture annuelle, EG niveau de recours ORSAN and zone de poser

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 13:50:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('unite', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ouverture_annuelle_code', sqlmodel.sql.sqltypes.AutoString(length=10),
                                      nullable=True))
    with op.batch_alter_table('etablissement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('niveau_recours_orsan_code', sqlmodel.sql.sqltypes.AutoString(length=10),
                                      nullable=True))
        batch_op.add_column(sa.Column('zone_poser', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('etablissement', schema=None) as batch_op:
        batch_op.drop_column('zone_poser')
        batch_op.drop_column('niveau_recours_orsan_code')
    with op.batch_alter_table('unite', schema=None) as batch_op:
        batch_op.drop_column('ouverture_annuelle_code')
