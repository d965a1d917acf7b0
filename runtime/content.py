"""Stored content for binary-reference attributes (the CK's `binary` type).

A `binary` attribute holds a reference, `content:<id>`, never the bytes; the bytes live in
`meshkit_content`, one row per stored version, written in the caller's transaction so a record
and its bytes commit together (no orphan file after a crash). Used by the EDA message store
(raw payloads) and billing (PDF documents); object storage can later sit behind the same
reference.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from meshkit.runtime.repository import UnitOfWork
from meshkit.runtime.storage.security import secure_tables
from meshkit.runtime.storage.tables import TENANT_LENGTH
from meshkit.runtime.storage.types import UtcDateTime

CONTENT_PREFIX = "content:"

metadata = sa.MetaData()


def add_content_table(metadata: sa.MetaData) -> sa.Table:
    """Define `meshkit_content` on `metadata` (migrations add it to a deployment's tables)."""
    return sa.Table(
        "meshkit_content",
        metadata,
        sa.Column("tenant", sa.String(TENANT_LENGTH), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("note", sa.Text()),
        sa.PrimaryKeyConstraint("tenant", "id", name="pk_meshkit_content"),
    )


content = add_content_table(metadata)


def create_content_tables(engine: Engine) -> None:
    """Create `meshkit_content` where missing, with the tenant policy on PostgreSQL
    (storage/security.py); idempotent."""
    with engine.begin() as connection:
        metadata.create_all(connection)
        secure_tables(connection, metadata.tables.values())


def keep_content(
    uow: UnitOfWork, payload: bytes, now: datetime, media_type: str, note: str | None = None
) -> str:
    """Store `payload` in the unit of work's transaction; its content id (not the reference)."""
    content_id = uuid.uuid4().hex
    uow.connection.execute(
        content.insert().values(
            tenant=uow.tenant,
            id=content_id,
            sha256=hashlib.sha256(payload).hexdigest(),
            size=len(payload),
            media_type=media_type,
            payload=payload,
            created_at=now,
            note=note,
        )
    )
    return content_id


def read_content(connection: sa.Connection, tenant: str, content_id: str) -> bytes:
    """The bytes of a stored content id of `tenant` (KeyError-like NoResultFound if absent)."""
    payload = connection.execute(
        sa.select(content.c.payload).where(content.c.tenant == tenant, content.c.id == content_id)
    ).scalar_one()
    return bytes(payload)
