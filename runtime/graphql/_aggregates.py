"""Aggregates per class: count, sum, avg, min and max, optionally grouped — one statement.

Only the measures the client selected are computed: the resolver reads its own selection set
(fragments included, over-approximated: a fragment's fields count whatever its type condition).

Under a to-many end (`energyCommunity { participationsAggregate(groupBy: [STATUS]) { ... } }`,
`payment { documentsAggregate { ... } }`) the aggregate is per parent, and still one statement
for all parents of a level: grouped by the parent first (the other side's foreign key, or the
link table's column), split afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
)

from meshkit.runtime import ValidationError
from meshkit.runtime.graphql._batches import (
    Level,
    Resolver,
    Row,
    context_of,
    end_hidden,
    freeze,
)
from meshkit.runtime.graphql._context import Info, RequestContext
from meshkit.runtime.graphql._filters import TranslatedFilter, locate_query_errors
from meshkit.runtime.graphql._reader import Navigation
from meshkit.runtime.query import Filter

FUNCTIONS = ("sum", "avg", "min", "max")


def aggregate(class_qid: str, attributes: Mapping[str, Mapping[str, str]]) -> Resolver:
    """`attributes`: function -> GraphQL field name -> CK attribute, for the measured types."""

    def resolve(_root: Any, info: Info, **args: Any) -> list[dict[str, Any]]:
        context = context_of(info)
        where = context.translator.where(class_qid, args.get("filter"))
        group_by: list[str] = list(args.get("group_by") or [])
        measures = _measures(info, attributes)
        groups = _groups(context, class_qid, measures, group_by, where, where.where)
        return _entries(class_qid, groups, measures, group_by)

    return resolve


def related_aggregate(nav: Navigation, attributes: Mapping[str, Mapping[str, str]]) -> Resolver:
    """The aggregate of a to-many end per parent: the other class's foreign key back to the
    parent (one-to-many) or a link table (many-to-many) is grouped by first."""

    def resolve(row: Row, info: Info, **args: Any) -> list[dict[str, Any]]:
        context = context_of(info)
        group_by: list[str] = list(args.get("group_by") or [])
        if end_hidden(context, row, nav):
            context.translator.where(nav.other, args.get("filter"))  # bad arguments all the same
            return []
        measures = _measures(info, attributes)
        key = ("aggregate", nav.owner, nav.name, freeze(args), tuple(sorted(measures)))
        per_parent: dict[str, list[dict[str, Any]]] | None = row.level.cache.get(key)
        if per_parent is None:  # the level's first row: one statement for every parent
            where = context.translator.where(nav.other, args.get("filter"))
            run = _secured(context, nav.other, measures, group_by, where.where)
            try:
                per_parent = context.reader.related_aggregate(
                    nav, row.level.parent_ids(nav), run, measures, group_by
                )
            except ValidationError as exc:
                raise locate_query_errors(exc, where if run is where.where else None) from None
            row.level.cache[key] = per_parent
        groups = per_parent.get(row.entity["id"], [])
        if not groups and not group_by:  # no rows: still one entry, as the root aggregate has
            groups = [{name: 0 if name == "count" else None for name in measures}]
        return _entries(nav.other, groups, measures, group_by)

    return resolve


def _secured(
    context: RequestContext,
    class_qid: str,
    measures: Mapping[str, Mapping[str, Any]],
    group_by: list[str],
    where: Filter | None,
) -> Filter | None:
    """`where` as `SecuredUnitOfWork.aggregate` runs it: the class readable, group-by and
    measure paths checked, the row rules ANDed in (as given in a trusted context)."""
    guard = context.guard
    if guard is None:
        return where
    guard.policy.check(guard.principal, class_qid, "read")
    guard.check_aggregate(
        class_qid, [*group_by, *(m["attr"] for m in measures.values() if "attr" in m)]
    )
    return guard.read_filter(class_qid, where)


def _measures(info: Info, attributes: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, Any]]:
    measures: dict[str, dict[str, Any]] = {"count": {"fn": "count"}}
    for function, fields in _selected(info):
        attr = attributes.get(function, {}).get(fields)
        if attr is not None:
            measures[f"{function}:{attr}"] = {"fn": function, "attr": attr}
    return measures


def _groups(
    context: RequestContext,
    class_qid: str,
    measures: Mapping[str, Mapping[str, Any]],
    group_by: list[str],
    translated: TranslatedFilter,
    where: Filter | None,
) -> list[dict[str, Any]]:
    secured = context.secured
    try:
        if secured is None:
            return context.uow.aggregate(class_qid, measures, group_by, where)
        # group-by and measure paths checked, the row rules ANDed into the filter
        return secured.aggregate(class_qid, measures, group_by, where)
    except ValidationError as exc:
        raise locate_query_errors(exc, translated if secured is None else None) from None


def _entries(
    class_qid: str,
    groups: list[dict[str, Any]],
    measures: Mapping[str, Mapping[str, Any]],
    group_by: list[str],
) -> list[dict[str, Any]]:
    keys = Level()
    result = []
    for group in groups:
        entry: dict[str, Any] = {fn: {} for fn in FUNCTIONS}
        entry["count"] = group["count"]
        for name in measures:
            if ":" in name:
                function, attr = name.split(":", 1)
                entry[function][attr] = group[name]
        key = {path: group[path] for path in group_by}
        entry["key"] = keys.add({"type": class_qid, **key}) if group_by else None
        result.append(entry)
    return result


def _selected(info: Info) -> Iterator[tuple[str, str]]:
    """(function, field name) for every `sum { x }`-like selection under this field."""
    for node in info.field_nodes:
        for outer in _fields(node.selection_set, info):
            if outer.name.value in FUNCTIONS:
                for inner in _fields(outer.selection_set, info):
                    yield outer.name.value, inner.name.value


def _fields(selection_set: SelectionSetNode | None, info: Info) -> Iterator[FieldNode]:
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, info)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = info.fragments.get(selection.name.value)
            if fragment is not None:
                yield from _fields(fragment.selection_set, info)
