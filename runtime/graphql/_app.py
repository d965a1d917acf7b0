"""The ASGI application: GraphQL (HTTP and graphql-transport-ws) at /graphql, the sign-in
routes under /auth/ (runtime/auth/routes.py), /health, /ready and /metrics.

Secure by default: every request is authenticated by `meshkit.runtime.auth` (bearer JWT of the
OIDC issuer, session token of a local-account login, API key, or the session cookie of a
browser, CSRF-checked) and every resolver goes through the policy. `dev=True` (`meshkit serve
--dev`) instead trusts X-Meshkit-* headers — for local experiments only, and logged as insecure.

The served schema follows the model applied to the database: at most every
`schema_check_interval` seconds a request compares the applied model's fingerprint (one small
SELECT) with the served one; after `meshkit db upgrade` the new model's schema, repository and
policy are built in a worker thread and swapped in atomically. Requests already running finish
on the schema they started with.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import anyio.to_thread
import jwt
import orjson
import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from meshkit.ck.model import CompiledModel
from meshkit.runtime import Repository
from meshkit.runtime.auth import (
    AuthenticationError,
    Authenticator,
    AuthMethod,
    LocalAccounts,
    Policy,
    Principal,
    SessionTokens,
)
from meshkit.runtime.auth.oidc_login import OidcSignIn
from meshkit.runtime.auth.routes import AuthRoutes
from meshkit.runtime.auth.starlette import (
    EXCEPTION_HANDLERS,
    SCOPE_KEY,
    AuthMiddleware,
    CookiePolicy,
    principal_of,
)
from meshkit.runtime.behaviours import BehaviourRegistry
from meshkit.runtime.graphql._content import content_route
from meshkit.runtime.graphql._context import RequestContext
from meshkit.runtime.graphql._limits import Limits
from meshkit.runtime.graphql._observe import Metrics, ObserveMiddleware, count_statements
from meshkit.runtime.graphql._persisted import PersistedQueries
from meshkit.runtime.graphql._schema import ModelSchema, build_schema
from meshkit.runtime.graphql._security import IdentityError, dev_principal
from meshkit.runtime.migrations.snapshot import fingerprint, load_snapshot
from meshkit.runtime.migrations.versions import VERSION_TABLE, model_versions

log = logging.getLogger("meshkit.graphql")
PolicySource = Policy | Callable[[CompiledModel], Policy]
#: The behaviour registry a server runs a model with (None: the model's own).
BehavioursSource = Callable[[CompiledModel], BehaviourRegistry | None]


@dataclass(frozen=True)
class ApiSettings:
    """How the API is served (`meshkit serve` fills it from options and MESHKIT_* variables)."""

    dev: bool = False  # INSECURE: identity from X-Meshkit-* headers
    graphiql: bool = True
    introspection: bool = True
    cors_origins: tuple[str, ...] = ()
    max_depth: int = 15
    max_cost: int = 3_000_000
    schema_check_interval: float = 5.0  # seconds between checks of the applied model
    login_tenant: str | None = None  # the tenant of /auth/login when the body names none
    # Browser sessions by cookie (when the session tokens have a store): Secure, SameSite.
    cookies: CookiePolicy = field(default_factory=CookiePolicy)
    max_subscriptions_per_connection: int = 20
    # Server processes: move what is built at start (model, schema, policy: ~200,000 objects)
    # out of the garbage collector's reach (gc.freeze), so that a full collection takes no
    # longer than the requests' own objects need — otherwise ~250 ms pauses every few requests
    # (bench/graphql's p99). Process-wide: for `meshkit serve`, not for tests or scripts.
    freeze_gc: bool = False
    # Queries known by their SHA-256: learned from clients (automatic persisted queries) and
    # from a manifest; with `only`, nothing else runs (see _persisted.py). None: learned ones.
    persisted_queries: PersistedQueries | None = None

    @property
    def limits(self) -> Limits:
        return Limits(self.max_depth, self.max_cost, self.introspection)


@dataclass
class _Live:
    """One served model version: what a request runs on, swapped as a whole."""

    model: CompiledModel
    repository: Repository
    schema: ModelSchema
    policy: Policy | None
    fingerprint: str


class LiveSchema:
    """The schema of the model applied to the database, re-checked at most every interval."""

    def __init__(
        self,
        live: _Live,
        policy: PolicySource | None,
        settings: ApiSettings,
        metrics: Metrics,
        behaviours: BehavioursSource | None = None,
    ) -> None:
        self.current = live
        self._behaviours = behaviours
        self._policy = policy
        self._settings = settings
        self._metrics = metrics
        self._checked = time.monotonic()
        self._lock = asyncio.Lock()

    async def refresh(self) -> _Live:
        if time.monotonic() - self._checked < self._settings.schema_check_interval:
            return self.current
        async with self._lock:
            if time.monotonic() - self._checked < self._settings.schema_check_interval:
                return self.current
            self._checked = time.monotonic()
            try:
                swapped = await anyio.to_thread.run_sync(self._reload)
            except Exception:
                log.exception("could not load the model applied to the database; serving on")
                return self.current
            if swapped is not None:
                old = self.current.model
                self.current = swapped
                self._metrics.schema_reloads += 1
                if self._settings.freeze_gc:
                    gc.freeze()
                log.warning(
                    "the database was upgraded: now serving %s %s (was %s)",
                    swapped.model.root,
                    swapped.model.version,
                    old.version,
                )
        return self.current

    def _reload(self) -> _Live | None:
        engine = self.current.repository.engine
        table = model_versions
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(VERSION_TABLE):
                return None
            row = connection.execute(
                sa.select(table.c.fingerprint, table.c.model).where(table.c.is_root)
            ).first()
            if row is None or row.fingerprint == self.current.fingerprint:
                return None
            if row.model != self.current.model.root:
                log.error("the database now holds model %s; not swapping", row.model)
                return None
            snapshot = connection.execute(
                sa.select(table.c.snapshot).where(table.c.is_root)
            ).scalar_one()
        model = load_snapshot(snapshot)
        behaviours = self._behaviours(model) if self._behaviours is not None else None
        repository = Repository(engine, model, behaviours=behaviours)
        return build_live(model, repository, self._policy, self._settings)


def build_live(
    model: CompiledModel,
    repository: Repository,
    policy: PolicySource | None,
    settings: ApiSettings,
) -> _Live:
    compiled = policy(model) if callable(policy) else policy
    schema = build_schema(
        model,
        repository.storage,
        policy=compiled,
        limits=settings.limits,
        behaviours=repository.behaviours,
        persisted=settings.persisted_queries,
    )
    return _Live(model, repository, schema, compiled, fingerprint(model))


class SessionAuthenticator(Authenticator):
    """`Authenticator` that also refuses session tokens signed out at /auth/logout.

    For session tokens without a store only (tests, embedding): the list of signed-out token
    ids lives in this process (until each token expires). With a store (`meshkit serve`), the
    session's row in `auth_session` is ended instead, which every process reads."""

    def __init__(self, inner: Authenticator) -> None:
        super().__init__(oidc=inner.oidc, api_keys=inner.api_keys, sessions=inner.sessions)
        self._revoked: dict[str, float] = {}
        self._lock = threading.Lock()

    def authenticate_token(self, token: str) -> Principal:
        principal = super().authenticate_token(token)
        if principal.method is AuthMethod.SESSION:
            jti, _ = _session_id(token)
            with self._lock:
                if jti is not None and jti in self._revoked:
                    raise AuthenticationError("token-revoked", "this session was signed out")
        return principal

    def revoke(self, token: str) -> None:
        jti, expires = _session_id(token)
        if jti is None:
            return
        now = time.time()
        with self._lock:
            self._revoked = {j: e for j, e in self._revoked.items() if e > now}
            self._revoked[jti] = expires


def _session_id(token: str) -> tuple[str | None, float]:
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return None, 0.0
    jti = claims.get("jti")
    return (jti if isinstance(jti, str) else None), float(claims.get("exp") or 0)


class DevIdentityMiddleware:
    """INSECURE (dev mode): the principal the X-Meshkit-* headers claim."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            try:
                scope[SCOPE_KEY] = dev_principal(headers)
            except IdentityError as exc:
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 4400})
                    return
                await JSONResponse({"error": "bad-request", "message": str(exc)}, 400)(
                    scope, receive, send
                )
                return
        await self.app(scope, receive, send)


class ModelGraphQL(GraphQL[RequestContext, None]):
    """strawberry's ASGI view over the live schema; each request gets its own context."""

    def __init__(
        self,
        live: LiveSchema,
        authenticator: Authenticator | None,
        settings: ApiSettings,
    ) -> None:
        self.live = live
        super().__init__(
            live.current.schema,
            graphql_ide="graphiql" if settings.graphiql else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.authenticator = authenticator
        self.settings = settings
        self.max_subscriptions_per_connection = settings.max_subscriptions_per_connection

    @property  # type: ignore[override]
    def schema(self) -> ModelSchema:
        return self.live.current.schema

    @schema.setter
    def schema(self, _value: Any) -> None:
        pass  # strawberry sets it in __init__; the live schema decides

    def encode_json(self, data: object) -> str:
        """Responses encoded by orjson (compact): a page of 100 participants in a tenth of
        json.dumps' time. Text, not bytes: websocket messages must be text frames."""
        return orjson.dumps(data).decode()

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> RequestContext:
        live = await self.live.refresh()
        principal = principal_of(request)
        return RequestContext(
            live.repository,
            principal=principal,
            policy=live.policy,
            request=request,
            schema=live.schema,
        )

    async def on_ws_connect(self, context: RequestContext) -> dict[str, object] | None:
        """graphql-transport-ws: browsers cannot set headers on a websocket, so the
        connection_init payload may carry `Authorization: Bearer ...` or `X-API-Key`; a
        browser signed in by cookie is already known (the middleware checked its origin)."""
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        headers = {
            k: v
            for k, v in params.items()
            if isinstance(v, str) and k.lower() in ("authorization", "x-api-key")
        }
        claimed = {k: v for k, v in params.items() if k.lower().startswith("x-meshkit-")}
        if self.settings.dev and claimed:  # INSECURE, like the dev headers
            try:
                self._become(context, dev_principal({k: str(v) for k, v in claimed.items()}))
            except IdentityError:
                raise ConnectionRejectionError({"reason": "bad-identity"}) from None
        if headers and not self.settings.dev:
            if context.principal is not None and not context.principal.is_anonymous:
                raise ConnectionRejectionError({"reason": "ambiguous-credentials"})
            if self.authenticator is None:
                raise ConnectionRejectionError({"reason": "unsupported-scheme"})
            try:
                principal = await anyio.to_thread.run_sync(
                    self.authenticator.authenticate_headers, headers
                )
            except AuthenticationError as exc:
                raise ConnectionRejectionError({"reason": exc.reason}) from None
            self._become(context, principal)
        if context.principal is None or context.principal.is_anonymous:
            raise ConnectionRejectionError({"reason": "unauthenticated"})
        return None

    @staticmethod
    def _become(context: RequestContext, principal: Principal) -> None:
        context.principal = principal
        context.tenant = principal.tenant
        context.actor = principal.actor
        if context.guard is not None:
            context.guard.principal = principal


def create_app(
    model: CompiledModel,
    repository: Repository,
    *,
    policy: PolicySource | None = None,
    authenticator: Authenticator | None = None,
    accounts: LocalAccounts | None = None,
    sessions: SessionTokens | None = None,
    oidc_signin: OidcSignIn | None = None,
    settings: ApiSettings | None = None,
    behaviours: BehavioursSource | None = None,
) -> Starlette:
    """The API of `model` stored in `repository`.

    `policy` (a Policy, or a function compiling one for a model — needed to follow upgrades)
    is required unless `settings.dev`; `authenticator` says who a request is from;
    `accounts` + `sessions` enable POST /auth/login (and /auth/logout). Sessions with a store
    (`SessionTokens(..., store=SessionStore(engine))`) also enable browser sessions by cookie
    and shared sign-out, and then `oidc_signin` the OIDC sign-in of the apps. `behaviours`
    gives the behaviour registry for a model (None: the model's own) — the one `repository`
    was made with, so the commands it adds survive a schema reload after an upgrade.
    """
    settings = settings or ApiSettings()
    if settings.persisted_queries is None:  # one store for every schema this app swaps in
        settings = replace(settings, persisted_queries=PersistedQueries())
    if (model.root, model.version) != (repository.model.root, repository.model.version):
        raise ValueError(
            f"the repository stores {repository.model.root} {repository.model.version}, "
            f"not {model.root} {model.version}"
        )
    if policy is None and not settings.dev:
        raise ValueError("the API needs a policy (or dev mode, which is insecure)")
    if sessions is not None:
        if authenticator is None:
            authenticator = Authenticator(sessions=sessions)
        elif authenticator.sessions is None:
            authenticator = Authenticator(
                oidc=authenticator.oidc, api_keys=authenticator.api_keys, sessions=sessions
            )
    signing_out = SessionAuthenticator(authenticator) if authenticator is not None else None
    # A cookie WebSocket may come from the origins allowed to call the API from a browser.
    cookies = replace(
        settings.cookies,
        trusted_origins=(*settings.cookies.trusted_origins, *settings.cors_origins),
    )
    auth = AuthRoutes(
        accounts=accounts,
        sessions=sessions,
        cookies=cookies,
        oidc=oidc_signin,
        login_tenant=settings.login_tenant,
        dev=settings.dev,
        revoke=signing_out.revoke if signing_out is not None else None,
    )
    if settings.dev:
        log.warning(
            "INSECURE dev mode: the X-Meshkit-Tenant/-Actor/-Roles headers say who a request "
            "is from; never expose this server to anyone else"
        )
    elif authenticator is None:
        log.warning("no authenticator configured: every request is anonymous and refused")
    metrics = Metrics()
    count_statements(repository.engine)
    live = LiveSchema(
        build_live(model, repository, policy, settings), policy, settings, metrics, behaviours
    )
    view = ModelGraphQL(live, signing_out, settings)
    if settings.freeze_gc:
        gc.freeze()

    async def health(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def ready(_request: Request) -> Response:
        current = await live.refresh()
        try:
            await anyio.to_thread.run_sync(_ping, current.repository)
        except sa.exc.SQLAlchemyError as exc:
            reason = str(exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc).splitlines()
            return JSONResponse(
                {"status": "unavailable", "reason": reason[0] if reason else "database error"},
                status_code=503,
            )
        return JSONResponse(
            {"status": "ready", "model": f"{current.model.root} {current.model.version}"}
        )

    async def metrics_endpoint(_request: Request) -> Response:
        return PlainTextResponse(
            metrics.exposition(), media_type="text/plain; version=0.0.4; charset=utf-8"
        )

    middleware = [Middleware(ObserveMiddleware, metrics=metrics)]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=[
                    "Authorization",
                    "Content-Type",
                    "X-API-Key",
                    "X-CSRF-Token",
                    "X-Request-Id",
                ],
                expose_headers=["X-Request-Id"],
                max_age=600,
            )
        )
    if settings.dev:
        middleware.append(Middleware(DevIdentityMiddleware))
    elif signing_out is not None:
        middleware.append(Middleware(AuthMiddleware, authenticator=signing_out, cookies=cookies))
    app = Starlette(
        routes=[
            Route("/graphql", view, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", view),
            *auth.routes(),  # /auth/login, /auth/logout, /auth/session, /auth/oidc/...
            content_route(),  # GET /content/{id}: file downloads, see _content.py
            Route("/health", health),
            Route("/ready", ready),
            Route("/metrics", metrics_endpoint),
        ],
        middleware=middleware,
        exception_handlers=dict(EXCEPTION_HANDLERS),
    )
    app.state.live = live
    app.state.metrics = metrics
    app.state.schema = live.current.schema
    return app


def _bad_request(message: str) -> JSONResponse:
    return JSONResponse({"error": "bad-request", "message": message}, 400)


def _ping(repository: Repository) -> Any:
    with repository.engine.connect() as connection:
        return connection.execute(sa.text("SELECT 1")).scalar_one()


__all__ = ["ApiSettings", "LiveSchema", "ModelGraphQL", "SessionAuthenticator", "create_app"]
