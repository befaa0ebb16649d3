"""signed log: Merkle log entries, checkpoints, the log head, sealed user keys, steps.log_index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('log_entries',
    sa.Column('idx', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('leaf_input', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('idx')
    )
    op.create_table('checkpoints',
    sa.Column('size', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('size')
    )
    op.create_table('log_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('frontier', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('user_keys',
    sa.Column('key_id', sa.String(length=80), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sealed', sa.JSON(), nullable=False),
    sa.Column('registered_index', sa.BigInteger(), nullable=False),
    sa.Column('revoked_index', sa.BigInteger(), nullable=True),
    sa.Column('revoked_reason', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('key_id')
    )
    with op.batch_alter_table('user_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_keys_user_id'), ['user_id'], unique=False)
    # Plain ADD COLUMN, not a batch copy: copying `steps` on SQLite would drop its append-only triggers.
    op.add_column('steps', sa.Column('log_index', sa.BigInteger(), nullable=True))
    op.execute(sa.text("INSERT INTO log_head (id, size, frontier) VALUES (1, 0, :empty)")
               .bindparams(sa.bindparam("empty", b"", type_=sa.LargeBinary())))
    _append_only("log_entries")
    _append_only("checkpoints")


def _append_only(table: str) -> None:
    """The log is never edited in place; an administrator can still drop this, the verifier cannot be."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END")
    else:
        op.execute(f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$ "
                   f"BEGIN RAISE EXCEPTION '{table} are append-only'; END $$ LANGUAGE plpgsql")
        op.execute(f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS log_entries_append_only() CASCADE")
        op.execute("DROP FUNCTION IF EXISTS checkpoints_append_only() CASCADE")
    op.drop_column('steps', 'log_index')
    with op.batch_alter_table('user_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_keys_user_id'))
    op.drop_table('user_keys')
    op.drop_table('log_head')
    op.drop_table('checkpoints')
    op.drop_table('log_entries')
