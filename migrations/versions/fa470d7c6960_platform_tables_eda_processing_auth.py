"""platform tables: EDA processing (work queue, process phases) and auth (accounts, API keys)

Revision ID: fa470d7c6960
Revises: 5e5bcfa3749b
Model: energy_community 1.2.0 -> 1.2.0
Migration file: none

Written by hand (the model does not change, so `meshkit db revision` has nothing to write): the
tables that `create_processing_tables` (adapters/eda/processing/tables.py) and
`create_auth_tables` (runtime/auth/store.py) created outside migrations join the platform
tables, so `meshkit db upgrade` gives a deployment everything it needs. A database where those
functions already made a table keeps it. The model snapshot fa470d7c6960.model.json is the same
as 5e5bcfa3749b's. Row-level security follows the tables (every upgrade applies it).
"""

import sqlalchemy as sa
from alembic import op

from meshkit.runtime.migrations import ops as mk
from meshkit.runtime.storage import types as mkt

revision = 'fa470d7c6960'
down_revision = '5e5bcfa3749b'
branch_labels = None
depends_on = None
meshkit_model = 'energy_community'
meshkit_version = '1.2.0'

# (table, what its rows are) in creation order; dropped in reverse.
TABLES = (
    ("meshkit_eda_work", "EDA message processing state"),
    ("meshkit_eda_phase", "EDA process phases"),
    ("auth_account", "local accounts"),
    ("auth_api_key", "API keys"),
)


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "meshkit_eda_work" not in existing:
        op.create_table(
            "meshkit_eda_work",
            sa.Column("tenant", sa.String(64), nullable=False),
            sa.Column("message", sa.String(36), nullable=False),
            sa.Column("direction", sa.String(8), nullable=False),
            sa.Column("sender", sa.String(64), nullable=False),
            sa.Column("message_id", sa.String(64), nullable=False),
            sa.Column("state", sa.String(16), nullable=False),
            sa.Column("content", sa.String(40), nullable=False),
            sa.Column("original_content", sa.String(40), nullable=False),
            sa.Column("received_at", mkt.UtcDateTime(), nullable=False),
            sa.Column("seq", sa.BigInteger(), nullable=False),
            sa.Column("processed_count", sa.Integer(), nullable=False, server_default="0"),
            sa.Column("processed_at", mkt.UtcDateTime()),
            sa.Column("duplicates", sa.Integer(), nullable=False, server_default="0"),
            sa.Column("last_duplicate_at", mkt.UtcDateTime()),
            sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
            sa.Column("next_attempt_at", mkt.UtcDateTime()),
            sa.Column("last_error", sa.Text()),
            sa.PrimaryKeyConstraint("tenant", "message", name="pk_meshkit_eda_work"),
            sa.UniqueConstraint(
                "tenant", "direction", "sender", "message_id",
                name="uq_meshkit_eda_work_message_id",
            ),
        )
        op.create_index(
            "ix_meshkit_eda_work_queue", "meshkit_eda_work", ["tenant", "state", "seq"]
        )
    if "meshkit_eda_phase" not in existing:
        op.create_table(
            "meshkit_eda_phase",
            sa.Column("tenant", sa.String(64), nullable=False),
            sa.Column("process", sa.String(36), nullable=False),
            sa.Column("process_code", sa.String(32), nullable=False),
            sa.Column("phase", sa.String(16), nullable=False),
            sa.Column("overdue", sa.Boolean(), nullable=False, server_default=sa.false()),
            sa.Column("deadline", mkt.UtcDateTime()),
            sa.Column("last_response_code", sa.Integer()),
            sa.Column("started_at", mkt.UtcDateTime(), nullable=False),
            sa.Column("completed_at", mkt.UtcDateTime()),
            sa.Column("updated_at", mkt.UtcDateTime(), nullable=False),
            sa.PrimaryKeyConstraint("tenant", "process", name="pk_meshkit_eda_phase"),
        )
        op.create_index(
            "ix_meshkit_eda_phase_deadline",
            "meshkit_eda_phase",
            ["tenant", "overdue", "deadline"],
        )
    if "auth_account" not in existing:
        op.create_table(
            "auth_account",
            sa.Column("tenant", sa.String(64), nullable=False),
            sa.Column("id", sa.String(36), nullable=False),
            sa.Column("username", sa.String(150), nullable=False),
            sa.Column("email", sa.String(254), nullable=True),
            sa.Column("password_hash", sa.String(255), nullable=False),
            sa.Column("roles", sa.JSON(), nullable=False),
            sa.Column("participant_id", sa.String(36), nullable=True),
            sa.Column("disabled", sa.Boolean(), nullable=False),
            sa.Column("failed_logins", sa.Integer(), nullable=False),
            sa.Column("locked_until", mkt.UtcDateTime(), nullable=True),
            sa.Column("last_login_at", mkt.UtcDateTime(), nullable=True),
            sa.Column("password_changed_at", mkt.UtcDateTime(), nullable=False),
            sa.Column("created_at", mkt.UtcDateTime(), nullable=False),
            sa.PrimaryKeyConstraint("tenant", "id"),
            sa.UniqueConstraint("tenant", "username", name="uq_auth_account__username"),
            sa.UniqueConstraint("tenant", "email", name="uq_auth_account__email"),
        )
    if "auth_api_key" not in existing:
        op.create_table(
            "auth_api_key",
            sa.Column("tenant", sa.String(64), nullable=False),
            sa.Column("id", sa.String(36), nullable=False),
            sa.Column("prefix", sa.String(16), nullable=False, unique=True),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("salt", sa.String(64), nullable=False),
            sa.Column("secret_hash", sa.String(128), nullable=False),
            sa.Column("roles", sa.JSON(), nullable=False),
            sa.Column("scopes", sa.JSON(), nullable=False),
            sa.Column("participant_id", sa.String(36), nullable=True),
            sa.Column("created_at", mkt.UtcDateTime(), nullable=False),
            sa.Column("created_by", sa.String(200), nullable=True),
            sa.Column("expires_at", mkt.UtcDateTime(), nullable=True),
            sa.Column("revoked_at", mkt.UtcDateTime(), nullable=True),
            sa.Column("last_used_at", mkt.UtcDateTime(), nullable=True),
            sa.PrimaryKeyConstraint("tenant", "id"),
        )
    mk.record_model(__file__, revision)


def downgrade() -> None:
    # Refused (naming the table and its row count) while any of them holds rows, unless
    # `--allow-data-loss`: messages' processing state and credentials are not recreated.
    for table, element in TABLES:
        mk.check_loss_table(table, element, allowed=False)
    for table, _element in reversed(TABLES):
        op.drop_table(table)
    mk.record_model(__file__, down_revision)
