"""Starlette integration: a middleware that authenticates every request, and error responses.

    app = Starlette(routes=..., middleware=[Middleware(AuthMiddleware, authenticator=auth)],
                    exception_handlers=EXCEPTION_HANDLERS)
    principal = principal_of(request)          # in an endpoint or a GraphQL context getter

A refused credential answers 401 with a JSON body `{"error": "unauthenticated", "reason": ...,
"message": ...}` and a `WWW-Authenticate: Bearer error="invalid_token"` header; a request
without credentials goes on as ANONYMOUS (the policy then refuses what anonymous may not do).
PermissionDenied raised by an endpoint answers 403 with its structured body. Nothing here ever
answers with a traceback: an unexpected failure while authenticating is a JSON 500.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .authenticator import Authenticator
from .errors import AuthenticationError, PermissionDenied
from .principal import ANONYMOUS, Principal

log = logging.getLogger(__name__)
SCOPE_KEY = "meshkit.principal"


def unauthorized(exc: AuthenticationError) -> JSONResponse:
    description = exc.message.replace('"', "'")
    return JSONResponse(
        exc.as_dict(),
        status_code=401,
        headers={
            "WWW-Authenticate": f'Bearer error="invalid_token", error_description="{description}"'
        },
    )


def forbidden(exc: PermissionDenied) -> JSONResponse:
    return JSONResponse(exc.as_dict(), status_code=403)


async def _authentication_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AuthenticationError)
    return unauthorized(exc)


async def _permission_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PermissionDenied)
    return forbidden(exc)


#: For `Starlette(exception_handlers=EXCEPTION_HANDLERS)`.
EXCEPTION_HANDLERS = {
    AuthenticationError: _authentication_handler,
    PermissionDenied: _permission_handler,
}


async def authenticate(request: HTTPConnection, authenticator: Authenticator) -> Principal:
    """The request's principal (ANONYMOUS without credentials); AuthenticationError if refused.

    Runs the verification in a worker thread: API keys read the database and a JWKS refresh
    may fetch over the network.
    """
    return await run_in_threadpool(authenticator.authenticate_headers, dict(request.headers))


def principal_of(connection: HTTPConnection) -> Principal:
    """The principal the middleware stored for this request (ANONYMOUS if none)."""
    found = connection.scope.get(SCOPE_KEY)
    return found if isinstance(found, Principal) else ANONYMOUS


class AuthMiddleware:
    """Pure ASGI middleware: authenticates HTTP and WebSocket connections before the app runs."""

    def __init__(self, app: ASGIApp, authenticator: Authenticator) -> None:
        self.app = app
        self.authenticator = authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        response: Response | None = None
        try:
            principal = await authenticate(connection, self.authenticator)
        except AuthenticationError as exc:
            response = unauthorized(exc)
        except Exception:
            log.exception("authentication failed unexpectedly")
            response = JSONResponse(
                {"error": "internal", "message": "authentication is unavailable; try again"},
                status_code=500,
            )
        if response is not None:
            if scope["type"] == "websocket":
                await send(
                    {
                        "type": "websocket.close",
                        "code": 4401 if response.status_code == 401 else 1011,
                    }
                )
            else:
                await response(scope, receive, send)
            return
        scope[SCOPE_KEY] = principal
        await self.app(scope, receive, send)
