"""auth sessions: sign-ins shared by every server process

Revision ID: 9b3e5d1c7a42
Revises: 7363e132aab2
Model: energy_community 1.3.0 -> 1.3.0
Migration file: none

Written by hand (the model does not change, so `meshkit db revision` has nothing to write), in
the style of fa470d7c6960: `auth_session` (runtime/auth/store.py) holds one row per sign-in, so
a sign-out, "sign out everywhere" or a disabled account is refused by every server process at
once (docs/security.md, "Browser sessions"). A database where `create_auth_tables` already made
the table keeps it. The model snapshot 9b3e5d1c7a42.model.json is the same as 7363e132aab2's.
Row-level security follows the table (every upgrade applies it).
"""

import sqlalchemy as sa
from alembic import op

from meshkit.runtime.migrations import ops as mk
from meshkit.runtime.storage import types as mkt

revision = '9b3e5d1c7a42'
down_revision = '7363e132aab2'
branch_labels = None
depends_on = None
meshkit_model = 'energy_community'
meshkit_version = '1.3.0'


def upgrade() -> None:
    if "auth_session" not in set(sa.inspect(op.get_bind()).get_table_names()):
        op.create_table(
            "auth_session",
            sa.Column("tenant", sa.String(64), nullable=False),
            sa.Column("id", sa.String(32), nullable=False),
            sa.Column("secret_hash", sa.String(64), nullable=False),
            sa.Column("subject", sa.String(200), nullable=False),
            sa.Column("account_id", sa.String(36), nullable=True),
            sa.Column("method", sa.String(16), nullable=False),
            sa.Column("roles", sa.JSON(), nullable=False),
            sa.Column("participant_id", sa.String(36), nullable=True),
            sa.Column("attributes", sa.JSON(), nullable=False),
            sa.Column("created_at", mkt.UtcDateTime(), nullable=False),
            sa.Column("last_seen_at", mkt.UtcDateTime(), nullable=False),
            sa.Column("expires_at", mkt.UtcDateTime(), nullable=False),
            sa.Column("ended_at", mkt.UtcDateTime(), nullable=True),
            sa.Column("end_reason", sa.String(32), nullable=True),
            sa.PrimaryKeyConstraint("tenant", "id"),
            sa.UniqueConstraint("id", name="uq_auth_session__id"),
        )
        op.create_index("ix_auth_session__subject", "auth_session", ["tenant", "subject"])
    mk.record_model(__file__, revision)


def downgrade() -> None:
    # No data-loss guard: dropping the sessions signs everyone out, nothing else is lost.
    op.drop_table("auth_session")
    mk.record_model(__file__, down_revision)
