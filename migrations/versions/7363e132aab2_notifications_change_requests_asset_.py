"""notifications, change requests, asset findings

Revision ID: 7363e132aab2
Revises: fa470d7c6960
Model: energy_community 1.2.0 -> 1.3.0
Migration file: none

Written by `meshkit db revision`; review it before `meshkit db upgrade`. The model this revision
applies is in 7363e132aab2.model.json next to this file (the next revision diffs against it).
"""

import datetime  # noqa: F401  (literal values)
from decimal import Decimal  # noqa: F401

import sqlalchemy as sa
from alembic import op

from meshkit.runtime.migrations import ops as mk
from meshkit.runtime.storage import types as mkt

revision = '7363e132aab2'
down_revision = 'fa470d7c6960'
branch_labels = None
depends_on = None
meshkit_model = 'energy_community'
meshkit_version = '1.3.0'


def upgrade() -> None:
    # create table energy_community__asset_finding
    op.create_table(
        'energy_community__asset_finding',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('type', sa.String(200), nullable=False),
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('created_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('created_by', sa.String(200), nullable=True),
        sa.Column('changed_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('changed_by', sa.String(200), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state', mkt.EnumKey('system/EntityState', (('active', 1), ('archived', 2)), False), nullable=False),
        sa.Column('kind', mkt.EnumKey('energy_community/AssetFindingKind', (('outage', 1),), False), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('intervals', sa.Integer(), nullable=False),
        sa.Column('first_interval', mkt.UtcDateTime(), nullable=True),
        sa.Column('last_interval', mkt.UtcDateTime(), nullable=True),
        sa.Column('finding_state', mkt.EnumKey('energy_community/FindingState', (('open', 1), ('acknowledged', 2), ('resolved', 3)), False), nullable=False),
        sa.Column('found_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('checked_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('community_id', sa.String(36), nullable=False),
        sa.Column('generation_unit_id', sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint('tenant', 'id', name='pk_energy_community__asset_finding'),
        sa.ForeignKeyConstraint(['tenant', 'community_id'], ['energy_community__energy_community.tenant', 'energy_community__energy_community.id'], name='fk_energy_community__asset_finding__community_id'),
        sa.ForeignKeyConstraint(['tenant', 'generation_unit_id'], ['energy_community__generation_unit.tenant', 'energy_community__generation_unit.id'], name='fk_energy_community__asset_finding__generation_unit_id'),
    )
    op.create_index('ix_energy_community__asset_finding__community_id', 'energy_community__asset_finding', ['tenant', 'community_id'])
    op.create_index('ix_energy_community__asset_finding__generation_unit_id', 'energy_community__asset_finding', ['tenant', 'generation_unit_id'])
    op.create_index('ix_energy_community__asset_finding__ix_assetfinding_co_80d791e5', 'energy_community__asset_finding', ['tenant', 'community_id', 'finding_state', 'day'])
    op.create_index('uq_energy_community__asset_finding__uq_assetfinding_co_db1522ad', 'energy_community__asset_finding', ['tenant', 'community_id', 'generation_unit_id', 'kind', 'day'], unique=True, sqlite_where=sa.text('state = 1'), postgresql_where=sa.text('state = 1'))
    # create table energy_community__change_request
    op.create_table(
        'energy_community__change_request',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('type', sa.String(200), nullable=False),
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('created_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('created_by', sa.String(200), nullable=True),
        sa.Column('changed_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('changed_by', sa.String(200), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state', mkt.EnumKey('system/EntityState', (('active', 1), ('archived', 2)), False), nullable=False),
        sa.Column('request_state', mkt.EnumKey('energy_community/ChangeRequestState', (('pending', 1), ('approved', 2), ('rejected', 3), ('withdrawn', 4)), False), nullable=False),
        sa.Column('email', sa.String(254), nullable=True),
        sa.Column('phone', sa.String(40), nullable=True),
        sa.Column('address', mkt.json_type(), nullable=True),
        sa.Column('bank_account', mkt.json_type(), nullable=True),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('requested_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('decided_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('decided_by', sa.String(200), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('participant_id', sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint('tenant', 'id', name='pk_energy_community__change_request'),
        sa.ForeignKeyConstraint(['tenant', 'participant_id'], ['energy_community__participant.tenant', 'energy_community__participant.id'], name='fk_energy_community__change_request__participant_id'),
    )
    op.create_index('ix_energy_community__change_request__ix_changerequest__527303c9', 'energy_community__change_request', ['tenant', 'participant_id', 'request_state'])
    op.create_index('ix_energy_community__change_request__participant_id', 'energy_community__change_request', ['tenant', 'participant_id'])
    # create table energy_community__notification
    op.create_table(
        'energy_community__notification',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('type', sa.String(200), nullable=False),
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('created_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('created_by', sa.String(200), nullable=True),
        sa.Column('changed_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('changed_by', sa.String(200), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state', mkt.EnumKey('system/EntityState', (('active', 1), ('archived', 2)), False), nullable=False),
        sa.Column('recipient', sa.String(200), nullable=False),
        sa.Column('topic', mkt.EnumKey('energy_community/NotificationTopic', (('process_rejected', 1), ('message_quarantined', 2), ('deadline_missed', 3), ('reconciliation_finding', 4), ('asset_finding', 5), ('document_available', 6), ('change_request', 7)), False), nullable=False),
        sa.Column('severity', mkt.EnumKey('energy_community/NotificationSeverity', (('info', 1), ('warning', 2), ('error', 3)), False), nullable=False),
        sa.Column('title', sa.String(200), nullable=False),
        sa.Column('body', sa.Text(), nullable=True),
        sa.Column('subject_class', sa.String(200), nullable=True),
        sa.Column('subject_id', sa.String(36), nullable=True),
        sa.Column('dedup_key', sa.String(200), nullable=False),
        sa.Column('read_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('email_to', sa.String(254), nullable=True),
        sa.Column('email_state', mkt.EnumKey('energy_community/EmailState', (('not_sent', 1), ('pending', 2), ('sent', 3), ('failed', 4)), False), nullable=False),
        sa.Column('emailed_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('email_error', sa.Text(), nullable=True),
        sa.Column('community_id', sa.String(36), nullable=True),
        sa.Column('participant_id', sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint('tenant', 'id', name='pk_energy_community__notification'),
        sa.ForeignKeyConstraint(['tenant', 'community_id'], ['energy_community__energy_community.tenant', 'energy_community__energy_community.id'], name='fk_energy_community__notification__community_id'),
        sa.ForeignKeyConstraint(['tenant', 'participant_id'], ['energy_community__participant.tenant', 'energy_community__participant.id'], name='fk_energy_community__notification__participant_id'),
    )
    op.create_index('ix_energy_community__notification__community_id', 'energy_community__notification', ['tenant', 'community_id'])
    op.create_index('ix_energy_community__notification__ix_notification_email_state', 'energy_community__notification', ['tenant', 'email_state'])
    op.create_index('ix_energy_community__notification__ix_notification_rec_34eee94e', 'energy_community__notification', ['tenant', 'recipient', 'read_at'])
    op.create_index('ix_energy_community__notification__participant_id', 'energy_community__notification', ['tenant', 'participant_id'])
    op.create_index('uq_energy_community__notification__uq_notification_rec_c02f8ac8', 'energy_community__notification', ['tenant', 'recipient', 'dedup_key'], unique=True, sqlite_where=sa.text('state = 1'), postgresql_where=sa.text('state = 1'))
    mk.record_model(__file__, revision)


def downgrade() -> None:
    # drop table energy_community__notification (energy_community/Notification)
    mk.check_loss_table('energy_community__notification', 'energy_community/Notification', allowed=False)
    op.drop_table('energy_community__notification')
    # drop table energy_community__change_request (energy_community/ChangeRequest)
    mk.check_loss_table('energy_community__change_request', 'energy_community/ChangeRequest', allowed=False)
    op.drop_table('energy_community__change_request')
    # drop table energy_community__asset_finding (energy_community/AssetFinding)
    mk.check_loss_table('energy_community__asset_finding', 'energy_community/AssetFinding', allowed=False)
    op.drop_table('energy_community__asset_finding')
    mk.record_model(__file__, down_revision)
