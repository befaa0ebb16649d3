"""Villagers' voice: 查询码 tickets (with the contact kept off the signed log), 异议 links, recusals

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'voice_tickets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('merged', sa.Boolean(), nullable=False),
        sa.Column('contact_name', sa.String(length=50), nullable=True),
        sa.Column('contact_phone', sa.String(length=20), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code_hash'),
    )
    op.create_index('ix_voice_tickets_document_id', 'voice_tickets', ['document_id'], unique=False)
    op.create_index('ix_voice_tickets_fingerprint', 'voice_tickets', ['fingerprint'], unique=False)
    op.create_table(
        'objection_links',
        sa.Column('objection_id', sa.Integer(), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['objection_id'], ['documents.id']),
        sa.ForeignKeyConstraint(['subject_id'], ['documents.id']),
        sa.PrimaryKeyConstraint('objection_id'),
    )
    op.create_index('ix_objection_links_subject_id', 'objection_links', ['subject_id'], unique=False)
    op.create_table(
        'recusals',
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('document_id', 'user_id'),
    )


def downgrade() -> None:
    op.drop_table('recusals')
    op.drop_index('ix_objection_links_subject_id', table_name='objection_links')
    op.drop_table('objection_links')
    op.drop_index('ix_voice_tickets_fingerprint', table_name='voice_tickets')
    op.drop_index('ix_voice_tickets_document_id', table_name='voice_tickets')
    op.drop_table('voice_tickets')
