"""graphql-core's executor with two shortcuts for large reads (docs/graphql.md, "Performance").

A page of 100 participants with their participations runs ~1,000 field resolvers. Most of them
return one value of a row's entity, and graphql-core spends more on each of those (a resolve
info, the resolver call, `complete_value`'s type dispatch) than on the value itself. So:

- a plain attribute field (its resolver is `_batches.attribute`) of a leaf type on a `Row` is
  read and serialised directly; anything out of the ordinary — a null for a non-null field, a
  value the scalar refuses — takes graphql-core's own path, so errors are exactly its errors;
- the arguments of a field on an entity are coerced once per field node and request, not once
  per row (`participations(orderBy: ...)` under each of 100 participants).

Results are the same as graphql-core's (tests/graphql/test_graphql_executor.py runs queries both
ways). Only synchronous execution (`execute_sync`) uses it: the resolvers are synchronous.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, NamedTuple

from graphql import (
    GraphQLField,
    GraphQLObjectType,
    Undefined,
    get_nullable_type,
    is_leaf_type,
    is_non_null_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.execution.incremental.incremental_executor import IncrementalExecutor
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path

from meshkit.runtime.graphql._batches import Row, attribute_of, reads_of


class _Way(Enum):
    GRAPHQL_CORE = "graphql-core"  # its own execute_field
    LEAF = "leaf"  # an attribute of a leaf type: read and serialise it here
    ARGUMENTS = "arguments"  # a row resolver with arguments: coerce them once per node


class _FieldPlan(NamedTuple):
    way: _Way
    name: str = ""  # LEAF: the entity name
    coerce: Callable[[Any], Any] | None = None  # LEAF: the scalar's or enum's serialiser
    non_null: bool = False


_GRAPHQL_CORE = _FieldPlan(_Way.GRAPHQL_CORE)


def _plan(field: GraphQLField) -> _FieldPlan:
    name = attribute_of(field.resolve)
    if name is not None:
        leaf = get_nullable_type(field.type)
        if not is_leaf_type(leaf):
            return _GRAPHQL_CORE
        coerce = leaf.coerce_output_value
        return _FieldPlan(_Way.LEAF, name, coerce, is_non_null_type(field.type))
    if field.args and reads_of(field.resolve) is not None:
        return _FieldPlan(_Way.ARGUMENTS)
    return _GRAPHQL_CORE


class RowExecutor(IncrementalExecutor):
    """Executes one operation (`graphql.execute_sync(..., executor_class=RowExecutor)`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._arguments: dict[tuple[int, int], dict[str, Any]] = {}
        self._plans: dict[int, _FieldPlan] = {}  # by id: fields live as long as the schema

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        details = field_details_list[0]
        field = self.schema.get_field(parent_type, details.node.name.value)
        if field is not None and type(source) is Row and not self.middleware_manager:
            plan = self._plans.get(id(field))
            if plan is None:
                plan = self._plans[id(field)] = _plan(field)
            if plan.way is _Way.LEAF:
                value = _leaf_value(plan, source.entity.get(plan.name))
                if value is not Undefined:
                    return value
            elif plan.way is _Way.ARGUMENTS and details.fragment_variable_values is None:
                return self._execute_with_arguments(
                    field, parent_type, source, field_details_list, path, position_context
                )
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def _execute_with_arguments(
        self,
        field: GraphQLField,
        parent_type: GraphQLObjectType,
        source: Row,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        """graphql-core's `execute_field` for a synchronous resolver, with the argument
        values of this field node coerced once per request."""
        node = field_details_list[0].node
        info = self.build_resolve_info(
            field, [d.node for d in field_details_list], parent_type, path
        )
        assert field.resolve is not None
        try:
            key = (id(field), id(node))  # both live as long as the request's document
            arguments = self._arguments.get(key)
            if arguments is None:
                arguments = self._arguments[key] = get_argument_values(
                    field, node, self.variable_values, None, self.hide_suggestions
                )
            result = field.resolve(source, info, **arguments)
            return self.complete_value(
                field.type, field_details_list, info, path, result, position_context
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.type, field_details_list, path)
            return None


def _leaf_value(plan: _FieldPlan, value: Any) -> Any:
    """The serialised value of a leaf field, or Undefined to let graphql-core complete it
    (and report what is wrong with it)."""
    if value is None:
        return Undefined if plan.non_null else None
    assert plan.coerce is not None
    try:
        coerced = plan.coerce(value)
    except Exception:  # graphql-core raises it again, located at the field
        return Undefined
    return Undefined if coerced is None else coerced


__all__ = ["RowExecutor"]
