"""The audit trail: who changed which entity when, and each attribute's before and after.

Entries are written in the same transaction as the change, so the trail never disagrees with
the data. Values are kept in their JSON form (decimals, dates and durations as text).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from meshkit.runtime.values import to_json


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


class AuditTrail:
    """Writes and reads the audit table of one storage."""

    def __init__(self, table: sa.Table) -> None:
        self.table = table

    def write(
        self,
        connection: sa.Connection,
        tenant: str,
        actor: str,
        at: datetime,
        rows: Sequence[AuditRow],
    ) -> None:
        if not rows:
            return
        connection.execute(
            self.table.insert(),
            [
                {
                    "tenant": tenant,
                    "entity_id": r.entity_id,
                    "class_qid": r.class_qid,
                    "operation": r.operation.value,
                    "actor": actor,
                    "at": at,
                    "changes": dict(r.changes),
                }
                for r in rows
            ],
        )

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
