"""drop the index outbox: each search index now follows the steps table as a change feed with its own
cursor (workflow.documents.index_source), so several servers can keep their own index from one database

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('index_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_index_outbox_document_id'))
    op.drop_table('index_outbox')


def downgrade() -> None:
    op.create_table('index_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('index_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_index_outbox_document_id'), ['document_id'], unique=False)
    op.execute("INSERT INTO index_outbox (document_id, created_at) SELECT id, updated_at FROM documents")
