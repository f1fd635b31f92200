"""districts: districts, schools in a district, district integrations and their school links,
per-school run counts, district-scoped tokens

Revision ID: 0005_districts
Revises: 0004_upload_progress
Create Date: 2026-12-01 19:20:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0005_districts'
down_revision: str | None = '0004_upload_progress'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('district',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.add_column(sa.Column('district_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.create_index(batch_op.f('ix_school_district_id'), ['district_id'], unique=False)
        batch_op.create_foreign_key('fk_school_district_id', 'district', ['district_id'], ['id'])
    with op.batch_alter_table('integration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('district_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.alter_column('school_id', existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        batch_op.create_index(batch_op.f('ix_integration_district_id'), ['district_id'], unique=False)
        batch_op.create_foreign_key('fk_integration_district_id', 'district', ['district_id'], ['id'])
    op.create_table('integrationlink',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('integration_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('school_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['integration_id'], ['integration.id'], ),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('integration_id', 'school_id', name='uq_link_integration_school')
    )
    with op.batch_alter_table('integrationlink', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_integrationlink_integration_id'), ['integration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_integrationlink_school_id'), ['school_id'], unique=False)
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('school_counts', sa.JSON(), nullable=True))
    with op.batch_alter_table('apitoken', schema=None) as batch_op:
        batch_op.add_column(sa.Column('district_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.create_foreign_key('fk_apitoken_district_id', 'district', ['district_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('apitoken', schema=None) as batch_op:
        batch_op.drop_constraint('fk_apitoken_district_id', type_='foreignkey')
        batch_op.drop_column('district_id')
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.drop_column('school_counts')
    with op.batch_alter_table('integrationlink', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_integrationlink_school_id'))
        batch_op.drop_index(batch_op.f('ix_integrationlink_integration_id'))
    op.drop_table('integrationlink')
    with op.batch_alter_table('integration', schema=None) as batch_op:
        batch_op.drop_constraint('fk_integration_district_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_integration_district_id'))
        batch_op.alter_column('school_id', existing_type=sqlmodel.sql.sqltypes.AutoString(), nullable=False)
        batch_op.drop_column('district_id')
    with op.batch_alter_table('school', schema=None) as batch_op:
        batch_op.drop_constraint('fk_school_district_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_school_district_id'))
        batch_op.drop_column('district_id')
    op.drop_table('district')
