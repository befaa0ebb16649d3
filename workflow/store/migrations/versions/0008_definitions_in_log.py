"""Definition versions in the signed log: where each installed version's entry is, and each document's pin

The log entries themselves are written by ``cunwu init`` after the upgrade (workflow.ledger.definitions),
which needs the signing keys and the definitions; existing documents keep no pin (their first record
predates it) and are checked against the version installed then.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 19:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'definition_entries',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('workflow_id', sa.String(length=64), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('log_index', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('sha256'),
    )
    op.create_index('ix_definition_entries_workflow', 'definition_entries', ['workflow_id', 'version'], unique=False)
    op.add_column('documents', sa.Column('definition_sha256', sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.execute('ALTER TABLE documents DROP COLUMN definition_sha256')
    op.drop_index('ix_definition_entries_workflow', table_name='definition_entries')
    op.drop_table('definition_entries')
