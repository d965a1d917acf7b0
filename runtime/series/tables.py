"""The two series tables and their monthly partitions (PostgreSQL).

- `meshkit_series_value`: the current value of every (tenant, series, key, code, start);
- `meshkit_series_history`: the values it replaced, each with its source and revision.

On PostgreSQL both are range-partitioned by `start`, one partition per UTC month, created on
demand by the loader (`ensure_partitions`); on SQLite they are plain WITHOUT ROWID tables
clustered on the primary key. The same SQLAlchemy metadata serves both databases, so a
migration can create the parents with `series_metadata()`; partitions are never migrated.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from meshkit.runtime.database import is_postgresql
from meshkit.runtime.series.schema import (
    CODE_LENGTH,
    KEY_LENGTH,
    QUALITY_LENGTH,
    SOURCE_LENGTH,
    VALUE_PRECISION,
    VALUE_SCALE,
)
from meshkit.runtime.storage.security import enable_row_level_security, secure_tables
from meshkit.runtime.storage.tables import TENANT_LENGTH
from meshkit.runtime.storage.types import ExactDecimal, UtcDateTime

VALUE_TABLE = "meshkit_series_value"
HISTORY_TABLE = "meshkit_series_history"
SERIES_LENGTH = 200  # "<model>/<Class>.<series>"

#: Serialises partition DDL between loaders (pg_advisory_xact_lock(hashtext(...))).
_PARTITION_LOCK = "meshkit_series_partitions"


def _identity_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("tenant", sa.String(TENANT_LENGTH), nullable=False),
        sa.Column("series", sa.String(SERIES_LENGTH), nullable=False),
        sa.Column("key", sa.String(KEY_LENGTH), nullable=False),
        sa.Column("code", sa.String(CODE_LENGTH), nullable=False),
        sa.Column("start", UtcDateTime(), nullable=False),
    ]


def _value_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("value", ExactDecimal(VALUE_PRECISION, VALUE_SCALE), nullable=False),
        sa.Column("quality", sa.String(QUALITY_LENGTH)),
        sa.Column("source", sa.String(SOURCE_LENGTH), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
    ]


def series_metadata(metadata: sa.MetaData | None = None) -> sa.MetaData:
    """The series tables, added to `metadata` (a new MetaData by default)."""
    metadata = metadata if metadata is not None else sa.MetaData()
    sa.Table(
        VALUE_TABLE,
        metadata,
        *_identity_columns(),
        *_value_columns(),
        sa.PrimaryKeyConstraint(
            "tenant", "series", "key", "code", "start", name=f"pk_{VALUE_TABLE}"
        ),
        postgresql_partition_by="RANGE (start)",
        sqlite_with_rowid=False,
    )
    sa.Table(
        HISTORY_TABLE,
        metadata,
        *_identity_columns(),
        *_value_columns(),
        sa.Column("superseded_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant", "series", "key", "code", "start", "revision", name=f"pk_{HISTORY_TABLE}"
        ),
        postgresql_partition_by="RANGE (start)",
        sqlite_with_rowid=False,
    )
    return metadata


def create_series_tables(engine: Engine) -> None:
    """Create the series tables if they are missing (partitions come with the data), with the
    tenant policy on PostgreSQL (storage/security.py)."""
    metadata = series_metadata()
    with engine.begin() as connection:
        metadata.create_all(connection)
        secure_tables(connection, metadata.tables.values())


def month_of(instant: datetime) -> date:
    utc = instant.astimezone(UTC)
    return date(utc.year, utc.month, 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def partition_name(parent: str, month: date) -> str:
    """`meshkit_series_value_y2026m03`: the partition holding March 2026 (UTC)."""
    return f"{parent}_y{month.year:04d}m{month.month:02d}"


def existing_partitions(connection: sa.Connection, parent: str = VALUE_TABLE) -> list[str]:
    """Names of the partitions of `parent` (PostgreSQL; [] on SQLite), sorted."""
    if not is_postgresql(connection):
        return []
    rows = connection.execute(
        sa.text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = CAST(:parent AS regclass) ORDER BY c.relname"
        ),
        {"parent": parent},
    )
    return [str(name) for (name,) in rows]


def ensure_partitions(engine: Engine, months: Iterable[date]) -> list[str]:
    """Create the monthly partitions of both tables that `months` need; returns those created.

    Runs in its own short transaction: CREATE TABLE ... PARTITION OF locks the parent, which must
    not be held for the length of a load. A partition left empty by a failed load is harmless.
    Each new partition gets the tenant policy too (queries through the parent use the parent's;
    this covers direct access to a partition).
    """
    wanted = sorted(set(months))
    if not wanted or not is_postgresql(engine):
        return []
    created: list[str] = []
    with engine.begin() as connection:
        connection.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtext(:lock))"), {"lock": _PARTITION_LOCK}
        )
        for parent in (VALUE_TABLE, HISTORY_TABLE):
            have = set(existing_partitions(connection, parent))
            for month in wanted:
                name = partition_name(parent, month)
                if name in have:
                    continue
                low, high = month.isoformat(), next_month(month).isoformat()
                # Names and bounds are generated from dates here, never from input text.
                connection.exec_driver_sql(
                    f'CREATE TABLE "{name}" PARTITION OF "{parent}" '
                    f"FOR VALUES FROM ('{low} 00:00:00+00') TO ('{high} 00:00:00+00')"
                )
                created.append(name)
        if created:
            enable_row_level_security(connection, created)
    return created
