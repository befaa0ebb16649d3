"""documents.disclosed_at: when a document first reached a state that discloses, for the public boards

Which states disclose is in the definitions, not in the database, so existing documents are filled in
by ``cunwu init`` after the upgrade (workflow.disclosure.backfill), not here.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 07:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('documents', sa.Column('disclosed_at', sa.DateTime(), nullable=True))
    op.create_index('ix_documents_disclosed', 'documents', ['workflow_id', 'disclosed_at'], unique=False)
    op.create_index('ix_documents_updated_at', 'documents', ['updated_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_documents_updated_at', table_name='documents')
    op.drop_index('ix_documents_disclosed', table_name='documents')
    # A plain DROP COLUMN (SQLite 3.35+): the batch way copies the table, which the steps' foreign key refuses.
    op.execute('ALTER TABLE documents DROP COLUMN disclosed_at')
