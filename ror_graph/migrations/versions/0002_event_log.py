"""event log and consumers replace the search outbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 13:40:00

Unprocessed outbox rows are carried over as ``update`` events (``delete`` for deletions), so the
search consumer still pushes what the outbox had not.
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('event_log',
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('entity', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('entity_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('op', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('fields', sa.JSON(), nullable=True),
    sa.Column('change_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
    sa.PrimaryKeyConstraint('seq'),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('event_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_log_entity'), ['entity'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_log_entity_id'), ['entity_id'], unique=False)

    op.create_table('event_consumer',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('cursor', sa.Integer(), nullable=False),
    sa.Column('lease_owner', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column('lease_expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('retry_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )

    op.execute(
        "INSERT INTO event_log (at, entity, entity_id, op) "
        "SELECT created_at, entity, entity_id, CASE WHEN action = 'delete' THEN 'delete' ELSE 'update' END "
        "FROM outbox_event WHERE processed_at IS NULL ORDER BY id"
    )
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_event_processed_at'))
        batch_op.drop_index(batch_op.f('ix_outbox_event_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_outbox_event_entity_id'))
    op.drop_table('outbox_event')


def downgrade() -> None:
    op.create_table('outbox_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('entity', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('processed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outbox_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_event_entity_id'), ['entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_event_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_event_processed_at'), ['processed_at'], unique=False)
    # events the search consumer has not processed go back to the outbox (entities with an id only)
    op.execute(
        "INSERT INTO outbox_event (created_at, entity, entity_id, action, attempts, next_attempt_at) "
        "SELECT at, entity, entity_id, CASE WHEN op = 'delete' THEN 'delete' ELSE 'upsert' END, 0, at "
        "FROM event_log WHERE entity IN ('unite', 'etablissement') AND entity_id IS NOT NULL "
        "AND seq > COALESCE((SELECT cursor FROM event_consumer WHERE name = 'search'), 0) ORDER BY seq"
    )
    op.drop_table('event_consumer')
    with op.batch_alter_table('event_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_log_entity_id'))
        batch_op.drop_index(batch_op.f('ix_event_log_entity'))
        batch_op.drop_index(batch_op.f('ix_event_log_at'))
    op.drop_table('event_log')
