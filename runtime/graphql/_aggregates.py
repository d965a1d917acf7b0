"""Aggregates per class: count, sum, avg, min and max, optionally grouped — one statement.

Only the measures the client selected are computed: the resolver reads its own selection set
(fragments included, over-approximated: a fragment's fields count whatever its type condition).
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
from meshkit.runtime.graphql._batches import Level, Resolver, context_of
from meshkit.runtime.graphql._context import Info
from meshkit.runtime.graphql._filters import locate_query_errors

FUNCTIONS = ("sum", "avg", "min", "max")


def aggregate(class_qid: str, attributes: Mapping[str, Mapping[str, str]]) -> Resolver:
    """`attributes`: function -> GraphQL field name -> CK attribute, for the measured types."""

    def resolve(_root: Any, info: Info, **args: Any) -> list[dict[str, Any]]:
        context = context_of(info)
        where = context.translator.where(class_qid, args.get("filter"))
        group_by: list[str] = list(args.get("group_by") or [])
        measures: dict[str, dict[str, Any]] = {"count": {"fn": "count"}}
        for function, fields in _selected(info):
            attr = attributes.get(function, {}).get(fields)
            if attr is not None:
                measures[f"{function}:{attr}"] = {"fn": function, "attr": attr}
        secured = context.secured
        try:
            if secured is None:
                groups = context.uow.aggregate(class_qid, measures, group_by, where.where)
            else:  # group-by and measure paths checked, the row rules ANDed into the filter
                groups = secured.aggregate(class_qid, measures, group_by, where.where)
        except ValidationError as exc:
            raise locate_query_errors(exc, where if secured is None else None) from None
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

    return resolve


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
