"""Storage helpers of the billing behaviours: gapless document numbers and file contents.

Numbers: one `DocumentNumberRange` row per community, prefix and year. A number is taken with
`UPDATE … SET last_number = last_number + 1 … RETURNING last_number` in the transaction that
finalises the document: on PostgreSQL the row stays locked until that transaction ends (a second
run waits, then continues from the committed value); on SQLite the database's write lock
serialises writers. A rolled-back finalisation gives its number back, so numbers are gapless.

Contents: the bytes of generated files (PDFs, SEPA files) go to the content table of the EDA
message store (`meshkit_eda_content`, see adapters/eda/processing); the Document entity's binary
`content` holds the reference `eda-content:<id>`.
"""

from __future__ import annotations

import contextlib
import hashlib
from datetime import UTC, datetime

import sqlalchemy as sa

from meshkit.runtime import RepositoryError, UnitOfWork
from meshkit.runtime.content import CONTENT_PREFIX, keep_content, read_content

NUMBER_RANGE = "energy_community/DocumentNumberRange"
COMMUNITY = "energy_community/EnergyCommunity"


def lock_community(uow: UnitOfWork, community_id: str) -> None:
    """Hold the community's row until `uow`'s transaction ends, so that final runs of one
    community are serialised: a second run waits here and then sees the first one's result.

    PostgreSQL: `SELECT … FOR UPDATE` on the row. SQLite: a no-op `UPDATE` of the row takes the
    database's write lock (a second writer waits for `busy_timeout`, then fails — it never
    bills twice).
    """
    table = uow.repository.storage.of(COMMUNITY).table
    where = (table.c.id == community_id, table.c.tenant == uow.tenant)
    statement: sa.Executable
    if uow.connection.dialect.name == "postgresql":
        statement = sa.select(table.c.id).where(*where).with_for_update()
    else:
        statement = table.update().where(*where).values({table.c.id.name: table.c.id})
    uow.connection.execute(statement)


def number_text(prefix: str, year: int, number: int) -> str:
    """`R-2026-000007`; without a prefix `2026-000007`."""
    return f"{prefix}-{year}-{number:06d}" if prefix else f"{year}-{number:06d}"


def take_number(uow: UnitOfWork, community_id: str, prefix: str, year: int) -> int:
    """The next number of the range (community, prefix, year), taken in `uow`'s transaction."""
    storage = uow.repository.storage.of(NUMBER_RANGE)
    table = storage.table
    last = storage.columns["last_number"]
    community = table.c[storage.to_one["community"].column]
    bump = (
        table.update()
        .where(
            table.c.tenant == uow.tenant,
            community == community_id,
            storage.columns["prefix"] == prefix,
            storage.columns["fiscal_year"] == year,
        )
        .values({last.name: last + 1})
        .returning(last)
    )
    taken = uow.connection.execute(bump).scalar_one_or_none()
    if taken is None:
        # Another transaction may create the range first; its row is committed then.
        with contextlib.suppress(RepositoryError, sa.exc.IntegrityError):
            uow.create(
                NUMBER_RANGE,
                {"community": community_id, "prefix": prefix, "fiscal_year": year},
            )
        taken = uow.connection.execute(bump).scalar_one()
    return int(str(taken))


class DatabaseNumberSequence:
    """The billing library's `NumberSequence` on a `DocumentNumberRange` of one prefix."""

    def __init__(self, uow: UnitOfWork, prefix: str) -> None:
        self._uow = uow
        self.prefix = prefix

    def next(self, community: str, year: int) -> str:
        return number_text(self.prefix, year, take_number(self._uow, community, self.prefix, year))


def store_content(uow: UnitOfWork, payload: bytes, media_type: str, note: str) -> str:
    """Keep `payload`; the reference a Document's `content` holds."""
    return CONTENT_PREFIX + keep_content(uow, payload, datetime.now(UTC), media_type, note)


def load_content(connection: sa.Connection, tenant: str, reference: str) -> bytes:
    """The bytes a `content` reference points at (KeyError for a foreign reference)."""
    if not reference.startswith(CONTENT_PREFIX):
        raise KeyError(f"not a stored content reference: {reference!r}")
    return read_content(connection, tenant, reference.removeprefix(CONTENT_PREFIX))


def checksum(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


__all__ = [
    "CONTENT_PREFIX",
    "NUMBER_RANGE",
    "DatabaseNumberSequence",
    "checksum",
    "load_content",
    "lock_community",
    "number_text",
    "store_content",
    "take_number",
]
