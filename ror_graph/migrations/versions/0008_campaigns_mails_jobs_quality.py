"""campaigns, e-mails, scheduled jobs, daily snapshots, anomalies, modèles de saisie

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 16:04:58.716215
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0008'
down_revision = '0007'
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

    op.create_table('modele_saisie',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('libelle', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('valeurs', sa.JSON(), nullable=False),
    sa.Column('zone_departement', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
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

    op.create_table('anomalie',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cle', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('regle', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('etablissement_id', sa.Integer(), nullable=False),
    sa.Column('unite_id', sa.Integer(), nullable=True),
    sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('statut', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('assignee', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('commentaire', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('reouvertures', sa.Integer(), nullable=False),
    sa.Column('detectee_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('derniere_detection_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('fermee_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('fermee_par', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.ForeignKeyConstraint(['etablissement_id'], ['etablissement.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('cle', name='uq_anomalie_cle')
    )
    with op.batch_alter_table('anomalie', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_anomalie_etablissement_id'), ['etablissement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_anomalie_regle'), ['regle'], unique=False)
        batch_op.create_index(batch_op.f('ix_anomalie_statut'), ['statut'], unique=False)
        batch_op.create_index(batch_op.f('ix_anomalie_unite_id'), ['unite_id'], unique=False)




    with op.batch_alter_table('etablissement', schema=None) as batch_op:
        batch_op.create_index('ix_etablissement_campagne', ['departement_code', 'categorie_code', 'ferme',
                              'region_code', 'derniere_validation_at', 'derniere_modification_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('etablissement', schema=None) as batch_op:
        batch_op.drop_index('ix_etablissement_campagne')

    with op.batch_alter_table('anomalie', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_anomalie_unite_id'))
        batch_op.drop_index(batch_op.f('ix_anomalie_statut'))
        batch_op.drop_index(batch_op.f('ix_anomalie_regle'))
        batch_op.drop_index(batch_op.f('ix_anomalie_etablissement_id'))

    op.drop_table('anomalie')
    with op.batch_alter_table('mail_envoi', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_envoi_statut'))
        batch_op.drop_index(batch_op.f('ix_mail_envoi_kind'))
        batch_op.drop_index(batch_op.f('ix_mail_envoi_etablissement_id'))
        batch_op.drop_index(batch_op.f('ix_mail_envoi_destinataire'))
        batch_op.drop_index(batch_op.f('ix_mail_envoi_campagne_id'))

    op.drop_table('mail_envoi')
    op.drop_table('scheduled_job')
    op.drop_table('modele_saisie')
    with op.batch_alter_table('campagne_snapshot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campagne_snapshot_jour'))

    op.drop_table('campagne_snapshot')
    op.drop_table('campagne')

