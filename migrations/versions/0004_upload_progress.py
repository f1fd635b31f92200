"""upload progress: uploads applied in the background report progress and a heartbeat

Revision ID: 0004_upload_progress
Revises: 0006_rooms
Create Date: 2026-12-01 19:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004_upload_progress'
down_revision: str | None = '0006_rooms'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_schools', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('progress_done', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('progress_total', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('error', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('upload', schema=None) as batch_op:
        batch_op.drop_column('error')
        batch_op.drop_column('attempts')
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('progress_total')
        batch_op.drop_column('progress_done')
        batch_op.drop_column('actor_schools')
