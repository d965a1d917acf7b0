"""The transactional outbox: events written in the transaction of the change they describe.

Positions are assigned when a unit of work commits, under a lock held until the commit, so they
become visible in position order: a reader that has seen position P has seen every event
before P, and a consumer that stores P misses nothing. A rolled-back transaction leaves no row.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from meshkit.runtime.events.event import Event, EventFilter, EventKind, PendingEvent
from meshkit.runtime.storage.bulk import BulkInsert
from meshkit.runtime.storage.types import UtcDateTime, json_type

OUTBOX_TABLE = "meshkit_outbox"
CONSUMER_TABLE = "meshkit_consumer"
DEFAULT_CHANNEL = "meshkit_events"
_COLUMNS = (
    "position",
    "tenant",
    "class_qid",
    "entity_id",
    "kind",
    "changed",
    "related_id",
    "actor",
    "at",
)


def add_event_tables(metadata: sa.MetaData) -> tuple[sa.Table, sa.Table]:
    """The outbox and consumer-position tables, added to `metadata` once (idempotent)."""
    if OUTBOX_TABLE in metadata.tables:
        return metadata.tables[OUTBOX_TABLE], metadata.tables[CONSUMER_TABLE]
    outbox = sa.Table(
        OUTBOX_TABLE,
        metadata,
        # Assigned by the outbox (last + 1 under a lock), not by a sequence: gapless, in order.
        sa.Column("position", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("tenant", sa.String(64), nullable=False),
        sa.Column("class_qid", sa.String(200), nullable=False),
        sa.Column("entity_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("changed", json_type(), nullable=False),
        sa.Column("related_id", sa.String(36), nullable=True),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Index("ix_meshkit_outbox__tenant", "tenant", "position"),
    )
    consumers = sa.Table(
        CONSUMER_TABLE,
        metadata,
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    return outbox, consumers


class Outbox:
    """Writes and reads the outbox and the consumers' positions of one database."""

    def __init__(self, metadata: sa.MetaData, channel: str = DEFAULT_CHANNEL) -> None:
        self.table, self.consumers = add_event_tables(metadata)
        self.channel = channel
        self._channels: dict[str, str] = {}  # schema -> channel
        self._inserts: dict[int, tuple[Dialect, BulkInsert]] = {}

    def _insert(self, dialect: Dialect) -> BulkInsert:
        found = self._inserts.get(id(dialect))
        if found is None or found[0] is not dialect:
            insert = BulkInsert(self.table, _COLUMNS, dialect, raw=("changed",))
            found = self._inserts[id(dialect)] = (dialect, insert)
        return found[1]

    def channel_for(self, connection: sa.Connection) -> str:
        """The NOTIFY channel of the outbox `connection` sees. Notifications are database
        wide, so deployments in other schemas of the same database get channels of their own."""
        schema = str(connection.execute(sa.select(sa.func.current_schema())).scalar_one())
        channel = self._channels.get(schema)
        if channel is None:
            channel = self.channel if schema == "public" else f"{self.channel}.{schema}"
            if len(channel.encode()) > 63:  # PostgreSQL's identifier limit
                digest = hashlib.sha256(channel.encode()).hexdigest()[:8]
                channel = f"{channel.encode()[:54].decode(errors='ignore')}_{digest}"
            self._channels[schema] = channel
        return channel

    # ------------------------------------------------------------------ writing
    def append(self, connection: sa.Connection, pending: Sequence[PendingEvent]) -> list[Event]:
        """Give the events their positions and write them; on PostgreSQL also NOTIFY (a wake-up
        only: delivered at commit, lost by nobody who reads by position)."""
        if not pending:
            return []
        postgresql = connection.dialect.name == "postgresql"
        if postgresql:
            # Held until commit: the next writer's positions become visible after ours.
            # EXCLUSIVE still lets readers read. SQLite writers are serialised anyway.
            name = connection.dialect.identifier_preparer.format_table(self.table)
            connection.exec_driver_sql(f"LOCK TABLE {name} IN EXCLUSIVE MODE")
        last = self.head(connection)
        events: list[Event] = []
        names: dict[tuple[str, ...], str] = {}  # `changed` as JSON, made once per distinct list

        def rows() -> Iterator[tuple[Any, ...]]:
            # Made while they stream to the database (COPY on PostgreSQL for large batches).
            for position, p in enumerate(pending, start=last + 1):
                event = Event(
                    position=position,
                    kind=p.kind,
                    tenant=p.tenant,
                    class_qid=p.class_qid,
                    entity_id=p.entity_id,
                    changed=p.changed,
                    actor=p.actor,
                    at=p.at,
                    related_id=p.related_id,
                )
                events.append(event)
                changed = names.get(p.changed)
                if changed is None:
                    changed = names[p.changed] = _names(p.changed)
                yield (
                    position,
                    p.tenant,
                    p.class_qid,
                    p.entity_id,
                    p.kind.value,
                    changed,
                    p.related_id,
                    p.actor,
                    p.at,
                )

        self._insert(connection.dialect).execute(connection, rows(), len(pending))
        if postgresql:
            channel = self.channel_for(connection)
            connection.execute(sa.select(sa.func.pg_notify(channel, str(events[-1].position))))
        return events

    # ------------------------------------------------------------------ reading
    def head(self, connection: sa.Connection) -> int:
        """The position of the last committed event (0 when there is none)."""
        t = self.table
        return int(
            connection.execute(
                sa.select(sa.func.coalesce(sa.func.max(t.c.position), 0))
            ).scalar_one()
        )

    def read(
        self,
        connection: sa.Connection,
        after: int,
        wanted: EventFilter,
        limit: int,
    ) -> tuple[list[Event], int]:
        """Events after `after` that pass `wanted`'s database part (not `where`), oldest first,
        and the position the reader has seen through (skipping events no one asked for)."""
        t = self.table
        head = self.head(connection)  # first: everything up to it is committed and readable
        statement = sa.select(t).where(t.c.position > after).order_by(t.c.position).limit(limit)
        if wanted.tenant is not None:
            statement = statement.where(t.c.tenant == wanted.tenant)
        if wanted.class_qids is not None:
            statement = statement.where(t.c.class_qid.in_(sorted(wanted.class_qids)))
        if wanted.kinds is not None:
            statement = statement.where(t.c.kind.in_(sorted(k.value for k in wanted.kinds)))
        if wanted.entity_id is not None:
            statement = statement.where(t.c.entity_id == wanted.entity_id)
        events = [_event(r) for r in connection.execute(statement).mappings()]
        if len(events) == limit:
            return events, events[-1].position
        return events, max(head, after, *(e.position for e in events))

    # ------------------------------------------------------------------ consumers
    def position_of(self, connection: sa.Connection, consumer: str) -> int:
        c = self.consumers
        found = connection.execute(sa.select(c.c.position).where(c.c.name == consumer)).scalar()
        return 0 if found is None else int(found)

    def store_position(self, connection: sa.Connection, consumer: str, position: int) -> None:
        c = self.consumers
        values = {"position": position, "updated_at": datetime.now(UTC)}
        result = connection.execute(c.update().where(c.c.name == consumer).values(values))
        if result.rowcount == 0:
            connection.execute(c.insert().values(name=consumer, **values))


def _names(changed: Sequence[str]) -> str:
    """`json.dumps(list(changed))`, the same text, for a list of attribute names."""
    return "[" + ", ".join(encode_basestring_ascii(n) for n in changed) + "]"


def _event(row: Any) -> Event:
    return Event(
        position=int(row["position"]),
        kind=EventKind(row["kind"]),
        tenant=row["tenant"],
        class_qid=row["class_qid"],
        entity_id=row["entity_id"],
        changed=tuple(row["changed"]),
        actor=row["actor"],
        at=row["at"],
        related_id=row["related_id"],
    )
