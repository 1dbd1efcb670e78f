"""export jobs: durable bulk export (``/api/exports``, FHIR ``$export``) jobs with their lease

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 19:30:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'export_job',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('profile', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('api_client_id', sa.Integer(), nullable=True),
        sa.Column('account_id', sa.Integer(), nullable=True),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('lease_owner', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column('lease_expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_job_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_job_api_client_id'), ['api_client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_job_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_job_status'))
        batch_op.drop_index(batch_op.f('ix_export_job_api_client_id'))
        batch_op.drop_index(batch_op.f('ix_export_job_account_id'))
    op.drop_table('export_job')
