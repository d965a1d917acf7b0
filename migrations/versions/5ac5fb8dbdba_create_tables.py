"""create tables

Revision ID: 5ac5fb8dbdba
Revises: 
Model: energy_community (empty database) -> 1.0.0
Migration file: none

Written by `meshkit db revision`; review it before `meshkit db upgrade`. The model this revision
applies is in 5ac5fb8dbdba.model.json next to this file (the next revision diffs against it).
"""

import datetime  # noqa: F401  (literal values)
from decimal import Decimal  # noqa: F401

import sqlalchemy as sa
from alembic import op

from meshkit.runtime.migrations import ops as mk
from meshkit.runtime.storage import types as mkt

revision = '5ac5fb8dbdba'
down_revision = None
branch_labels = None
depends_on = None
meshkit_model = 'energy_community'
meshkit_version = '1.0.0'


def upgrade() -> None:
    # create table energy_community__energy_community
    op.create_table(
        'energy_community__energy_community',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('type', sa.String(200), nullable=False),
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('created_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('created_by', sa.String(200), nullable=True),
        sa.Column('changed_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('changed_by', sa.String(200), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state', mkt.EnumKey('system/EntityState', (('active', 1), ('archived', 2)), False), nullable=False),
        sa.Column('name', sa.String(200), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('community_id', sa.String(33), nullable=False),
        sa.Column('ec_number', sa.Text(), nullable=False),
        sa.Column('kind', mkt.EnumKey('energy_community/CommunityKind', (('eeg_local', 1), ('eeg_regional', 2), ('beg', 3)), False), nullable=False),
        sa.Column('allocation_model', mkt.EnumKey('energy_community/AllocationModel', (('static', 1), ('dynamic', 2)), False), nullable=False),
        sa.Column('settlement_interval', mkt.EnumKey('energy_community/SettlementInterval', (('monthly', 1), ('quarterly', 2), ('half_yearly', 3), ('annual', 4)), False), nullable=False),
        sa.Column('grid_operator_id', sa.Text(), nullable=False),
        sa.Column('vat_status', mkt.EnumKey('energy_community/TaxRegime', (('standard', 1), ('small_business', 2), ('reverse_charge', 3), ('farmers_flat_rate', 4), ('none', 5)), False), nullable=False),
        sa.Column('vat_id', sa.Text(), nullable=True),
        sa.Column('sepa_creditor_id', sa.String(35), nullable=True),
        sa.Column('address', mkt.json_type(), nullable=False),
        sa.Column('bank_account', mkt.json_type(), nullable=True),
        sa.Column('email', sa.String(254), nullable=True),
        sa.Column('phone', sa.String(40), nullable=True),
        sa.Column('time_zone', sa.Text(), nullable=False),
        sa.Column('founded_on', sa.Date(), nullable=True),
        sa.Column('payment_term_days', sa.Integer(), nullable=False),
        sa.Column('invoice_prefix', sa.Text(), nullable=False),
        sa.Column('credit_note_prefix', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('tenant', 'id', name='pk_energy_community__energy_community'),
    )
    op.create_index('uq_energy_community__energy_community__uq_energycommun_2986d645', 'energy_community__energy_community', ['tenant', 'ec_number'], unique=True, sqlite_where=sa.text('state = 1'), postgresql_where=sa.text('state = 1'))
    op.create_index('uq_energy_community__energy_community__uq_energycommun_b43a56e0', 'energy_community__energy_community', ['tenant', 'community_id'], unique=True, sqlite_where=sa.text('state = 1'), postgresql_where=sa.text('state = 1'))
    # create table energy_community__metering_point
    op.create_table(
        'energy_community__metering_point',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('type', sa.String(200), nullable=False),
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('created_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('created_by', sa.String(200), nullable=True),
        sa.Column('changed_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('changed_by', sa.String(200), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state', mkt.EnumKey('system/EntityState', (('active', 1), ('archived', 2)), False), nullable=False),
        sa.Column('metering_point_id', sa.String(33), nullable=False),
        sa.Column('direction', mkt.EnumKey('energy_community/EnergyDirection', (('consumption', 1), ('generation', 2)), False), nullable=False),
        sa.Column('grid_operator_id', sa.Text(), nullable=False),
        sa.Column('designation', sa.String(200), nullable=True),
        sa.Column('address', mkt.json_type(), nullable=True),
        sa.PrimaryKeyConstraint('tenant', 'id', name='pk_energy_community__metering_point'),
    )
    op.create_index('ix_energy_community__metering_point__ix_meteringpoint__80e20ee7', 'energy_community__metering_point', ['tenant', 'grid_operator_id'])
    op.create_index('uq_energy_community__metering_point__uq_meteringpoint__99d2f10e', 'energy_community__metering_point', ['tenant', 'metering_point_id'], unique=True, sqlite_where=sa.text('state = 1'), postgresql_where=sa.text('state = 1'))
    # create table meshkit_audit
    op.create_table(
        'meshkit_audit',
        sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False, autoincrement=True),
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('entity_id', sa.String(36), nullable=False),
        sa.Column('class_qid', sa.String(200), nullable=False),
        sa.Column('operation', sa.String(20), nullable=False),
        sa.Column('actor', sa.String(200), nullable=False),
        sa.Column('at', mkt.UtcDateTime(), nullable=False),
        sa.Column('changes', mkt.json_type(), nullable=False),
        sa.PrimaryKeyConstraint('seq', name=None),
    )
    op.create_index('ix_meshkit_audit__entity', 'meshkit_audit', ['tenant', 'entity_id', 'seq'])
    # create table meshkit_consumer
    op.create_table(
        'meshkit_consumer',
        sa.Column('name', sa.String(200), nullable=False),
        sa.Column('position', sa.BigInteger(), nullable=False),
        sa.Column('updated_at', mkt.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=None),
    )
    # create table meshkit_outbox
    op.create_table(
        'meshkit_outbox',
        sa.Column('position', sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('class_qid', sa.String(200), nullable=False),
        sa.Column('entity_id', sa.String(36), nullable=False),
        sa.Column('kind', sa.String(20), nullable=False),
        sa.Column('changed', mkt.json_type(), nullable=False),
        sa.Column('related_id', sa.String(36), nullable=True),
        sa.Column('actor', sa.String(200), nullable=False),
        sa.Column('at', mkt.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('position', name=None),
    )
    op.create_index('ix_meshkit_outbox__tenant', 'meshkit_outbox', ['tenant', 'position'])
    # create table meshkit_series_history
    op.create_table(
        'meshkit_series_history',
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('series', sa.String(200), nullable=False),
        sa.Column('key', sa.String(64), nullable=False),
        sa.Column('code', sa.String(64), nullable=False),
        sa.Column('start', mkt.UtcDateTime(), nullable=False),
        sa.Column('value', mkt.ExactDecimal(18, 6), nullable=False),
        sa.Column('quality', sa.String(8), nullable=True),
        sa.Column('source', sa.String(200), nullable=False),
        sa.Column('recorded_at', mkt.UtcDateTime(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('superseded_at', mkt.UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('tenant', 'series', 'key', 'code', 'start', 'revision', name='pk_meshkit_series_history'),
        postgresql_partition_by='RANGE (start)',
        sqlite_with_rowid=False,
    )
    # create table meshkit_series_value
    op.create_table(
        'meshkit_series_value',
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('series', sa.String(200), nullable=False),
        sa.Column('key', sa.String(64), nullable=False),
        sa.Column('code', sa.String(64), nullable=False),
        sa.Column('start', mkt.UtcDateTime(), nullable=False),
        sa.Column('value', mkt.ExactDecimal(18, 6), nullable=False),
        sa.Column('quality', sa.String(8), nullable=True),
        sa.Column('source', sa.String(200), nullable=False),
        sa.Column('recorded_at', mkt.UtcDateTime(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('tenant', 'series', 'key', 'code', 'start', name='pk_meshkit_series_value'),
        postgresql_partition_by='RANGE (start)',
        sqlite_with_rowid=False,
    )
    # create table system__tenant
    op.create_table(
        'system__tenant',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('type', sa.String(200), nullable=False),
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('created_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('created_by', sa.String(200), nullable=True),
        sa.Column('changed_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('changed_by', sa.String(200), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state', mkt.EnumKey('system/EntityState', (('active', 1), ('archived', 2)), False), nullable=False),
        sa.Column('name', sa.String(200), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('key', sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint('tenant', 'id', name='pk_system__tenant'),
    )
    op.create_index('uq_system__tenant__uq_tenant_key', 'system__tenant', ['tenant', 'key'], unique=True)
    # create table energy_community__billing_run
    op.create_table(
        'energy_community__billing_run',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('type', sa.String(200), nullable=False),
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('created_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('created_by', sa.String(200), nullable=True),
        sa.Column('changed_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('changed_by', sa.String(200), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state', mkt.EnumKey('system/EntityState', (('active', 1), ('archived', 2)), False), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('kind', mkt.EnumKey('energy_community/BillingRunKind', (('preview', 1), ('final', 2)), False), nullable=False),
        sa.Column('run_state', mkt.EnumKey('energy_community/BillingRunState', (('pending', 1), ('running', 2), ('completed', 3), ('failed', 4), ('discarded', 5)), False), nullable=False),
        sa.Column('issue_date', sa.Date(), nullable=True),
        sa.Column('started_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('finished_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('document_count', sa.Integer(), nullable=True),
        sa.Column('problems', mkt.json_type(), nullable=True),
        sa.Column('community_id', sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint('tenant', 'id', name='pk_energy_community__billing_run'),
        sa.ForeignKeyConstraint(['tenant', 'community_id'], ['energy_community__energy_community.tenant', 'energy_community__energy_community.id'], name='fk_energy_community__billing_run__community_id'),
    )
    op.create_index('ix_energy_community__billing_run__community_id', 'energy_community__billing_run', ['tenant', 'community_id'])
    op.create_index('ix_energy_community__billing_run__ix_billingrun_commun_41f118ea', 'energy_community__billing_run', ['tenant', 'community_id', 'period_start'])
    # create table energy_community__eda_process
    op.create_table(
        'energy_community__eda_process',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('type', sa.String(200), nullable=False),
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('created_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('created_by', sa.String(200), nullable=True),
        sa.Column('changed_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('changed_by', sa.String(200), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state', mkt.EnumKey('system/EntityState', (('active', 1), ('archived', 2)), False), nullable=False),
        sa.Column('process_code', mkt.EnumKey('energy_community/EdaProcessCode', (('ec_req_onl', 1), ('ec_req_off', 2), ('ec_prtfact_change', 3), ('ec_prt_change', 4), ('ec_podlist', 5), ('cr_msg', 6), ('cr_req_pt', 7), ('cm_rev_sp', 8), ('cm_rev_cus', 9), ('cm_rev_imp', 10)), False), nullable=False),
        sa.Column('conversation_id', sa.String(35), nullable=False),
        sa.Column('process_state', mkt.EnumKey('energy_community/EdaProcessState', (('open', 1), ('awaiting_response', 2), ('completed', 3), ('rejected', 4), ('cancelled', 5), ('expired', 6), ('failed', 7)), False), nullable=False),
        sa.Column('initiator', mkt.EnumKey('energy_community/EdaDirection', (('inbound', 1), ('outbound', 2)), False), nullable=False),
        sa.Column('grid_operator_id', sa.Text(), nullable=False),
        sa.Column('process_date', sa.Date(), nullable=True),
        sa.Column('deadline', mkt.UtcDateTime(), nullable=True),
        sa.Column('started_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('completed_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('last_response_code', sa.Integer(), nullable=True),
        sa.Column('community_id', sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint('tenant', 'id', name='pk_energy_community__eda_process'),
        sa.ForeignKeyConstraint(['tenant', 'community_id'], ['energy_community__energy_community.tenant', 'energy_community__energy_community.id'], name='fk_energy_community__eda_process__community_id'),
    )
    op.create_index('ix_energy_community__eda_process__community_id', 'energy_community__eda_process', ['tenant', 'community_id'])
    op.create_index('ix_energy_community__eda_process__ix_edaprocess_commun_ce1e3dd0', 'energy_community__eda_process', ['tenant', 'community_id', 'process_state'])
    op.create_index('uq_energy_community__eda_process__uq_edaprocess_conversation_id', 'energy_community__eda_process', ['tenant', 'conversation_id'], unique=True)
    # create table energy_community__generation_unit
    op.create_table(
        'energy_community__generation_unit',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('type', sa.String(200), nullable=False),
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('created_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('created_by', sa.String(200), nullable=True),
        sa.Column('changed_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('changed_by', sa.String(200), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state', mkt.EnumKey('system/EntityState', (('active', 1), ('archived', 2)), False), nullable=False),
        sa.Column('name', sa.String(200), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('technology', mkt.EnumKey('energy_community/GenerationTechnology', (('pv', 1), ('wind', 2), ('hydro', 3), ('biomass', 4), ('other', 5)), False), nullable=False),
        sa.Column('peak_power', mkt.ExactDecimal(12, 3), nullable=False),
        sa.Column('commissioning_date', sa.Date(), nullable=True),
        sa.Column('storage_capacity', mkt.ExactDecimal(12, 3), nullable=True),
        sa.Column('metering_point_id', sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint('tenant', 'id', name='pk_energy_community__generation_unit'),
        sa.ForeignKeyConstraint(['tenant', 'metering_point_id'], ['energy_community__metering_point.tenant', 'energy_community__metering_point.id'], name='fk_energy_community__generation_unit__metering_point_id'),
    )
    op.create_index('ix_energy_community__generation_unit__metering_point_id', 'energy_community__generation_unit', ['tenant', 'metering_point_id'])
    # create table energy_community__tariff
    op.create_table(
        'energy_community__tariff',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('type', sa.String(200), nullable=False),
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('created_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('created_by', sa.String(200), nullable=True),
        sa.Column('changed_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('changed_by', sa.String(200), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state', mkt.EnumKey('system/EntityState', (('active', 1), ('archived', 2)), False), nullable=False),
        sa.Column('name', sa.String(200), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('consumption_price', mkt.ExactDecimal(12, 6), nullable=False),
        sa.Column('feed_in_price', mkt.ExactDecimal(12, 6), nullable=False),
        sa.Column('membership_fee', mkt.ExactDecimal(14, 2), nullable=False),
        sa.Column('base_fee', mkt.ExactDecimal(14, 2), nullable=False),
        sa.Column('metering_point_fee', mkt.ExactDecimal(14, 2), nullable=False),
        sa.Column('discount', mkt.ExactDecimal(7, 4), nullable=False),
        sa.Column('free_kwh', mkt.ExactDecimal(18, 6), nullable=False),
        sa.Column('vat_rate', mkt.ExactDecimal(7, 4), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.Column('valid_to', sa.Date(), nullable=True),
        sa.Column('community_id', sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint('tenant', 'id', name='pk_energy_community__tariff'),
        sa.ForeignKeyConstraint(['tenant', 'community_id'], ['energy_community__energy_community.tenant', 'energy_community__energy_community.id'], name='fk_energy_community__tariff__community_id'),
    )
    op.create_index('ix_energy_community__tariff__community_id', 'energy_community__tariff', ['tenant', 'community_id'])
    op.create_index('ix_energy_community__tariff__ix_tariff_community_valid_from', 'energy_community__tariff', ['tenant', 'community_id', 'valid_from'])
    op.create_index('uq_energy_community__tariff__uq_tariff_community_name', 'energy_community__tariff', ['tenant', 'community_id', 'name'], unique=True, sqlite_where=sa.text('state = 1'), postgresql_where=sa.text('state = 1'))
    # create table energy_community__eda_message
    op.create_table(
        'energy_community__eda_message',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('type', sa.String(200), nullable=False),
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('created_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('created_by', sa.String(200), nullable=True),
        sa.Column('changed_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('changed_by', sa.String(200), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state', mkt.EnumKey('system/EntityState', (('active', 1), ('archived', 2)), False), nullable=False),
        sa.Column('message_code', sa.Text(), nullable=False),
        sa.Column('schema_name', sa.String(50), nullable=True),
        sa.Column('schema_version', sa.Text(), nullable=True),
        sa.Column('message_id', sa.String(35), nullable=False),
        sa.Column('conversation_id', sa.String(35), nullable=True),
        sa.Column('direction', mkt.EnumKey('energy_community/EdaDirection', (('inbound', 1), ('outbound', 2)), False), nullable=False),
        sa.Column('status', mkt.EnumKey('energy_community/EdaMessageStatus', (('received', 1), ('parsed', 2), ('processed', 3), ('quarantined', 4), ('stored', 5), ('sent', 6), ('delivered', 7), ('rejected', 8), ('failed', 9)), False), nullable=False),
        sa.Column('sender_id', sa.Text(), nullable=True),
        sa.Column('receiver_id', sa.Text(), nullable=True),
        sa.Column('document_created_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('received_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('sent_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('processed_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('deadline', mkt.UtcDateTime(), nullable=True),
        sa.Column('response_codes', mkt.json_type(), nullable=True),
        sa.Column('errors', mkt.json_type(), nullable=True),
        sa.Column('transport', sa.String(50), nullable=True),
        sa.Column('payload', sa.String(500), nullable=False),
        sa.Column('payload_media_type', sa.Text(), nullable=False),
        sa.Column('process_id', sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint('tenant', 'id', name='pk_energy_community__eda_message'),
        sa.ForeignKeyConstraint(['tenant', 'process_id'], ['energy_community__eda_process.tenant', 'energy_community__eda_process.id'], name='fk_energy_community__eda_message__process_id'),
    )
    op.create_index('ix_energy_community__eda_message__ix_edamessage_conversation_id', 'energy_community__eda_message', ['tenant', 'conversation_id'])
    op.create_index('ix_energy_community__eda_message__ix_edamessage_status', 'energy_community__eda_message', ['tenant', 'status'])
    op.create_index('ix_energy_community__eda_message__process_id', 'energy_community__eda_message', ['tenant', 'process_id'])
    op.create_index('uq_energy_community__eda_message__uq_edamessage_sender_b00c1a80', 'energy_community__eda_message', ['tenant', 'sender_id', 'message_id'], unique=True)
    # create table energy_community__eda_process__metering_points
    op.create_table(
        'energy_community__eda_process__metering_points',
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('source_id', sa.String(36), nullable=False),
        sa.Column('target_id', sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint('tenant', 'source_id', 'target_id', name='pk_energy_community__eda_process__metering_points'),
        sa.ForeignKeyConstraint(['tenant', 'source_id'], ['energy_community__eda_process.tenant', 'energy_community__eda_process.id'], name='fk_energy_community__eda_process__metering_points__source_id'),
        sa.ForeignKeyConstraint(['tenant', 'target_id'], ['energy_community__metering_point.tenant', 'energy_community__metering_point.id'], name='fk_energy_community__eda_process__metering_points__target_id'),
    )
    op.create_index('ix_energy_community__eda_process__metering_points__target_id', 'energy_community__eda_process__metering_points', ['tenant', 'target_id'])
    # create table energy_community__participant
    op.create_table(
        'energy_community__participant',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('type', sa.String(200), nullable=False),
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('created_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('created_by', sa.String(200), nullable=True),
        sa.Column('changed_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('changed_by', sa.String(200), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state', mkt.EnumKey('system/EntityState', (('active', 1), ('archived', 2)), False), nullable=False),
        sa.Column('member_number', sa.String(20), nullable=False),
        sa.Column('email', sa.String(254), nullable=True),
        sa.Column('phone', sa.String(40), nullable=True),
        sa.Column('address', mkt.json_type(), nullable=False),
        sa.Column('bank_account', mkt.json_type(), nullable=True),
        sa.Column('sepa_mandate', mkt.json_type(), nullable=True),
        sa.Column('tax_regime', mkt.EnumKey('energy_community/TaxRegime', (('standard', 1), ('small_business', 2), ('reverse_charge', 3), ('farmers_flat_rate', 4), ('none', 5)), False), nullable=False),
        sa.Column('vat_id', sa.Text(), nullable=True),
        sa.Column('joined_on', sa.Date(), nullable=False),
        sa.Column('left_on', sa.Date(), nullable=True),
        sa.Column('invoice_by_email', sa.Boolean(), nullable=False),
        sa.Column('title', sa.String(50), nullable=True),
        sa.Column('first_name', sa.String(100), nullable=True),
        sa.Column('last_name', sa.String(100), nullable=True),
        sa.Column('birth_date', sa.Date(), nullable=True),
        sa.Column('company_name', sa.String(200), nullable=True),
        sa.Column('register_number', sa.String(30), nullable=True),
        sa.Column('contact_person', sa.String(200), nullable=True),
        sa.Column('community_id', sa.String(36), nullable=False),
        sa.Column('tariff_id', sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint('tenant', 'id', name='pk_energy_community__participant'),
        sa.ForeignKeyConstraint(['tenant', 'community_id'], ['energy_community__energy_community.tenant', 'energy_community__energy_community.id'], name='fk_energy_community__participant__community_id'),
        sa.ForeignKeyConstraint(['tenant', 'tariff_id'], ['energy_community__tariff.tenant', 'energy_community__tariff.id'], name='fk_energy_community__participant__tariff_id'),
    )
    op.create_index('ix_energy_community__participant__community_id', 'energy_community__participant', ['tenant', 'community_id'])
    op.create_index('ix_energy_community__participant__tariff_id', 'energy_community__participant', ['tenant', 'tariff_id'])
    op.create_index('uq_energy_community__participant__uq_participant_commu_49d2fd22', 'energy_community__participant', ['tenant', 'community_id', 'member_number'], unique=True, sqlite_where=sa.text('state = 1'), postgresql_where=sa.text('state = 1'))
    # create table energy_community__billing_document
    op.create_table(
        'energy_community__billing_document',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('type', sa.String(200), nullable=False),
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('created_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('created_by', sa.String(200), nullable=True),
        sa.Column('changed_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('changed_by', sa.String(200), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state', mkt.EnumKey('system/EntityState', (('active', 1), ('archived', 2)), False), nullable=False),
        sa.Column('number', sa.String(30), nullable=True),
        sa.Column('fiscal_year', sa.Integer(), nullable=True),
        sa.Column('issue_date', sa.Date(), nullable=True),
        sa.Column('due_date', sa.Date(), nullable=True),
        sa.Column('period_start', sa.Date(), nullable=True),
        sa.Column('period_end', sa.Date(), nullable=True),
        sa.Column('document_state', mkt.EnumKey('energy_community/BillingDocumentState', (('draft', 1), ('final', 2), ('sent', 3), ('paid', 4), ('cancelled', 5)), False), nullable=False),
        sa.Column('net_amount', mkt.ExactDecimal(14, 2), nullable=True),
        sa.Column('vat_amount', mkt.ExactDecimal(14, 2), nullable=True),
        sa.Column('gross_amount', mkt.ExactDecimal(14, 2), nullable=True),
        sa.Column('currency', sa.Text(), nullable=False),
        sa.Column('tax_regime', mkt.EnumKey('energy_community/TaxRegime', (('standard', 1), ('small_business', 2), ('reverse_charge', 3), ('farmers_flat_rate', 4), ('none', 5)), False), nullable=False),
        sa.Column('vat_note', sa.Text(), nullable=True),
        sa.Column('recipient_address', mkt.json_type(), nullable=True),
        sa.Column('direct_debit', sa.Boolean(), nullable=True),
        sa.Column('mandate_reference', sa.String(35), nullable=True),
        sa.Column('credit_transfer', sa.Boolean(), nullable=True),
        sa.Column('billing_run_id', sa.String(36), nullable=True),
        sa.Column('community_id', sa.String(36), nullable=False),
        sa.Column('recipient_id', sa.String(36), nullable=False),
        sa.Column('cancels_id', sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint('tenant', 'id', name='pk_energy_community__billing_document'),
        sa.ForeignKeyConstraint(['tenant', 'billing_run_id'], ['energy_community__billing_run.tenant', 'energy_community__billing_run.id'], name='fk_energy_community__billing_document__billing_run_id'),
        sa.ForeignKeyConstraint(['tenant', 'cancels_id'], ['energy_community__billing_document.tenant', 'energy_community__billing_document.id'], name='fk_energy_community__billing_document__cancels_id'),
        sa.ForeignKeyConstraint(['tenant', 'community_id'], ['energy_community__energy_community.tenant', 'energy_community__energy_community.id'], name='fk_energy_community__billing_document__community_id'),
        sa.ForeignKeyConstraint(['tenant', 'recipient_id'], ['energy_community__participant.tenant', 'energy_community__participant.id'], name='fk_energy_community__billing_document__recipient_id'),
    )
    op.create_index('ix_energy_community__billing_document__billing_run_id', 'energy_community__billing_document', ['tenant', 'billing_run_id'])
    op.create_index('ix_energy_community__billing_document__cancels_id', 'energy_community__billing_document', ['tenant', 'cancels_id'])
    op.create_index('ix_energy_community__billing_document__community_id', 'energy_community__billing_document', ['tenant', 'community_id'])
    op.create_index('ix_energy_community__billing_document__ix_billingdocum_32a221cd', 'energy_community__billing_document', ['tenant', 'recipient_id', 'issue_date'])
    op.create_index('ix_energy_community__billing_document__recipient_id', 'energy_community__billing_document', ['tenant', 'recipient_id'])
    op.create_index('uq_energy_community__billing_document__uq_billingdocum_9e9068ca', 'energy_community__billing_document', ['tenant', 'community_id', 'fiscal_year', 'number'], unique=True)
    # create table energy_community__participation
    op.create_table(
        'energy_community__participation',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('type', sa.String(200), nullable=False),
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('created_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('created_by', sa.String(200), nullable=True),
        sa.Column('changed_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('changed_by', sa.String(200), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state', mkt.EnumKey('system/EntityState', (('active', 1), ('archived', 2)), False), nullable=False),
        sa.Column('participation_factor', sa.Integer(), nullable=False),
        sa.Column('static_share', mkt.ExactDecimal(7, 4), nullable=True),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.Column('valid_to', sa.Date(), nullable=True),
        sa.Column('status', mkt.EnumKey('energy_community/ParticipationStatus', (('requested', 1), ('consent_pending', 2), ('active', 3), ('rejected', 4), ('leaving', 5), ('inactive', 6)), False), nullable=False),
        sa.Column('consent', mkt.json_type(), nullable=True),
        sa.Column('activated_on', sa.Date(), nullable=True),
        sa.Column('metering_point_id', sa.String(36), nullable=False),
        sa.Column('community_id', sa.String(36), nullable=False),
        sa.Column('participant_id', sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint('tenant', 'id', name='pk_energy_community__participation'),
        sa.ForeignKeyConstraint(['tenant', 'community_id'], ['energy_community__energy_community.tenant', 'energy_community__energy_community.id'], name='fk_energy_community__participation__community_id'),
        sa.ForeignKeyConstraint(['tenant', 'metering_point_id'], ['energy_community__metering_point.tenant', 'energy_community__metering_point.id'], name='fk_energy_community__participation__metering_point_id'),
        sa.ForeignKeyConstraint(['tenant', 'participant_id'], ['energy_community__participant.tenant', 'energy_community__participant.id'], name='fk_energy_community__participation__participant_id'),
    )
    op.create_index('ix_energy_community__participation__community_id', 'energy_community__participation', ['tenant', 'community_id'])
    op.create_index('ix_energy_community__participation__ix_participation_c_a813f2ce', 'energy_community__participation', ['tenant', 'community_id', 'status'])
    op.create_index('ix_energy_community__participation__metering_point_id', 'energy_community__participation', ['tenant', 'metering_point_id'])
    op.create_index('ix_energy_community__participation__participant_id', 'energy_community__participation', ['tenant', 'participant_id'])
    op.create_index('uq_energy_community__participation__uq_participation_m_20068664', 'energy_community__participation', ['tenant', 'metering_point_id', 'community_id', 'valid_from'], unique=True, sqlite_where=sa.text('state = 1'), postgresql_where=sa.text('state = 1'))
    # create table energy_community__document
    op.create_table(
        'energy_community__document',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('type', sa.String(200), nullable=False),
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('created_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('created_by', sa.String(200), nullable=True),
        sa.Column('changed_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('changed_by', sa.String(200), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state', mkt.EnumKey('system/EntityState', (('active', 1), ('archived', 2)), False), nullable=False),
        sa.Column('kind', mkt.EnumKey('energy_community/DocumentKind', (('invoice', 1), ('credit_note', 2), ('sepa_direct_debit_file', 3), ('sepa_credit_transfer_file', 4), ('membership_contract', 5), ('sepa_mandate', 6), ('energy_report', 7), ('import_file', 8), ('other', 9)), False), nullable=False),
        sa.Column('origin', mkt.EnumKey('energy_community/DocumentOrigin', (('generated', 1), ('uploaded', 2)), False), nullable=False),
        sa.Column('title', sa.String(200), nullable=True),
        sa.Column('file_name', sa.String(255), nullable=False),
        sa.Column('media_type', sa.Text(), nullable=False),
        sa.Column('size_bytes', sa.BigInteger(), nullable=True),
        sa.Column('sha256', sa.Text(), nullable=True),
        sa.Column('content', sa.String(500), nullable=False),
        sa.Column('billing_document_id', sa.String(36), nullable=True),
        sa.Column('community_id', sa.String(36), nullable=False),
        sa.Column('participant_id', sa.String(36), nullable=True),
        sa.Column('billing_run_id', sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint('tenant', 'id', name='pk_energy_community__document'),
        sa.ForeignKeyConstraint(['tenant', 'billing_document_id'], ['energy_community__billing_document.tenant', 'energy_community__billing_document.id'], name='fk_energy_community__document__billing_document_id'),
        sa.ForeignKeyConstraint(['tenant', 'billing_run_id'], ['energy_community__billing_run.tenant', 'energy_community__billing_run.id'], name='fk_energy_community__document__billing_run_id'),
        sa.ForeignKeyConstraint(['tenant', 'community_id'], ['energy_community__energy_community.tenant', 'energy_community__energy_community.id'], name='fk_energy_community__document__community_id'),
        sa.ForeignKeyConstraint(['tenant', 'participant_id'], ['energy_community__participant.tenant', 'energy_community__participant.id'], name='fk_energy_community__document__participant_id'),
    )
    op.create_index('ix_energy_community__document__billing_document_id', 'energy_community__document', ['tenant', 'billing_document_id'])
    op.create_index('ix_energy_community__document__billing_run_id', 'energy_community__document', ['tenant', 'billing_run_id'])
    op.create_index('ix_energy_community__document__community_id', 'energy_community__document', ['tenant', 'community_id'])
    op.create_index('ix_energy_community__document__ix_document_community_kind', 'energy_community__document', ['tenant', 'community_id', 'kind'])
    op.create_index('ix_energy_community__document__participant_id', 'energy_community__document', ['tenant', 'participant_id'])
    # create table energy_community__eda_process__participations
    op.create_table(
        'energy_community__eda_process__participations',
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('source_id', sa.String(36), nullable=False),
        sa.Column('target_id', sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint('tenant', 'source_id', 'target_id', name='pk_energy_community__eda_process__participations'),
        sa.ForeignKeyConstraint(['tenant', 'source_id'], ['energy_community__eda_process.tenant', 'energy_community__eda_process.id'], name='fk_energy_community__eda_process__participations__source_id'),
        sa.ForeignKeyConstraint(['tenant', 'target_id'], ['energy_community__participation.tenant', 'energy_community__participation.id'], name='fk_energy_community__eda_process__participations__target_id'),
    )
    op.create_index('ix_energy_community__eda_process__participations__target_id', 'energy_community__eda_process__participations', ['tenant', 'target_id'])
    # create table energy_community__line_item
    op.create_table(
        'energy_community__line_item',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('type', sa.String(200), nullable=False),
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('created_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('created_by', sa.String(200), nullable=True),
        sa.Column('changed_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('changed_by', sa.String(200), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state', mkt.EnumKey('system/EntityState', (('active', 1), ('archived', 2)), False), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('kind', mkt.EnumKey('energy_community/LineItemKind', (('community_energy', 1), ('fed_in_energy', 2), ('membership_fee', 3), ('base_fee', 4), ('metering_point_fee', 5), ('discount', 6), ('free_energy', 7), ('other', 8)), False), nullable=False),
        sa.Column('text', sa.String(300), nullable=False),
        sa.Column('quantity', mkt.ExactDecimal(18, 6), nullable=False),
        sa.Column('unit', sa.String(20), nullable=False),
        sa.Column('unit_price', mkt.ExactDecimal(12, 6), nullable=False),
        sa.Column('net_amount', mkt.ExactDecimal(14, 2), nullable=False),
        sa.Column('vat_rate', mkt.ExactDecimal(7, 4), nullable=False),
        sa.Column('vat_amount', mkt.ExactDecimal(14, 2), nullable=False),
        sa.Column('gross_amount', mkt.ExactDecimal(14, 2), nullable=False),
        sa.Column('meter_code', sa.Text(), nullable=True),
        sa.Column('period_start', sa.Date(), nullable=True),
        sa.Column('period_end', sa.Date(), nullable=True),
        sa.Column('quality', mkt.json_type(), nullable=True),
        sa.Column('document_id', sa.String(36), nullable=False),
        sa.Column('metering_point_id', sa.String(36), nullable=True),
        sa.Column('tariff_id', sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint('tenant', 'id', name='pk_energy_community__line_item'),
        sa.ForeignKeyConstraint(['tenant', 'document_id'], ['energy_community__billing_document.tenant', 'energy_community__billing_document.id'], name='fk_energy_community__line_item__document_id'),
        sa.ForeignKeyConstraint(['tenant', 'metering_point_id'], ['energy_community__metering_point.tenant', 'energy_community__metering_point.id'], name='fk_energy_community__line_item__metering_point_id'),
        sa.ForeignKeyConstraint(['tenant', 'tariff_id'], ['energy_community__tariff.tenant', 'energy_community__tariff.id'], name='fk_energy_community__line_item__tariff_id'),
    )
    op.create_index('ix_energy_community__line_item__document_id', 'energy_community__line_item', ['tenant', 'document_id'])
    op.create_index('ix_energy_community__line_item__metering_point_id', 'energy_community__line_item', ['tenant', 'metering_point_id'])
    op.create_index('ix_energy_community__line_item__tariff_id', 'energy_community__line_item', ['tenant', 'tariff_id'])
    op.create_index('uq_energy_community__line_item__uq_lineitem_document_position', 'energy_community__line_item', ['tenant', 'document_id', 'position'], unique=True)
    # create table energy_community__payment
    op.create_table(
        'energy_community__payment',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('type', sa.String(200), nullable=False),
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('created_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('created_by', sa.String(200), nullable=True),
        sa.Column('changed_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('changed_by', sa.String(200), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state', mkt.EnumKey('system/EntityState', (('active', 1), ('archived', 2)), False), nullable=False),
        sa.Column('amount', mkt.ExactDecimal(14, 2), nullable=False),
        sa.Column('currency', sa.Text(), nullable=False),
        sa.Column('value_date', sa.Date(), nullable=True),
        sa.Column('method', mkt.EnumKey('energy_community/PaymentMethod', (('sepa_direct_debit', 1), ('sepa_credit_transfer', 2), ('other', 3)), False), nullable=False),
        sa.Column('direction', mkt.EnumKey('energy_community/PaymentDirection', (('incoming', 1), ('outgoing', 2)), False), nullable=False),
        sa.Column('payment_state', mkt.EnumKey('energy_community/PaymentState', (('planned', 1), ('submitted', 2), ('booked', 3), ('returned', 4), ('failed', 5), ('cancelled', 6)), False), nullable=False),
        sa.Column('end_to_end_id', sa.String(35), nullable=True),
        sa.Column('remittance_info', sa.String(140), nullable=True),
        sa.Column('return_reason', sa.Text(), nullable=True),
        sa.Column('counterparty_account', mkt.json_type(), nullable=True),
        sa.Column('community_id', sa.String(36), nullable=False),
        sa.Column('participant_id', sa.String(36), nullable=True),
        sa.Column('sepa_file_id', sa.String(36), nullable=True),
        sa.PrimaryKeyConstraint('tenant', 'id', name='pk_energy_community__payment'),
        sa.ForeignKeyConstraint(['tenant', 'community_id'], ['energy_community__energy_community.tenant', 'energy_community__energy_community.id'], name='fk_energy_community__payment__community_id'),
        sa.ForeignKeyConstraint(['tenant', 'participant_id'], ['energy_community__participant.tenant', 'energy_community__participant.id'], name='fk_energy_community__payment__participant_id'),
        sa.ForeignKeyConstraint(['tenant', 'sepa_file_id'], ['energy_community__document.tenant', 'energy_community__document.id'], name='fk_energy_community__payment__sepa_file_id'),
    )
    op.create_index('ix_energy_community__payment__community_id', 'energy_community__payment', ['tenant', 'community_id'])
    op.create_index('ix_energy_community__payment__ix_payment_community_end_f65ba1b6', 'energy_community__payment', ['tenant', 'community_id', 'end_to_end_id'])
    op.create_index('ix_energy_community__payment__ix_payment_community_value_date', 'energy_community__payment', ['tenant', 'community_id', 'value_date'])
    op.create_index('ix_energy_community__payment__participant_id', 'energy_community__payment', ['tenant', 'participant_id'])
    op.create_index('ix_energy_community__payment__sepa_file_id', 'energy_community__payment', ['tenant', 'sepa_file_id'])
    # create table energy_community__payment__documents
    op.create_table(
        'energy_community__payment__documents',
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('source_id', sa.String(36), nullable=False),
        sa.Column('target_id', sa.String(36), nullable=False),
        sa.Column('amount', mkt.ExactDecimal(14, 2), nullable=False),
        sa.PrimaryKeyConstraint('tenant', 'source_id', 'target_id', name='pk_energy_community__payment__documents'),
        sa.ForeignKeyConstraint(['tenant', 'source_id'], ['energy_community__payment.tenant', 'energy_community__payment.id'], name='fk_energy_community__payment__documents__source_id'),
        sa.ForeignKeyConstraint(['tenant', 'target_id'], ['energy_community__billing_document.tenant', 'energy_community__billing_document.id'], name='fk_energy_community__payment__documents__target_id'),
    )
    op.create_index('ix_energy_community__payment__documents__target_id', 'energy_community__payment__documents', ['tenant', 'target_id'])
    mk.record_model(__file__, revision)


def downgrade() -> None:
    # drop table energy_community__payment__documents (energy_community/Payment.documents)
    mk.check_loss_table('energy_community__payment__documents', 'energy_community/Payment.documents', allowed=False)
    op.drop_table('energy_community__payment__documents')
    # drop table energy_community__payment (energy_community/Payment)
    mk.check_loss_table('energy_community__payment', 'energy_community/Payment', allowed=False)
    op.drop_table('energy_community__payment')
    # drop table energy_community__line_item (energy_community/LineItem)
    mk.check_loss_table('energy_community__line_item', 'energy_community/LineItem', allowed=False)
    op.drop_table('energy_community__line_item')
    # drop table energy_community__eda_process__participations (energy_community/EdaProcess.participations)
    mk.check_loss_table('energy_community__eda_process__participations', 'energy_community/EdaProcess.participations', allowed=False)
    op.drop_table('energy_community__eda_process__participations')
    # drop table energy_community__document (energy_community/Document)
    mk.check_loss_table('energy_community__document', 'energy_community/Document', allowed=False)
    op.drop_table('energy_community__document')
    # drop table energy_community__participation (energy_community/Participation)
    mk.check_loss_table('energy_community__participation', 'energy_community/Participation', allowed=False)
    op.drop_table('energy_community__participation')
    # drop table energy_community__billing_document (energy_community/BillingDocument)
    mk.check_loss_table('energy_community__billing_document', 'energy_community/BillingDocument', allowed=False)
    op.drop_table('energy_community__billing_document')
    # drop table energy_community__participant (energy_community/Participant)
    mk.check_loss_table('energy_community__participant', 'energy_community/Participant', allowed=False)
    op.drop_table('energy_community__participant')
    # drop table energy_community__eda_process__metering_points (energy_community/EdaProcess.metering_points)
    mk.check_loss_table('energy_community__eda_process__metering_points', 'energy_community/EdaProcess.metering_points', allowed=False)
    op.drop_table('energy_community__eda_process__metering_points')
    # drop table energy_community__eda_message (energy_community/EdaMessage)
    mk.check_loss_table('energy_community__eda_message', 'energy_community/EdaMessage', allowed=False)
    op.drop_table('energy_community__eda_message')
    # drop table energy_community__tariff (energy_community/Tariff)
    mk.check_loss_table('energy_community__tariff', 'energy_community/Tariff', allowed=False)
    op.drop_table('energy_community__tariff')
    # drop table energy_community__generation_unit (energy_community/GenerationUnit)
    mk.check_loss_table('energy_community__generation_unit', 'energy_community/GenerationUnit', allowed=False)
    op.drop_table('energy_community__generation_unit')
    # drop table energy_community__eda_process (energy_community/EdaProcess)
    mk.check_loss_table('energy_community__eda_process', 'energy_community/EdaProcess', allowed=False)
    op.drop_table('energy_community__eda_process')
    # drop table energy_community__billing_run (energy_community/BillingRun)
    mk.check_loss_table('energy_community__billing_run', 'energy_community/BillingRun', allowed=False)
    op.drop_table('energy_community__billing_run')
    # drop table system__tenant (system/Tenant)
    mk.check_loss_table('system__tenant', 'system/Tenant', allowed=False)
    op.drop_table('system__tenant')
    # drop table meshkit_series_value (meshkit_series_value)
    mk.check_loss_table('meshkit_series_value', 'meshkit_series_value', allowed=False)
    op.drop_table('meshkit_series_value')
    # drop table meshkit_series_history (meshkit_series_history)
    mk.check_loss_table('meshkit_series_history', 'meshkit_series_history', allowed=False)
    op.drop_table('meshkit_series_history')
    # drop table meshkit_outbox (meshkit_outbox)
    mk.check_loss_table('meshkit_outbox', 'meshkit_outbox', allowed=False)
    op.drop_table('meshkit_outbox')
    # drop table meshkit_consumer (meshkit_consumer)
    mk.check_loss_table('meshkit_consumer', 'meshkit_consumer', allowed=False)
    op.drop_table('meshkit_consumer')
    # drop table meshkit_audit (meshkit_audit)
    mk.check_loss_table('meshkit_audit', 'meshkit_audit', allowed=False)
    op.drop_table('meshkit_audit')
    # drop table energy_community__metering_point (energy_community/MeteringPoint)
    mk.check_loss_table('energy_community__metering_point', 'energy_community/MeteringPoint', allowed=False)
    op.drop_table('energy_community__metering_point')
    # drop table energy_community__energy_community (energy_community/EnergyCommunity)
    mk.check_loss_table('energy_community__energy_community', 'energy_community/EnergyCommunity', allowed=False)
    op.drop_table('energy_community__energy_community')
    mk.record_model(__file__, down_revision)
