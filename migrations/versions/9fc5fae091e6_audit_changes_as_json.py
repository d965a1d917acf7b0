"""audit changes as json: the audit trail's before/after stored as JSON text on PostgreSQL

Revision ID: 9fc5fae091e6
Revises: 9b3e5d1c7a42
Model: energy_community 1.3.0 -> 1.3.0
Migration file: none

Written by hand (the model does not change, so `meshkit db revision` has nothing to write):
`meshkit_audit.changes` becomes `json` instead of `jsonb` on PostgreSQL, as `Storage` now
declares it. Audit rows are written with every change and read only per entity, and parsing
them into JSONB was about a third of the audit rows' database cost in a bulk insert
(docs/architecture.md, "Performance"). Nothing reads the column with JSONB operators. SQLite
keeps JSON text as before.
The ALTER rewrites the table under an exclusive lock: on a large audit trail, plan the upgrade
for a quiet moment. The model snapshot 9fc5fae091e6.model.json is the same as 9b3e5d1c7a42's.
"""

from alembic import op

from meshkit.runtime.migrations import ops as mk

revision = '9fc5fae091e6'
down_revision = '9b3e5d1c7a42'
branch_labels = None
depends_on = None
meshkit_model = 'energy_community'
meshkit_version = '1.3.0'


def upgrade() -> None:
    _retype("json")
    mk.record_model(__file__, revision)


def downgrade() -> None:
    _retype("jsonb")
    mk.record_model(__file__, down_revision)


def _retype(type_name: str) -> None:
    """`changes` as `type_name` on PostgreSQL (every JSON text converts both ways)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"ALTER TABLE meshkit_audit ALTER COLUMN changes TYPE {type_name} "
            f"USING changes::text::{type_name}"
        )
