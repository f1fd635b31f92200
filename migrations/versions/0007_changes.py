"""changes: what each run and upload changed (for undo), role provenance (for explain), audit by school

Revision ID: 0007_changes
Revises: 0005_districts
Create Date: 2026-12-01 19:20:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0007_changes'
down_revision: str | None = '0005_districts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_set', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=True),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
    sa.Column('first_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('last_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('roles', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('record_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('origin', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.create_index('ix_change_account', ['account_id'], unique=False, sqlite_where=sa.text("kind = 'account'"), postgresql_where=sa.text("kind = 'account'"))
        batch_op.create_index('ix_change_membership', ['membership_id'], unique=False)
        batch_op.create_index('ix_change_set', ['change_set'], unique=False)

    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.Text(), nullable=True))

    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('undoes', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))

    with op.batch_alter_table('runissue', schema=None) as batch_op:
        batch_op.create_index('ix_runissue_email', ['email'], unique=False)

    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('school_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index('ix_auditevent_school_at', ['school_id', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_auditevent_at'), ['at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditevent_at'))
        batch_op.drop_index('ix_auditevent_school_at')
        batch_op.drop_column('school_id')

    with op.batch_alter_table('runissue', schema=None) as batch_op:
        batch_op.drop_index('ix_runissue_email')

    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.drop_column('undoes')

    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_column('origin')

    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.drop_index('ix_change_set')
        batch_op.drop_index('ix_change_membership')
        batch_op.drop_index('ix_change_account')

    op.drop_table('change')
