"""Query depth and cost limits, checked before anything runs.

- **depth**: the longest chain of nested fields (fragments followed, introspection fields not
  counted), `{ a { b } }` is 2;
- **cost**: an estimate of the rows a request may touch. Each field costs 1; a field that
  returns a connection or a list multiplies the cost of what is selected under it by its page
  size (`first`/`last`, or the default page of 100 when not given). So
  `meteringPoints(first: 10) { nodes { participations(first: 5) { nodes { id } } } }` costs
  about 10 × 5. A request over either limit gets one error with code `QUERY_TOO_DEEP` /
  `QUERY_TOO_COSTLY` naming the limit and the measured value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

from meshkit.runtime.graphql._reader import DEFAULT_PAGE


@dataclass(frozen=True)
class Limits:
    max_depth: int = 15
    max_cost: int = 3_000_000
    introspection: bool = True


def check_limits(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    limits: Limits,
) -> list[GraphQLError]:
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    walker = _Walker(schema, fragments, variables or {})
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if operation_name is not None and (
            definition.name is None or definition.name.value != operation_name
        ):
            continue
        root = {
            OperationType.QUERY: schema.query_type,
            OperationType.MUTATION: schema.mutation_type,
            OperationType.SUBSCRIPTION: schema.subscription_type,
        }[definition.operation]
        if root is None:
            continue
        depth, cost = walker.walk(root, definition.selection_set, 0, frozenset())
        if depth > limits.max_depth:
            return [
                GraphQLError(
                    f"the query is {depth} levels deep; at most {limits.max_depth} are allowed",
                    extensions={"code": "QUERY_TOO_DEEP", "depth": depth, "max": limits.max_depth},
                )
            ]
        if cost > limits.max_cost:
            return [
                GraphQLError(
                    f"the query could cost about {cost} (rows x fields); at most "
                    f"{limits.max_cost} are allowed: ask for smaller pages (first/last) "
                    "or fewer nested connections",
                    extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "max": limits.max_cost},
                )
            ]
    return []


class _Walker:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def walk(
        self,
        parent: GraphQLNamedType,
        selection_set: SelectionSetNode | None,
        depth: int,
        seen: frozenset[str],
    ) -> tuple[int, int]:
        """(deepest level, cost) of a selection set under `parent`."""
        if selection_set is None:
            return depth, 0
        deepest, cost = depth, 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if name.startswith("__"):
                    continue  # introspection: governed by the introspection switch
                fields = getattr(parent, "fields", None)
                field = fields.get(name) if isinstance(fields, dict) else None
                if field is None:
                    continue  # validation reports it
                inner_type = get_named_type(field.type)
                inner_depth, inner_cost = self.walk(
                    inner_type, selection.selection_set, depth + 1, seen
                )
                deepest = max(deepest, inner_depth)
                cost += 1 + self._multiplier(selection, field.type) * inner_cost
            elif isinstance(selection, InlineFragmentNode):
                target = parent
                if selection.type_condition is not None:
                    named = self.schema.get_type(selection.type_condition.name.value)
                    target = named if named is not None else parent
                d, c = self.walk(target, selection.selection_set, depth, seen)
                deepest, cost = max(deepest, d), cost + c
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue
                named = self.schema.get_type(fragment.type_condition.name.value)
                d, c = self.walk(
                    named if named is not None else parent,
                    fragment.selection_set,
                    depth,
                    seen | {name},
                )
                deepest, cost = max(deepest, d), cost + c
        return deepest, cost

    def _multiplier(self, node: FieldNode, type_: Any) -> int:
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        named = get_named_type(type_)
        is_connection = isinstance(named, GraphQLObjectType | GraphQLInterfaceType) and (
            named.name.endswith("Connection")
        )
        if not is_connection and not isinstance(inner, GraphQLList):
            return 1
        size: Any = None
        for argument in node.arguments or ():
            if argument.name.value in ("first", "last"):
                value = argument.value
                if isinstance(value, IntValueNode):
                    size = int(value.value)
                elif isinstance(value, VariableNode):
                    size = self.variables.get(value.name.value)
        if is_connection:
            return max(1, size if isinstance(size, int) else DEFAULT_PAGE)
        return 1 if not isinstance(size, int) else max(1, size)


__all__ = ["Limits", "check_limits"]
