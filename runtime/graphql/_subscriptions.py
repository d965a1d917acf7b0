"""Subscriptions: `<class>Events(filter, kinds, after)` over the events outbox.

Each subscription reads the outbox from a position (`after`, or the current head) with
`EventLog.astream` — the committed events of the subscriber's tenant and class, then new ones
as they commit — so a client that reconnects with the last position it saw gets exactly what
it missed. Per event, in a worker thread and a unit of work of the subscriber's tenant:

- created/updated/archived: the entity's current state is read with
  `id = <entity> AND secure_filter(class, filter)` — the policy's row rule and the client's
  filter in one statement; no row, no message (not visible, or not matching the filter);
- deleted: the entity is gone, so it is told only when the policy lets the subscriber see every
  row of the class (`Policy.allows_event` fails closed otherwise) and the subscription has no
  filter (which could no longer be checked); `entity` is null;
- the client's selection is then executed against the event (the entity's fields resolve like
  any query's, masked and row-checked, association levels batched).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    get_operation_ast,
)
from graphql import (
    ExecutionResult as GraphQLExecutionResult,
)
from graphql import execute_sync as graphql_execute
from graphql.execution.values import get_argument_values, get_variable_values

from meshkit.runtime.auth import PermissionDenied
from meshkit.runtime.events import Event, EventKind
from meshkit.runtime.graphql._batches import Level, Row, secured
from meshkit.runtime.graphql._context import RequestContext
from meshkit.runtime.graphql._errors import denied_extensions, present
from meshkit.runtime.graphql._reader import Window
from meshkit.runtime.query import Filter

DEFAULT_KINDS = (EventKind.CREATED, EventKind.UPDATED, EventKind.ARCHIVED, EventKind.DELETED)


@dataclass(frozen=True)
class EventPayload:
    """What the `<class>Events` field resolves to for one event."""

    event: Event
    entity: Row | None
    changed: tuple[str, ...]


@dataclass
class Subscription:
    """One validated subscription: the class, its secured filter, where to start."""

    class_qid: str
    user_filter: Filter | None
    kinds: tuple[EventKind, ...]
    after: int | None


def prepare(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    fields: Mapping[str, str],
    context: RequestContext,
) -> Subscription:
    """The subscription a document asks for; GraphQLError when it is not one we serve."""
    operation = get_operation_ast(document, operation_name)
    assert isinstance(operation, OperationDefinitionNode)
    assert schema.subscription_type is not None
    coerced = get_variable_values(
        schema, operation.variable_definitions or (), dict(variables or {})
    )
    if isinstance(coerced, list):
        raise coerced[0]
    (node,) = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
    name = node.name.value
    definition = schema.subscription_type.fields[name]
    args = get_argument_values(definition, node, coerced)
    class_qid = fields[name]
    where = context.translator.where(class_qid, args.get("filter")).where
    guard = context.guard
    if guard is not None:
        guard.policy.check(guard.principal, class_qid, "read")
        guard.read_filter(class_qid, where)  # hidden columns in the filter: refused now
        if context.tenant is None or guard.principal.is_anonymous:
            raise PermissionDenied("*", "subscribe", "sign in first", code="unauthenticated")
    kinds = tuple(EventKind(k) for k in (args.get("kinds") or DEFAULT_KINDS))
    after = args.get("after")
    return Subscription(class_qid, where, kinds, None if after is None else int(after))


async def events(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    subscription: Subscription,
    context: RequestContext,
    result: Callable[[GraphQLExecutionResult], Any],
) -> AsyncGenerator[Any, None]:
    """The results to send, one per event the subscriber may see."""
    log = context.repository.events
    position = subscription.after
    if position is None:
        position = await anyio.to_thread.run_sync(log.head)
    wanted = log.wanted(
        tenant=context.tenant, class_ref=subscription.class_qid, kinds=subscription.kinds
    )

    def deliver(event: Event) -> GraphQLExecutionResult | None:
        fork = context.fork()
        try:
            payload = _payload(fork, subscription, event)
            if payload is None:
                fork.finish(commit=True)
                return None
            done = graphql_execute(
                schema,
                document,
                root_value=payload,
                context_value=fork,
                variable_values=dict(variables or {}),
                operation_name=operation_name,
            )
            errors, internal = present(list(done.errors or []))
            fork.finish(commit=not internal)
            return GraphQLExecutionResult(done.data, errors or None)
        except BaseException:
            fork.finish(commit=False)
            raise

    async for event in log.astream(position, wanted):
        executed = await anyio.to_thread.run_sync(deliver, event)
        if executed is not None:
            yield result(executed)


def _payload(
    context: RequestContext, subscription: Subscription, event: Event
) -> EventPayload | None:
    guard = context.guard
    if event.kind is EventKind.DELETED:
        if subscription.user_filter is not None:
            return None
        if guard is not None and not guard.policy.allows_event(guard.principal, event, None):
            return None
        return EventPayload(event, None, ())
    try:
        where = secured(context, subscription.class_qid, subscription.user_filter, None)
    except PermissionDenied:
        return None  # the policy changed under the subscription: tell nothing
    only: Filter = {"attr": "id", "op": "eq", "value": event.entity_id}
    condition: Filter = only if where is None else {"and": [only, where]}
    page = context.reader.page(event.class_qid, condition, None, Window(first=1))
    if not page.entities:
        return None
    entity = page.entities[0]
    changed = tuple(n for n in event.changed if n in entity)
    return EventPayload(event, Level().add(entity), changed)


def refused(error: PermissionDenied | GraphQLError) -> GraphQLError:
    if isinstance(error, GraphQLError):
        return error
    return GraphQLError(error.message, extensions=denied_extensions(error))


__all__ = ["DEFAULT_KINDS", "EventPayload", "Subscription", "events", "prepare", "refused"]
