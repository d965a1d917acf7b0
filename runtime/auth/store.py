"""The auth tables: local accounts, API keys and sign-in sessions, as small SQLAlchemy Core
tables of their own.

They are not model classes: credentials never travel through the GraphQL API, the audit trail or
events. Every row carries its tenant. `meshkit db upgrade` creates them (revisions fa470d7c6960
and, for `auth_session`, 9b3e5d1c7a42);
`create_auth_tables(engine)` creates what is missing outside migrations (tests, and `meshkit
serve` on a database upgraded before the migrations owned them).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from meshkit.runtime.storage.security import secure_tables
from meshkit.runtime.storage.types import UtcDateTime

metadata = sa.MetaData()

auth_account = sa.Table(
    "auth_account",
    metadata,
    sa.Column("tenant", sa.String(64), primary_key=True),
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("username", sa.String(150), nullable=False),  # case-folded
    sa.Column("email", sa.String(254), nullable=True),  # case-folded
    sa.Column("password_hash", sa.String(255), nullable=False),  # argon2id, PHC string
    sa.Column("roles", sa.JSON, nullable=False),
    sa.Column("participant_id", sa.String(36), nullable=True),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("failed_logins", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", UtcDateTime, nullable=True),
    sa.Column("last_login_at", UtcDateTime, nullable=True),
    sa.Column("password_changed_at", UtcDateTime, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("tenant", "username", name="uq_auth_account__username"),
    sa.UniqueConstraint("tenant", "email", name="uq_auth_account__email"),
)

auth_api_key = sa.Table(
    "auth_api_key",
    metadata,
    sa.Column("tenant", sa.String(64), primary_key=True),
    sa.Column("id", sa.String(36), primary_key=True),
    # Looked up before the tenant is known, so unique across tenants.
    sa.Column("prefix", sa.String(16), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("salt", sa.String(64), nullable=False),  # hex
    sa.Column("secret_hash", sa.String(128), nullable=False),  # hex HMAC-SHA256
    sa.Column("roles", sa.JSON, nullable=False),
    sa.Column("scopes", sa.JSON, nullable=False),
    sa.Column("participant_id", sa.String(36), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=True),
    sa.Column("expires_at", UtcDateTime, nullable=True),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
    sa.Column("last_used_at", UtcDateTime, nullable=True),
)

# One row per sign-in (password or OIDC): every server process reads it, so a session ended
# here (sign-out, "sign out everywhere", a disabled account) is refused by all of them at once.
auth_session = sa.Table(
    "auth_session",
    metadata,
    sa.Column("tenant", sa.String(64), primary_key=True),
    # Public (it appears in session tokens as `sid`); looked up before the tenant is known.
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("secret_hash", sa.String(64), nullable=False),  # hex SHA-256 of the cookie secret
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("account_id", sa.String(36), nullable=True),  # a local account's sign-in
    sa.Column("method", sa.String(16), nullable=False),  # password | oidc
    sa.Column("roles", sa.JSON, nullable=False),
    sa.Column("participant_id", sa.String(36), nullable=True),
    sa.Column("attributes", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("last_seen_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),  # the absolute end
    sa.Column("ended_at", UtcDateTime, nullable=True),
    sa.Column("end_reason", sa.String(32), nullable=True),
    sa.UniqueConstraint("id", name="uq_auth_session__id"),
    sa.Index("ix_auth_session__subject", "tenant", "subject"),
)


def create_auth_tables(engine: Engine) -> None:
    """Create `auth_account`, `auth_api_key` and `auth_session` where they do not exist yet,
    with the tenant policy on PostgreSQL (storage/security.py); idempotent."""
    with engine.begin() as connection:
        metadata.create_all(connection)
        secure_tables(connection, metadata.tables.values())
