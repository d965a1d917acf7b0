"""The generated schema as something that executes requests — directly or behind strawberry.

`ModelSchema` holds a graphql-core schema built from the compiled model and implements
strawberry's `BaseSchema`, so strawberry's ASGI view (GraphiQL, GET/POST, multipart, later
websockets) serves it unchanged. Execution is synchronous — the repository is — and runs in a
worker thread when called from the event loop; one request is one unit of work.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncGenerator, Iterable
from functools import lru_cache, partial
from typing import Any

import anyio.to_thread
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    parse,
    print_schema,
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
from meshkit.runtime.graphql._builder import SchemaBuilder
from meshkit.runtime.graphql._context import RequestContext
from meshkit.runtime.graphql._errors import present
from meshkit.runtime.storage import Storage

log = logging.getLogger("meshkit.graphql")


class ModelSchema(BaseSchema):
    """The GraphQL API of one compiled model."""

    def __init__(
        self, model: CompiledModel, graphql_schema: GraphQLSchema, build_ms: float
    ) -> None:
        self.model = model
        self.graphql_schema = graphql_schema
        self.build_ms = build_ms  # how long building took, for the logs and the benchmark
        self.config = StrawberryConfig()
        # strawberry's own type definitions: this schema has none, its types are graphql-core's
        self.query = self.mutation = self.subscription = None  # type: ignore[assignment]
        self.schema_converter = None  # type: ignore[assignment]
        self.schema_directives = []
        self.exception_handlers = ()
        self._documents = lru_cache(maxsize=256)(self._parse_and_validate)

    # ------------------------------------------------------------------ execution
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
        if not query:
            raise MissingQueryError
        document, problems = self._documents(query)
        if document is None or problems:
            return ExecutionResult(data=None, errors=list(problems))
        try:
            operation = get_operation_type(document, operation_name)
        except RuntimeError as exc:
            raise CannotGetOperationTypeError(operation_name) from exc
        if allowed_operation_types is not None and operation not in set(allowed_operation_types):
            raise InvalidOperationTypeError(operation)
        if operation is OperationType.SUBSCRIPTION:
            return ExecutionResult(data=None, errors=[_no_subscriptions()])
        if not isinstance(context_value, RequestContext):
            raise TypeError("execute needs a RequestContext as context_value")
        try:
            result = graphql_execute(
                self.graphql_schema,
                document,
                root_value=root_value,
                context_value=context_value,
                variable_values=variable_values,
                operation_name=operation_name,
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
        return _refused()

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
        return _refused()

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
        return document, tuple(validate(self.graphql_schema, document))


def build_schema(model: CompiledModel, storage: Storage | None = None) -> ModelSchema:
    """The GraphQL API of `model`: types, queries, aggregates and mutations. Pass the
    repository's `storage` to save deriving the table mapping a second time."""
    started = time.perf_counter()
    graphql_schema = SchemaBuilder(model, storage).build()
    return ModelSchema(model, graphql_schema, (time.perf_counter() - started) * 1000)


async def _refused() -> AsyncGenerator[PreExecutionError | ExecutionResult, None]:
    yield PreExecutionError(data=None, errors=[_no_subscriptions()])


def _no_subscriptions() -> GraphQLError:
    return GraphQLError("subscriptions are not available yet", extensions={"code": "NOT_SUPPORTED"})
