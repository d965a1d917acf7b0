"""The generated schema as something that executes requests — directly or behind strawberry.

`ModelSchema` holds a graphql-core schema built from the compiled model and implements
strawberry's `BaseSchema`, so strawberry's ASGI view (GraphiQL, GET/POST, multipart, later
websockets) serves it unchanged. Execution is synchronous — the repository is — and runs in a
worker thread when called from the event loop; one request is one unit of work.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import AsyncGenerator, Iterable, Mapping
from functools import lru_cache, partial
from typing import Any

import anyio.to_thread
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    parse,
    print_schema,
    specified_rules,
    validate,
)
from graphql import execute_sync as graphql_execute
from strawberry.exceptions import MissingQueryError
from strawberry.schema.base import BaseSchema
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType
from strawberry.utils.operation import get_operation_type

from meshkit.ck.model import CompiledModel
from meshkit.runtime.auth import PermissionDenied, Policy
from meshkit.runtime.behaviours.registry import BehaviourRegistry
from meshkit.runtime.errors import ValidationError
from meshkit.runtime.graphql import _subscriptions
from meshkit.runtime.graphql._builder import SchemaBuilder
from meshkit.runtime.graphql._commands import OWN_TRANSACTIONS
from meshkit.runtime.graphql._compiled import CompiledReads, NotCompiled
from meshkit.runtime.graphql._context import RequestContext
from meshkit.runtime.graphql._errors import present
from meshkit.runtime.graphql._executor import RowExecutor
from meshkit.runtime.graphql._limits import Limits, check_limits
from meshkit.runtime.graphql._observe import current_request
from meshkit.runtime.graphql._persisted import PersistedQueries, PersistedQueryError
from meshkit.runtime.storage import Storage

log = logging.getLogger("meshkit.graphql")


class ModelSchema(BaseSchema):
    """The GraphQL API of one compiled model."""

    def __init__(
        self,
        model: CompiledModel,
        graphql_schema: GraphQLSchema,
        build_ms: float,
        subscription_fields: Mapping[str, str] | None = None,
        limits: Limits | None = None,
        persisted: PersistedQueries | None = None,
    ) -> None:
        self.model = model
        self.graphql_schema = graphql_schema
        self.build_ms = build_ms  # how long building took, for the logs and the benchmark
        self.subscription_fields = dict(subscription_fields or {})  # field -> class qid
        self.limits = limits or Limits()
        #: Queries known by their SHA-256 (automatic persisted queries, a manifest).
        self.persisted = persisted or PersistedQueries()
        self.config = StrawberryConfig()
        # strawberry's own type definitions: this schema has none, its types are graphql-core's
        self.query = self.mutation = self.subscription = None  # type: ignore[assignment]
        self.schema_converter = None  # type: ignore[assignment]
        self.schema_directives = []
        self.exception_handlers = ()
        self._rules = (
            None
            if self.limits.introspection
            else (*specified_rules, NoSchemaIntrospectionCustomRule)
        )
        self._documents = lru_cache(maxsize=256)(self._parse_and_validate)
        #: Queries answered by one SQL statement building their JSON (PostgreSQL; `_compiled`);
        #: False sends every request through graphql-core's execution.
        self.compiled_reads: CompiledReads | None = CompiledReads(graphql_schema)

    # ------------------------------------------------------------------ execution
    def prepare(
        self,
        query: str | None,
        variable_values: Mapping[str, Any] | None,
        operation_name: str | None,
    ) -> tuple[DocumentNode | None, OperationType | None, list[GraphQLError]]:
        """Parse (cached), validate (cached), find the operation, check depth and cost."""
        if not query:
            raise MissingQueryError
        document, problems = self._documents(query)
        if document is None or problems:
            return None, None, list(problems)
        try:
            operation = get_operation_type(document, operation_name)
        except RuntimeError as exc:
            raise CannotGetOperationTypeError(operation_name) from exc
        over = check_limits(
            self.graphql_schema, document, operation_name, variable_values, self.limits
        )
        if over:
            return None, operation, over
        return document, operation, []

    def execute_sync(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """Run one request in the context's unit of work (`RequestContext`)."""
        if (
            isinstance(context_value, RequestContext)
            and isinstance(context_value.schema, ModelSchema)
            and context_value.schema is not self
        ):  # the model was upgraded: run on the schema the request started with
            return context_value.schema.execute_sync(
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed_operation_types,
                operation_extensions,
            )
        try:
            query = self.persisted.resolve(query, operation_extensions)
        except PersistedQueryError as error:
            return ExecutionResult(data=None, errors=[error])
        observed = current_request.get()
        if observed is not None:
            observed.operation = operation_name or _operation_name(query)
        result = self._execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed_operation_types,
        )
        if observed is not None and result.errors:
            observed.errors += len(result.errors)
        return result

    def _execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None,
        context_value: Any | None,
        root_value: Any | None,
        operation_name: str | None,
        allowed_operation_types: Iterable[OperationType] | None,
    ) -> ExecutionResult:
        document, operation, problems = self.prepare(query, variable_values, operation_name)
        if document is None or operation is None:
            return ExecutionResult(data=None, errors=problems)
        if allowed_operation_types is not None and operation not in set(allowed_operation_types):
            raise InvalidOperationTypeError(operation)
        if operation is OperationType.SUBSCRIPTION:
            return ExecutionResult(data=None, errors=[_websocket_only()])
        if not isinstance(context_value, RequestContext):
            raise TypeError("execute needs a RequestContext as context_value")
        if operation is OperationType.QUERY and self.compiled_reads is not None:
            assert query is not None
            data = self._compiled(query, document, operation_name, variable_values, context_value)
            if data is not None:
                return ExecutionResult(data=data, errors=None)
        if operation is OperationType.MUTATION:
            context_value.writing = self._takes_write_lock(document, operation_name)
        try:
            result = graphql_execute(
                self.graphql_schema,
                document,
                root_value=root_value,
                context_value=context_value,
                variable_values=variable_values,
                operation_name=operation_name,
                executor_class=RowExecutor,
            )
            errors, internal = present(list(result.errors or []))
            context_value.finish(commit=not internal)
        except Exception as exc:  # a bug or the database gone: log it, tell the client little
            context_value.finish(commit=False)
            incident = uuid.uuid4().hex[:12]
            log.exception("GraphQL request failed (incident %s)", incident, exc_info=exc)
            error = GraphQLError(
                f"internal error (incident {incident}); nothing was changed",
                extensions={"code": "INTERNAL", "incident": incident},
            )
            return ExecutionResult(data=None, errors=[error])
        return ExecutionResult(data=result.data, errors=errors or None)

    def _compiled(
        self,
        query: str,
        document: DocumentNode,
        operation_name: str | None,
        variable_values: Mapping[str, Any] | None,
        context: RequestContext,
    ) -> dict[str, Any] | None:
        """The query's data by compiled reads, committed; None: take the general path."""
        assert self.compiled_reads is not None
        try:
            data = self.compiled_reads.run(
                query, document, operation_name, variable_values, context
            )
        except NotCompiled:
            return None
        except Exception as exc:  # a statement the database refused: the general path answers
            context.finish(commit=False)
            log.warning("compiled read failed, answered by the general path: %s", exc)
            return None
        context.finish(commit=True)
        return data

    def _takes_write_lock(self, document: DocumentNode, operation_name: str | None) -> bool:
        """Whether a mutation's unit of work begins with the write lock (SQLite: BEGIN
        IMMEDIATE): yes, unless it calls a command that commits in transactions of its own,
        which would then wait for the request's lock until the busy timeout."""
        mutation = self.graphql_schema.mutation_type
        for definition in document.definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            if operation_name is not None and (
                definition.name is None or definition.name.value != operation_name
            ):
                continue
            for selection in definition.selection_set.selections:
                if not isinstance(selection, FieldNode):
                    return False  # a fragment at the root: not worth the lock, be careful
                field = None if mutation is None else mutation.fields.get(selection.name.value)
                if field is not None and getattr(field.resolve, OWN_TRANSACTIONS, False):
                    return False
        return True

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        run = partial(
            self.execute_sync,
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed_operation_types,
            operation_extensions,
        )
        return await anyio.to_thread.run_sync(run)

    async def subscribe(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> AsyncGenerator[PreExecutionError | ExecutionResult, None]:
        return await self.stream(query, variable_values, context_value, root_value, operation_name)

    async def stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
    ) -> AsyncGenerator[Any, None]:
        """An operation over a websocket (graphql-transport-ws): a subscription streams one
        result per event; a query or mutation gives one result. `context_value` is the
        connection's context; each operation and each event gets a fork of it."""
        if not isinstance(context_value, RequestContext):
            raise TypeError("stream needs a RequestContext as context_value")
        schema = context_value.schema if isinstance(context_value.schema, ModelSchema) else self
        try:
            query = schema.persisted.resolve(query, operation_extensions)
        except PersistedQueryError as error:
            return _refused(error)
        return schema._stream(query, variable_values, context_value, operation_name)

    async def _stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None,
        connection: RequestContext,
        operation_name: str | None,
    ) -> AsyncGenerator[Any, None]:
        try:
            document, operation, problems = self.prepare(query, variable_values, operation_name)
        except MissingQueryError:
            problems, document, operation = [GraphQLError("no query")], None, None
        if document is None or operation is None:
            yield PreExecutionError(data=None, errors=problems)
            return
        if operation is not OperationType.SUBSCRIPTION:
            run = partial(
                self._execute,
                query,
                variable_values,
                connection.fork(),
                None,
                operation_name,
                None,
            )
            yield await anyio.to_thread.run_sync(run)
            return
        context = connection.fork()
        try:
            subscription = await anyio.to_thread.run_sync(
                partial(
                    _subscriptions.prepare,
                    self.graphql_schema,
                    document,
                    operation_name,
                    variable_values,
                    self.subscription_fields,
                    context,
                )
            )
        except (PermissionDenied, GraphQLError) as exc:
            yield PreExecutionError(data=None, errors=[_subscriptions.refused(exc)])
            return
        except ValidationError as exc:
            error = GraphQLError(
                exc.message,
                extensions={"code": "INVALID", "fieldErrors": [e.as_dict() for e in exc.errors]},
            )
            yield PreExecutionError(data=None, errors=[error])
            return
        async for result in _subscriptions.events(
            self.graphql_schema,
            document,
            operation_name,
            variable_values,
            subscription,
            context,
            lambda r: ExecutionResult(data=r.data, errors=r.errors),
        ):
            yield result

    # ------------------------------------------------------------------ introspection
    def get_type_by_name(self, name: str) -> None:
        return None  # no strawberry definitions: the types are graphql-core's

    def get_directive_by_name(self, graphql_name: str) -> None:
        return None

    def as_str(self) -> str:
        """The SDL."""
        return print_schema(self.graphql_schema)

    def _parse_and_validate(
        self, query: str
    ) -> tuple[DocumentNode | None, tuple[GraphQLError, ...]]:
        try:
            document = parse(query)
        except GraphQLError as error:
            return None, (error,)
        return document, tuple(validate(self.graphql_schema, document, self._rules))


def build_schema(
    model: CompiledModel,
    storage: Storage | None = None,
    *,
    policy: Policy | None = None,
    limits: Limits | None = None,
    behaviours: BehaviourRegistry | None = None,
    persisted: PersistedQueries | None = None,
) -> ModelSchema:
    """The GraphQL API of `model`: types, queries, aggregates, mutations (behaviour commands
    included), subscriptions. Pass the repository's `storage` and `behaviours` to save deriving
    them a second time (without `behaviours` the model's are resolved here); with a `policy`,
    fields some role may not see are nullable (hidden values resolve to null)."""
    if behaviours is None:
        behaviours = BehaviourRegistry.for_model(model)  # imports code: not part of build_ms
    started = time.perf_counter()
    builder = SchemaBuilder(model, storage, policy, behaviours)
    graphql_schema = builder.build()
    return ModelSchema(
        model,
        graphql_schema,
        (time.perf_counter() - started) * 1000,
        builder.subscription_fields,
        limits,
        persisted,
    )


async def _refused(error: GraphQLError) -> AsyncGenerator[Any, None]:
    yield PreExecutionError(data=None, errors=[error])


def _websocket_only() -> GraphQLError:
    return GraphQLError(
        "subscriptions run over a websocket (graphql-transport-ws) at this endpoint",
        extensions={"code": "NOT_SUPPORTED"},
    )


def _operation_name(query: str | None) -> str | None:
    """The name of the first operation, cheaply (for logs and metrics only)."""
    if not query:
        return None
    found = _OPERATION.search(query)
    return found.group(2) if found else None


_OPERATION = re.compile(r"\b(query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")
