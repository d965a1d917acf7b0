"""`history` on every entity type: its audit trail (who, when, which attributes, before → after).

One statement per level of rows, like the association fields: the first row of a level reads
the entries of every row of the level (at most `first` each, after the sequence number
`after`) and the others find theirs in the level's cache. Column rules apply to the entries as
to the entity: attributes the caller may not read are left out of each change list, masked
ones masked (an IBAN's before and after alike); an entry whose every change is hidden keeps
its who and when but lists no attributes.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLString,
)

from meshkit.runtime.graphql._batches import Row, context_of
from meshkit.runtime.graphql._context import Info
from meshkit.runtime.graphql._names import camel
from meshkit.runtime.graphql._scalars import BigIntScalar, DateTimeScalar, JSONScalar

MAX_FIRST = 500


def history_field() -> GraphQLField:
    change = GraphQLObjectType(
        "AttributeChange",
        {
            "attribute": GraphQLField(
                GraphQLNonNull(GraphQLString),
                resolve=lambda c, _i: c["attribute"],
                description="The field's name in this API (camelCase).",
            ),
            "before": GraphQLField(JSONScalar, resolve=lambda c, _i: c["before"]),
            "after": GraphQLField(JSONScalar, resolve=lambda c, _i: c["after"]),
        },
        description="One attribute's value before and after a change (JSON forms).",
    )
    entry = GraphQLObjectType(
        "AuditEntry",
        {
            "seq": GraphQLField(
                GraphQLNonNull(BigIntScalar),
                resolve=lambda e, _i: e["seq"],
                description="Position in the tenant's audit trail; page with `after`.",
            ),
            "operation": GraphQLField(
                GraphQLNonNull(GraphQLString),
                resolve=lambda e, _i: e["operation"],
                description="create, update, archive, erase, link or unlink.",
            ),
            "actor": GraphQLField(GraphQLNonNull(GraphQLString), resolve=lambda e, _i: e["actor"]),
            "at": GraphQLField(GraphQLNonNull(DateTimeScalar), resolve=lambda e, _i: e["at"]),
            "changes": GraphQLField(
                GraphQLNonNull(GraphQLList(GraphQLNonNull(change))),
                resolve=lambda e, _i: e["changes"],
            ),
        },
        description="One change of an entity, as the audit trail recorded it.",
    )
    return GraphQLField(
        GraphQLNonNull(GraphQLList(GraphQLNonNull(entry))),
        {
            "first": GraphQLArgument(
                GraphQLInt, default_value=100, description=f"At most this many (<= {MAX_FIRST})."
            ),
            "after": GraphQLArgument(
                BigIntScalar, description="Only entries after this `seq` (the last one you have)."
            ),
        },
        resolve=resolve_history,
        description="The audit trail of this entity, oldest first: who changed what, and when.",
    )


def resolve_history(row: Row, info: Info, first: int = 100, after: int | None = None) -> Any:
    first = max(0, min(first, MAX_FIRST))
    key = ("history", first, after)
    level = row.level
    if key not in level.cache:
        ids = list(dict.fromkeys(r.entity["id"] for r in level.rows))
        level.cache[key] = _read(info, ids, first, after)
    entries = level.cache[key].get(row.entity["id"], [])
    return [_visible(info, row.entity.get("type"), e) for e in entries]


def _read(info: Info, ids: list[str], first: int, after: int | None) -> dict[str, list[Any]]:
    context = context_of(info)
    uow = context.uow
    table = context.repository.audit.table
    place = (
        sa.func.row_number()
        .over(partition_by=table.c.entity_id, order_by=table.c.seq)
        .label("place")
    )
    conditions = [table.c.tenant == uow.tenant, table.c.entity_id.in_(ids)]
    if after is not None:
        conditions.append(table.c.seq > after)
    numbered = sa.select(table, place).where(*conditions).subquery()
    rows = uow.connection.execute(
        sa.select(numbered)
        .where(numbered.c.place <= first)
        .order_by(numbered.c.entity_id, numbered.c.seq)
    )
    result: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        result[r.entity_id].append(
            {
                "seq": r.seq,
                "operation": r.operation,
                "actor": r.actor,
                "at": r.at,
                "changes": dict(r.changes or {}),
            }
        )
    return result


def _visible(info: Info, class_qid: Any, entry: dict[str, Any]) -> dict[str, Any]:
    context = context_of(info)
    changes: dict[str, Any] = entry["changes"]
    if context.policy is not None and context.principal is not None and isinstance(class_qid, str):
        before = context.policy.mask(
            context.principal,
            class_qid,
            {"type": class_qid, **{k: v.get("before") for k, v in changes.items()}},
        )
        after = context.policy.mask(
            context.principal,
            class_qid,
            {"type": class_qid, **{k: v.get("after") for k, v in changes.items()}},
        )
        changes = {
            k: {"before": before[k], "after": after[k]}
            for k in changes
            if k in before and k in after and k != "type"
        }
    return {
        **entry,
        "changes": [
            {"attribute": camel(name), "before": c.get("before"), "after": c.get("after")}
            for name, c in sorted(changes.items())
        ],
    }
