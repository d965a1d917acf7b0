"""The processing tables beside the model's EdaMessage/EdaProcess entities.

- raw payloads live in the runtime's content store (`meshkit.runtime.content`); the
  EdaMessage's binary `payload` attribute holds `content:<id>`.
- `meshkit_eda_work`: per message, what the processing machinery needs and the model has no
  attribute for: the queue state, the processing counter (exactly-once proof), duplicates seen,
  send attempts and the next attempt (backoff).
- `meshkit_eda_phase`: per process, the fine-grained state-machine phase (requested, answered,
  consented, ...), the overdue flag and the stamps the model declares `computed`.

Every table leads with the tenant, like the runtime's tables. Deployments get them from
`meshkit db upgrade` (revision fa470d7c6960); `create_processing_tables` is for tests and the
demo. Defaults are given client-side (`default=`) as well as in the database, so a revision
rendered by the planner (which writes no server defaults) works too.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from meshkit.runtime.content import create_content_tables
from meshkit.runtime.storage.security import secure_tables
from meshkit.runtime.storage.tables import TENANT_LENGTH
from meshkit.runtime.storage.types import UtcDateTime

metadata = sa.MetaData()

work = sa.Table(
    "meshkit_eda_work",
    metadata,
    sa.Column("tenant", sa.String(TENANT_LENGTH), nullable=False),
    sa.Column("message", sa.String(36), nullable=False),  # EdaMessage id
    sa.Column("direction", sa.String(8), nullable=False),  # inbound | outbound
    sa.Column("sender", sa.String(64), nullable=False),  # "" when unreadable
    sa.Column("message_id", sa.String(64), nullable=False),
    # inbound: pending | done | quarantined; outbound: queued | handed_over | failed
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("content", sa.String(40), nullable=False),  # current payload version
    sa.Column("original_content", sa.String(40), nullable=False),
    sa.Column("received_at", UtcDateTime(), nullable=False),
    sa.Column("seq", sa.BigInteger(), nullable=False),  # storage order (ns clock, monotonic)
    sa.Column("processed_count", sa.Integer(), nullable=False, default=0, server_default="0"),
    sa.Column("processed_at", UtcDateTime()),
    sa.Column("duplicates", sa.Integer(), nullable=False, default=0, server_default="0"),
    sa.Column("last_duplicate_at", UtcDateTime()),
    sa.Column("attempts", sa.Integer(), nullable=False, default=0, server_default="0"),
    sa.Column("next_attempt_at", UtcDateTime()),
    sa.Column("last_error", sa.Text()),
    sa.PrimaryKeyConstraint("tenant", "message", name="pk_meshkit_eda_work"),
    sa.UniqueConstraint(
        "tenant", "direction", "sender", "message_id", name="uq_meshkit_eda_work_message_id"
    ),
    sa.Index("ix_meshkit_eda_work_queue", "tenant", "state", "seq"),
)

phase = sa.Table(
    "meshkit_eda_phase",
    metadata,
    sa.Column("tenant", sa.String(TENANT_LENGTH), nullable=False),
    sa.Column("process", sa.String(36), nullable=False),  # EdaProcess id
    sa.Column("process_code", sa.String(32), nullable=False),
    sa.Column("phase", sa.String(16), nullable=False),
    sa.Column("overdue", sa.Boolean(), nullable=False, default=False, server_default=sa.false()),
    sa.Column("deadline", UtcDateTime()),
    sa.Column("last_response_code", sa.Integer()),
    sa.Column("started_at", UtcDateTime(), nullable=False),
    sa.Column("completed_at", UtcDateTime()),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint("tenant", "process", name="pk_meshkit_eda_phase"),
    sa.Index("ix_meshkit_eda_phase_deadline", "tenant", "overdue", "deadline"),
)


_last_seq = 0


def next_seq() -> int:
    """A storage-order number: the nanosecond clock, strictly increasing within a process."""
    global _last_seq
    _last_seq = max(time.time_ns(), _last_seq + 1)
    return _last_seq


def create_processing_tables(engine: Engine) -> None:
    """Create the processing tables and the runtime's content table where missing, with the
    tenant policy on PostgreSQL (idempotent). For tests and the demo: a deployment gets them
    from `meshkit db upgrade`."""
    create_content_tables(engine)
    with engine.begin() as connection:
        metadata.create_all(connection)
        secure_tables(connection, metadata.tables.values())


def add_processing_tables(target: sa.MetaData) -> sa.MetaData:
    """Add copies of the processing tables to `target`, e.g. the metadata the migration planner
    compares with the database, so `meshkit db revision` can write them into a revision."""
    for table in (work, phase):
        if table.name not in target.tables:
            table.to_metadata(target)
    return target
