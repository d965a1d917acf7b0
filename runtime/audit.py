"""The audit trail: who changed which entity when, and each attribute's before and after.

Entries are written in the same transaction as the change, so the trail never disagrees with
the data. Values are kept in their JSON form (decimals, dates and durations as text).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from json.encoder import encode_basestring_ascii
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from meshkit.runtime.storage.bulk import BulkInsert
from meshkit.runtime.values import to_json

_COLUMNS = ("tenant", "entity_id", "class_qid", "operation", "actor", "at", "changes")


class Operation(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    ARCHIVE = "archive"
    ERASE = "erase"
    LINK = "link"
    UNLINK = "unlink"


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    tenant: str
    entity_id: str
    class_qid: str
    operation: Operation
    actor: str
    at: datetime
    changes: Mapping[str, Mapping[str, Any]]  # attribute -> {"before": ..., "after": ...}


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Before/after in JSON form for every key whose value differs."""
    result: dict[str, dict[str, Any]] = {}
    for key in {*before, *after}:
        old, new = to_json(before.get(key)), to_json(after.get(key))
        if old != new:
            result[key] = {"before": old, "after": new}
    return {k: result[k] for k in sorted(result)}


@dataclass(frozen=True)
class AuditRow:
    entity_id: str
    class_qid: str
    operation: Operation
    changes: Mapping[str, Mapping[str, Any]]
    text: str | None = None  # `changes` as JSON, when the writer had it at hand


class AuditTrail:
    """Writes and reads the audit table of one storage."""

    def __init__(self, table: sa.Table) -> None:
        self.table = table
        self._inserts: dict[int, tuple[Dialect, BulkInsert]] = {}
        self._fragments: dict[tuple[str, ...], dict[str, str]] = {}

    def _insert(self, dialect: Dialect) -> BulkInsert:
        found = self._inserts.get(id(dialect))
        if found is None or found[0] is not dialect:
            insert = BulkInsert(self.table, _COLUMNS, dialect, raw=("changes",))
            found = self._inserts[id(dialect)] = (dialect, insert)
        return found[1]

    def write(
        self,
        connection: sa.Connection,
        tenant: str,
        actor: str,
        at: datetime,
        rows: Sequence[AuditRow],
    ) -> None:
        """One statement (COPY on PostgreSQL for large batches) for all `rows`."""
        self._insert(connection.dialect).execute(
            connection,
            (
                (
                    tenant,
                    r.entity_id,
                    r.class_qid,
                    r.operation.value,
                    actor,
                    at,
                    dumps(r.changes) if r.text is None else r.text,
                )
                for r in rows
            ),
            len(rows),
        )

    def write_created(
        self,
        connection: sa.Connection,
        tenant: str,
        actor: str,
        at: datetime,
        class_qid: str,
        entities: Sequence[Mapping[str, Any]],
        keys: Sequence[str],
    ) -> list[tuple[str, ...]]:
        """The create rows of new `entities` of one class, whose audited attributes are `keys`
        (sorted): their changes are made while the rows stream to the database. Returns the
        keys each entity set (those with a value), for its event."""
        fragments = self._fragments.get(tuple(keys))
        if fragments is None:
            fragments = self._fragments[tuple(keys)] = created_fragments(keys)
        shared: dict[tuple[str, ...], tuple[str, ...]] = {}
        changed: list[tuple[str, ...]] = []
        create = Operation.CREATE.value

        def rows() -> Iterator[tuple[Any, ...]]:
            for entity in entities:
                changes_ = CreatedChanges(entity, keys)
                set_keys = tuple(changes_)
                changed.append(shared.setdefault(set_keys, set_keys))
                text = changes_.json(fragments)
                yield (tenant, entity["id"], class_qid, create, actor, at, text)

        self._insert(connection.dialect).execute(connection, rows(), len(entities))
        return changed

    def history(self, connection: sa.Connection, tenant: str, entity_id: str) -> list[AuditEntry]:
        t = self.table
        rows = connection.execute(
            sa.select(t).where(t.c.tenant == tenant, t.c.entity_id == entity_id).order_by(t.c.seq)
        )
        return [
            AuditEntry(
                seq=r.seq,
                tenant=r.tenant,
                entity_id=r.entity_id,
                class_qid=r.class_qid,
                operation=Operation(r.operation),
                actor=r.actor,
                at=r.at,
                changes=r.changes,
            )
            for r in rows
        ]


def dumps(changes: Mapping[str, Mapping[str, Any]]) -> str:
    """`json.dumps(changes)` — the same text — built faster for the usual shape: text keys,
    each change exactly {"before": ..., "after": ...} with text or null at the leaves."""
    parts = []
    for key, change in changes.items():
        if type(key) is not str or type(change) is not dict or len(change) != 2:
            return json.dumps(dict(changes))
        before, after = change.get("before", change), change.get("after", change)
        if before is change or after is change or next(iter(change)) != "before":
            return json.dumps(dict(changes))
        parts.append(
            f"{encode_basestring_ascii(key)}: "
            f'{{"before": {_leaf(before)}, "after": {_leaf(after)}}}'
        )
    return "{" + ", ".join(parts) + "}"


class CreatedChanges(Mapping[str, Mapping[str, Any]]):
    """The audit changes of a new entity — {key: {"before": None, "after": value}} for every
    key with a value — without building them: its JSON text is written straight from the
    entity, and the nested dicts only come into being when someone reads them."""

    __slots__ = ("_entity", "_keys")

    def __init__(self, entity: Mapping[str, Any], keys: Sequence[str]) -> None:
        self._entity = entity
        self._keys = [k for k in keys if entity[k] is not None]

    def __getitem__(self, key: str) -> Mapping[str, Any]:
        if key not in self._keys:
            raise KeyError(key)
        return {"before": None, "after": to_json(self._entity[key])}

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def json(self, fragments: Mapping[str, str]) -> str:
        """The text `dumps` would give; `fragments` holds each key's `"key": {"before": null,
        "after": ` (see `created_fragments`)."""
        entity = self._entity
        parts = []
        for k in self._keys:
            v = entity[k]
            leaf = encode_basestring_ascii(v) if type(v) is str else _leaf(to_json(v))
            parts.append(f"{fragments[k]}{leaf}}}")
        return "{" + ", ".join(parts) + "}"


def created_fragments(keys: Sequence[str]) -> dict[str, str]:
    return {k: f'{encode_basestring_ascii(k)}: {{"before": null, "after": ' for k in keys}


def _leaf(value: Any) -> str:
    if type(value) is str:
        return encode_basestring_ascii(value)
    if value is None:
        return "null"
    return json.dumps(value)
