"""reconciliation findings

Revision ID: 4479780ccabb
Revises: 5ac5fb8dbdba
Model: energy_community 1.0.0 -> 1.1.0
Migration file: none

Written by `meshkit db revision`; review it before `meshkit db upgrade`. The model this revision
applies is in 4479780ccabb.model.json next to this file (the next revision diffs against it).
"""

import datetime  # noqa: F401  (literal values)
from decimal import Decimal  # noqa: F401

import sqlalchemy as sa
from alembic import op

from meshkit.runtime.migrations import ops as mk
from meshkit.runtime.storage import types as mkt

revision = '4479780ccabb'
down_revision = '5ac5fb8dbdba'
branch_labels = None
depends_on = None
meshkit_model = 'energy_community'
meshkit_version = '1.1.0'


def upgrade() -> None:
    # create table energy_community__reconciliation_finding
    op.create_table(
        'energy_community__reconciliation_finding',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('type', sa.String(200), nullable=False),
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('created_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('created_by', sa.String(200), nullable=True),
        sa.Column('changed_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('changed_by', sa.String(200), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state', mkt.EnumKey('system/EntityState', (('active', 1), ('archived', 2)), False), nullable=False),
        sa.Column('metering_point_number', sa.String(33), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('meter_code', sa.Text(), nullable=False),
        sa.Column('ours', mkt.ExactDecimal(18, 6), nullable=True),
        sa.Column('theirs', mkt.ExactDecimal(18, 6), nullable=True),
        sa.Column('deviation', mkt.ExactDecimal(18, 6), nullable=False),
        sa.Column('intervals', mkt.json_type(), nullable=True),
        sa.Column('finding_state', mkt.EnumKey('energy_community/FindingState', (('open', 1), ('acknowledged', 2), ('resolved', 3)), False), nullable=False),
        sa.Column('found_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('checked_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('community_id', sa.String(36), nullable=False),
        sa.Column('metering_point_id', sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint('tenant', 'id', name='pk_energy_community__reconciliation_finding'),
        sa.ForeignKeyConstraint(['tenant', 'community_id'], ['energy_community__energy_community.tenant', 'energy_community__energy_community.id'], name='fk_energy_community__reconciliation_finding__community_id'),
        sa.ForeignKeyConstraint(['tenant', 'metering_point_id'], ['energy_community__metering_point.tenant', 'energy_community__metering_point.id'], name='fk_energy_community__reconciliation_finding__metering_point_id'),
    )
    op.create_index('ix_energy_community__reconciliation_finding__community_id', 'energy_community__reconciliation_finding', ['tenant', 'community_id'])
    op.create_index('ix_energy_community__reconciliation_finding__ix_reconc_22604029', 'energy_community__reconciliation_finding', ['tenant', 'community_id', 'finding_state', 'day'])
    op.create_index('ix_energy_community__reconciliation_finding__metering_point_id', 'energy_community__reconciliation_finding', ['tenant', 'metering_point_id'])
    op.create_index('uq_energy_community__reconciliation_finding__uq_reconc_4286b296', 'energy_community__reconciliation_finding', ['tenant', 'community_id', 'metering_point_number', 'meter_code', 'day'], unique=True, sqlite_where=sa.text('state = 1'), postgresql_where=sa.text('state = 1'))
    mk.record_model(__file__, revision)


def downgrade() -> None:
    # drop table energy_community__reconciliation_finding (energy_community/ReconciliationFinding)
    mk.check_loss_table('energy_community__reconciliation_finding', 'energy_community/ReconciliationFinding', allowed=False)
    op.drop_table('energy_community__reconciliation_finding')
    mk.record_model(__file__, down_revision)
