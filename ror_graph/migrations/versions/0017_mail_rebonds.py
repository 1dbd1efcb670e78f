"""mail rebonds: delivery status notices (bounces) of our e-mails and the addresses en échec

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 19:40:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('mail_envoi', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rebond_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('rebond_code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True))
        batch_op.add_column(sa.Column('rebond_diagnostic', sqlmodel.sql.sqltypes.AutoString(length=1000),
                                      nullable=True))
    op.create_table('mail_rebond',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cle', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('mail_envoi_id', sa.Integer(), nullable=False),
    sa.Column('destinataire', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('diagnostic', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('definitif', sa.Boolean(), nullable=False),
    sa.Column('recu_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['mail_envoi_id'], ['mail_envoi.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('cle', name='uq_mail_rebond_cle')
    )
    with op.batch_alter_table('mail_rebond', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_rebond_mail_envoi_id'), ['mail_envoi_id'], unique=False)
    op.create_table('adresse_echec',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('definitif', sa.Boolean(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('diagnostic', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('rebonds', sa.Integer(), nullable=False),
    sa.Column('dernier_mail_envoi_id', sa.Integer(), nullable=True),
    sa.Column('premier_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('dernier_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email', name='uq_adresse_echec_email')
    )


def downgrade() -> None:
    op.drop_table('adresse_echec')
    with op.batch_alter_table('mail_rebond', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_rebond_mail_envoi_id'))
    op.drop_table('mail_rebond')
    with op.batch_alter_table('mail_envoi', schema=None) as batch_op:
        batch_op.drop_column('rebond_diagnostic')
        batch_op.drop_column('rebond_code')
        batch_op.drop_column('rebond_at')
