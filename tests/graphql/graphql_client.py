"""The GraphQL test client and a statement counter, imported by the tests and the conftest."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from meshkit.runtime import Repository
from meshkit.runtime.graphql import ModelSchema, RequestContext


class Client:
    """Runs requests against a schema in one tenant, like the HTTP endpoint does."""

    def __init__(self, schema: ModelSchema, repository: Repository, tenant: str = "t1") -> None:
        self.schema = schema
        self.repository = repository
        self.tenant = tenant

    def run(self, query: str, **variables: Any) -> dict[str, Any]:
        """The response as JSON would carry it: data and (formatted) errors."""
        context = RequestContext(self.repository, tenant=self.tenant, actor="tester")
        result = self.schema.execute_sync(query, variables or None, context)
        response: dict[str, Any] = {"data": result.data}
        if result.errors:
            response["errors"] = [e.formatted for e in result.errors]
        return response

    def data(self, query: str, **variables: Any) -> dict[str, Any]:
        """The data of a request that must succeed."""
        response = self.run(query, **variables)
        assert "errors" not in response, response["errors"]
        assert response["data"] is not None
        return response["data"]

    def errors(self, query: str, **variables: Any) -> list[dict[str, Any]]:
        response = self.run(query, **variables)
        assert "errors" in response, response
        return response["errors"]  # type: ignore[no-any-return]


@contextmanager
def statements(engine: sa.Engine) -> Iterator[list[str]]:
    """The SELECTs (and writes) run on `engine` inside the block; transaction control left
    out: BEGIN/COMMIT and, on PostgreSQL, the transaction's tenant setting (`set_config`, once
    per unit of work for the row-level security policies)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        text = statement.lstrip()
        if text.split(None, 1)[0].upper() in ("BEGIN", "COMMIT", "ROLLBACK"):
            return
        if text.startswith("SELECT set_config("):
            return
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
