"""billing runs: information statements, document number ranges

Revision ID: 5e5bcfa3749b
Revises: 4479780ccabb
Model: energy_community 1.1.0 -> 1.2.0
Migration file: none

Written by `meshkit db revision`; review it before `meshkit db upgrade`. The model this revision
applies is in 5e5bcfa3749b.model.json next to this file (the next revision diffs against it).
"""

import datetime  # noqa: F401  (literal values)
from decimal import Decimal  # noqa: F401

import sqlalchemy as sa
from alembic import op

from meshkit.runtime.migrations import ops as mk
from meshkit.runtime.storage import types as mkt

revision = '5e5bcfa3749b'
down_revision = '4479780ccabb'
branch_labels = None
depends_on = None
meshkit_model = 'energy_community'
meshkit_version = '1.2.0'


def upgrade() -> None:
    # Written by hand: the runtime's content store (binary references, e.g. billing PDFs and raw
    # EDA messages) joined the platform tables in this release. A database where the EDA store
    # already created it keeps its table.
    if not sa.inspect(op.get_bind()).has_table("meshkit_content"):
        op.create_table(
            "meshkit_content",
            sa.Column("tenant", sa.String(64), nullable=False),
            sa.Column("id", sa.String(40), nullable=False),
            sa.Column("sha256", sa.String(64), nullable=False),
            sa.Column("size", sa.Integer(), nullable=False),
            sa.Column("media_type", sa.String(100), nullable=False),
            sa.Column("payload", sa.LargeBinary(), nullable=False),
            sa.Column("created_at", mkt.UtcDateTime(), nullable=False),
            sa.Column("note", sa.Text()),
            sa.PrimaryKeyConstraint("tenant", "id", name="pk_meshkit_content"),
        )
    # create table energy_community__document_number_range
    op.create_table(
        'energy_community__document_number_range',
        sa.Column('id', sa.String(36), nullable=False),
        sa.Column('type', sa.String(200), nullable=False),
        sa.Column('tenant', sa.String(64), nullable=False),
        sa.Column('created_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('created_by', sa.String(200), nullable=True),
        sa.Column('changed_at', mkt.UtcDateTime(), nullable=True),
        sa.Column('changed_by', sa.String(200), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('state', mkt.EnumKey('system/EntityState', (('active', 1), ('archived', 2)), False), nullable=False),
        sa.Column('prefix', sa.String(10), nullable=False),
        sa.Column('fiscal_year', sa.Integer(), nullable=False),
        sa.Column('last_number', sa.Integer(), nullable=False),
        sa.Column('community_id', sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint('tenant', 'id', name='pk_energy_community__document_number_range'),
        sa.ForeignKeyConstraint(['tenant', 'community_id'], ['energy_community__energy_community.tenant', 'energy_community__energy_community.id'], name='fk_energy_community__document_number_range__community_id'),
    )
    op.create_index('ix_energy_community__document_number_range__community_id', 'energy_community__document_number_range', ['tenant', 'community_id'])
    op.create_index('uq_energy_community__document_number_range__uq_documen_e13558d4', 'energy_community__document_number_range', ['tenant', 'community_id', 'prefix', 'fiscal_year'], unique=True)
    mk.record_model(__file__, revision)


def downgrade() -> None:
    mk.check_loss_table("meshkit_content", "stored content", allowed=False)
    op.drop_table("meshkit_content")
    # enum values removed from energy_community__document.kind (energy_community/Document.kind)
    mk.check_enum_keys('energy_community__document', 'kind', [1, 2, 3, 4, 5, 6, 7, 8, 9], 'energy_community/Document.kind', allowed=False)
    # drop table energy_community__document_number_range (energy_community/DocumentNumberRange)
    mk.check_loss_table('energy_community__document_number_range', 'energy_community/DocumentNumberRange', allowed=False)
    op.drop_table('energy_community__document_number_range')
    mk.record_model(__file__, down_revision)
