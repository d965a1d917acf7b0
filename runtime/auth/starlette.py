"""Starlette integration: a middleware that authenticates every request, and error responses.

    app = Starlette(routes=..., middleware=[Middleware(AuthMiddleware, authenticator=auth)],
                    exception_handlers=EXCEPTION_HANDLERS)
    principal = principal_of(request)          # in an endpoint or a GraphQL context getter

A refused credential answers 401 with a JSON body `{"error": "unauthenticated", "reason": ...,
"message": ...}` and a `WWW-Authenticate: Bearer error="invalid_token"` header; a request
without credentials goes on as ANONYMOUS (the policy then refuses what anonymous may not do).
PermissionDenied raised by an endpoint answers 403 with its structured body. Nothing here ever
answers with a traceback: an unexpected failure while authenticating is a JSON 500.

Browser sessions (with `cookies=CookiePolicy(...)` and a session store): a request without an
Authorization / X-API-Key header is authenticated by its `meshkit_session` cookie. Such a
request that may change something (any method but GET, HEAD, OPTIONS) must carry the session's
CSRF token in `X-CSRF-Token` (403 `csrf-token-missing` / `csrf-token-invalid` otherwise); a
WebSocket must come from the server's own origin or a trusted one. A cookie whose session has
ended does not refuse the request (the apps' static pages must still load): it goes on as
ANONYMOUS, the response deletes the cookies, and GET /auth/session says why.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .authenticator import Authenticator
from .errors import AuthenticationError, PermissionDenied
from .principal import ANONYMOUS, Principal
from .session_store import ActiveSession, SessionStore

log = logging.getLogger(__name__)
SCOPE_KEY = "meshkit.principal"
SESSION_SCOPE_KEY = "meshkit.session"  # the ActiveSession of a cookie-authenticated request
ENDED_SCOPE_KEY = "meshkit.session-ended"  # the AuthenticationError of a stale cookie
SESSION_COOKIE = "meshkit_session"  # HttpOnly: "<session id>.<secret>"
CSRF_COOKIE = "meshkit_csrf"  # readable by the apps' script: the session's CSRF token
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class CookiePolicy:
    """How session cookies are set and checked (`meshkit serve --session-cookie-*`)."""

    secure: bool | None = None  # None: Secure when the request came over HTTPS
    same_site: Literal["strict", "lax"] = "strict"
    csrf_exempt: tuple[str, ...] = ("/auth/login",)  # paths that need no CSRF token
    trusted_origins: tuple[str, ...] = ()  # further origins a cookie WebSocket may come from

    def is_secure(self, connection: HTTPConnection) -> bool:
        if self.secure is not None:
            return self.secure
        return connection.url.scheme in ("https", "wss")

    def set_session(
        self, response: Response, connection: HTTPConnection, cookie: str, session: ActiveSession
    ) -> None:
        """Set the session and CSRF cookies, living until the session's absolute end."""
        max_age = max(1, int((session.expires_at - datetime.now(UTC)).total_seconds()))
        secure = self.is_secure(connection)
        response.set_cookie(
            SESSION_COOKIE,
            cookie,
            max_age=max_age,
            path="/",
            secure=secure,
            httponly=True,
            samesite=self.same_site,
        )
        response.set_cookie(
            CSRF_COOKIE,
            session.csrf_token or "",
            max_age=max_age,
            path="/",
            secure=secure,
            httponly=False,  # the apps read it and send it back as X-CSRF-Token
            samesite=self.same_site,
        )

    def clear_session(self, response: Response, connection: HTTPConnection) -> None:
        secure = self.is_secure(connection)
        for name, httponly in ((SESSION_COOKIE, True), (CSRF_COOKIE, False)):
            response.delete_cookie(
                name, path="/", secure=secure, httponly=httponly, samesite=self.same_site
            )


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

    def __init__(
        self, app: ASGIApp, authenticator: Authenticator, cookies: CookiePolicy | None = None
    ) -> None:
        self.app = app
        self.authenticator = authenticator
        self.cookies = cookies
        sessions = authenticator.sessions
        self.store: SessionStore | None = sessions.store if sessions is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        cookie = connection.cookies.get(SESSION_COOKIE) if self.cookies and self.store else None
        has_header = "authorization" in connection.headers or "x-api-key" in connection.headers
        if cookie and not has_header:
            await self._with_cookie(connection, cookie, scope, receive, send)
            return
        response: Response | None = None
        try:
            principal = await authenticate(connection, self.authenticator)
        except AuthenticationError as exc:
            response = unauthorized(exc)
        except Exception:
            log.exception("authentication failed unexpectedly")
            response = _unavailable()
        if response is not None:
            await _refuse(response, scope, receive, send)
            return
        scope[SCOPE_KEY] = principal
        await self.app(scope, receive, send)

    async def _with_cookie(
        self, connection: HTTPConnection, cookie: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        assert self.store is not None and self.cookies is not None
        try:
            session = await run_in_threadpool(self.store.resume, cookie)
        except AuthenticationError as exc:
            # Ended or unknown: anonymous, and the browser forgets the cookies.
            scope[SCOPE_KEY] = ANONYMOUS
            scope[ENDED_SCOPE_KEY] = exc
            await self.app(scope, receive, self._forgetting(connection, send))
            return
        except Exception:
            log.exception("resuming a session failed unexpectedly")
            await _refuse(_unavailable(), scope, receive, send)
            return
        refusal = self._cross_site(connection, session)
        if refusal is not None:
            await _refuse(refusal, scope, receive, send)
            return
        scope[SCOPE_KEY] = session.principal
        scope[SESSION_SCOPE_KEY] = session
        await self.app(scope, receive, send)

    def _cross_site(self, connection: HTTPConnection, session: ActiveSession) -> Response | None:
        """The refusal of a request the browser may have sent for another site, if it is one."""
        assert self.cookies is not None
        if connection.scope["type"] == "websocket":
            origin = connection.headers.get("origin")
            host = connection.headers.get("host", "")
            own = {f"http://{host}", f"https://{host}"}
            if origin is None or (origin not in own and origin not in self.cookies.trusted_origins):
                return JSONResponse(
                    {"error": "forbidden", "reason": "cross-origin", "message": "wrong origin"},
                    403,
                )
            return None
        if connection.scope["method"] in SAFE_METHODS:
            return None
        if connection.url.path in self.cookies.csrf_exempt:
            return None
        token = connection.headers.get(CSRF_HEADER)
        if not token:
            return csrf_refusal(
                "csrf-token-missing",
                "a request signed in by cookie must send the X-CSRF-Token header",
            )
        if not hmac.compare_digest(token, session.csrf_token or ""):
            return csrf_refusal("csrf-token-invalid", "the X-CSRF-Token does not fit the session")
        return None

    def _forgetting(self, connection: HTTPConnection, send: Send) -> Send:
        assert self.cookies is not None
        clearing = Response()
        self.cookies.clear_session(clearing, connection)
        cookie_headers = [(k, v) for k, v in clearing.raw_headers if k == b"set-cookie"]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                sets = headers.getlist("set-cookie")
                if not any(c.startswith(f"{SESSION_COOKIE}=") for c in sets):
                    for key, value in cookie_headers:
                        headers.append(key.decode("latin-1"), value.decode("latin-1"))
            await send(message)

        return sending


def csrf_refusal(reason: str, message: str) -> JSONResponse:
    return JSONResponse({"error": "forbidden", "reason": reason, "message": message}, 403)


def _unavailable() -> JSONResponse:
    return JSONResponse(
        {"error": "internal", "message": "authentication is unavailable; try again"},
        status_code=500,
    )


async def _refuse(response: Response, scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "websocket":
        codes = {401: 4401, 403: 4403}
        await send({"type": "websocket.close", "code": codes.get(response.status_code, 1011)})
    else:
        await response(scope, receive, send)
