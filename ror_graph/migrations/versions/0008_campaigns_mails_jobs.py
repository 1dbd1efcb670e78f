"""campaigns, e-mails to send, scheduled job leases, daily campaign snapshots

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-06 15:55:23.115568
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0008'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('campagne',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nom', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True),
    sa.Column('departements', sa.JSON(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('ouverture', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('echeance', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('campagne_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('jour', sa.Date(), nullable=False),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('departement_code', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('complets', sa.Integer(), nullable=False),
    sa.Column('valides_12_mois', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('jour', 'region_code', 'departement_code', name='uq_campagne_snapshot')
    )
    with op.batch_alter_table('campagne_snapshot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campagne_snapshot_jour'), ['jour'], unique=False)

    op.create_table('scheduled_job',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('next_run_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_run_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('lease_owner', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('lease_expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('runs', sa.Integer(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('last_result', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('mail_envoi',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cle', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('campagne_id', sa.Integer(), nullable=True),
    sa.Column('etablissement_id', sa.Integer(), nullable=True),
    sa.Column('etape', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('destinataire', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('sujet', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('statut', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('tentatives', sa.Integer(), nullable=False),
    sa.Column('erreur', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['campagne_id'], ['campagne.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('cle', name='uq_mail_envoi_cle')
    )
    with op.batch_alter_table('mail_envoi', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_envoi_campagne_id'), ['campagne_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_envoi_destinataire'), ['destinataire'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_envoi_etablissement_id'), ['etablissement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_envoi_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_envoi_statut'), ['statut'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('mail_envoi', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_envoi_statut'))
        batch_op.drop_index(batch_op.f('ix_mail_envoi_kind'))
        batch_op.drop_index(batch_op.f('ix_mail_envoi_etablissement_id'))
        batch_op.drop_index(batch_op.f('ix_mail_envoi_destinataire'))
        batch_op.drop_index(batch_op.f('ix_mail_envoi_campagne_id'))

    op.drop_table('mail_envoi')
    op.drop_table('scheduled_job')
    with op.batch_alter_table('campagne_snapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campagne_snapshot_jour'))

    op.drop_table('campagne_snapshot')
    op.drop_table('campagne')

