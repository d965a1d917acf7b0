"""The ASGI application: GraphQL (with GraphiQL) at /graphql, /health and /ready."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import anyio.to_thread
import sqlalchemy as sa
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from meshkit.ck.model import CompiledModel
from meshkit.runtime import Repository
from meshkit.runtime.graphql._context import (
    Identity,
    IdentityError,
    RequestContext,
    identify_from_headers,
)
from meshkit.runtime.graphql._schema import ModelSchema, build_schema

Identify = Callable[[Mapping[str, str]], Identity]


class ModelGraphQL(GraphQL[RequestContext, None]):
    """strawberry's ASGI view over the model's schema; each request gets its own context."""

    def __init__(
        self, schema: ModelSchema, repository: Repository, identify: Identify, graphiql: bool
    ) -> None:
        super().__init__(schema, graphql_ide="graphiql" if graphiql else None)
        self.repository = repository
        self.identify = identify

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> RequestContext:
        try:
            identity = self.identify(request.headers)
        except IdentityError as exc:
            raise HTTPException(400, str(exc)) from None
        return RequestContext(
            self.repository, tenant=identity.tenant, actor=identity.actor, request=request
        )


def create_app(
    model: CompiledModel,
    repository: Repository,
    *,
    identify: Identify = identify_from_headers,
    graphiql: bool = True,
) -> Starlette:
    """The API of `model` stored in `repository`.

    `identify` says who a request is from (tenant and actor); the default reads the
    X-Meshkit-Tenant / X-Meshkit-Actor headers and is a placeholder until auth lands.
    """
    if (model.root, model.version) != (repository.model.root, repository.model.version):
        raise ValueError(
            f"the repository stores {repository.model.root} {repository.model.version}, "
            f"not {model.root} {model.version}"
        )
    schema = build_schema(model, repository.storage)
    view = ModelGraphQL(schema, repository, identify, graphiql)

    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def ready(_request: Request) -> Response:
        try:
            await anyio.to_thread.run_sync(_ping, repository)
        except sa.exc.SQLAlchemyError as exc:
            reason = str(exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc).splitlines()
            return JSONResponse(
                {"status": "unavailable", "reason": reason[0] if reason else "database error"},
                status_code=503,
            )
        return JSONResponse({"status": "ready", "model": f"{model.root} {model.version}"})

    app = Starlette(
        routes=[
            Route("/graphql", view, methods=["GET", "POST"]),
            Route("/health", health),
            Route("/ready", ready),
        ]
    )
    app.state.schema = schema
    return app


def _ping(repository: Repository) -> Any:
    with repository.engine.connect() as connection:
        return connection.execute(sa.text("SELECT 1")).scalar_one()
