"""The sign-in routes of the API (Starlette), mounted by `create_app`:

    GET  /auth/config          what sign-ins this server offers (public): password, OIDC, dev
    POST /auth/login           {"username", "password", "tenant"?, "session"?: "cookie"}
                               -> a Bearer token (default), or the session cookie (browsers)
    GET  /auth/session         who the caller is; for a cookie session its CSRF token and ends
    POST /auth/logout          end this session ({"everywhere": true}: every session of the user)
    GET  /auth/oidc/login      -> the issuer's login page (authorization code flow with PKCE)
    GET  /auth/oidc/callback   <- the issuer; the session cookie, then back to the app

See docs/security.md ("Browser sessions", "CSRF", "OIDC sign-in").
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .accounts import LocalAccounts
from .errors import AccountLockedError, AuthenticationError
from .oidc_login import OidcSignIn, safe_return_to
from .principal import AuthMethod
from .session_store import ActiveSession, SessionStore
from .sessions import SessionTokens
from .starlette import (
    ENDED_SCOPE_KEY,
    SESSION_SCOPE_KEY,
    CookiePolicy,
    principal_of,
    unauthorized,
)

FLOW_COOKIE = "meshkit_oidc_flow"
_FLOW_PATH = "/auth/oidc/"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _bad_request(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": "bad-request", "message": message}, status)


def _session_body(session: ActiveSession) -> dict[str, Any]:
    principal = session.principal
    return {
        "username": principal.attributes.get("username") or principal.subject,
        "subject": principal.subject,
        "tenant": principal.tenant,
        "roles": sorted(principal.roles),
        "participant_id": principal.participant_id,
        "csrf_token": session.csrf_token,
        "expires_at": _iso(session.expires_at),
        "idle_expires_at": _iso(session.idle_expires_at),
    }


class AuthRoutes:
    """The handlers, over what the server was configured with (any part may be missing)."""

    def __init__(
        self,
        *,
        accounts: LocalAccounts | None,
        sessions: SessionTokens | None,
        cookies: CookiePolicy | None,
        oidc: OidcSignIn | None = None,
        login_tenant: str | None = None,
        dev: bool = False,
        revoke: Callable[[str], None] | None = None,
    ) -> None:
        self.accounts = accounts
        self.sessions = sessions
        self.store: SessionStore | None = sessions.store if sessions is not None else None
        self.cookies = cookies if self.store is not None else None
        if oidc is not None and self.cookies is None:
            raise ValueError("the OIDC sign-in needs session tokens with a store and cookies")
        self.oidc = oidc
        self.login_tenant = login_tenant
        self.dev = dev
        self._revoke = revoke

    def routes(self) -> list[Route]:
        return [
            Route("/auth/config", self.config, methods=["GET"]),
            Route("/auth/login", self.login, methods=["POST"]),
            Route("/auth/session", self.session, methods=["GET"]),
            Route("/auth/logout", self.logout, methods=["POST"]),
            Route("/auth/oidc/login", self.oidc_login, methods=["GET"]),
            Route("/auth/oidc/callback", self.oidc_callback, methods=["GET"], name="oidc_callback"),
        ]

    async def config(self, _request: Request) -> Response:
        oidc = None
        if self.oidc is not None:
            oidc = {"name": self.oidc.client.name, "login": "/auth/oidc/login"}
        return JSONResponse(
            {
                "dev": self.dev,
                "password": self.accounts is not None and self.sessions is not None,
                "cookies": self.cookies is not None,
                "oidc": oidc,
            }
        )

    async def login(self, request: Request) -> Response:
        accounts, sessions, store = self.accounts, self.sessions, self.store
        if accounts is None or sessions is None:
            return JSONResponse(
                {"error": "not-found", "message": "local accounts are not enabled"}, 404
            )
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _bad_request('send JSON: {"username": ..., "password": ...}')
        username, password = body.get("username"), body.get("password")
        tenant = body.get("tenant") or self.login_tenant
        mode = body.get("session", "token")
        if not isinstance(username, str) or not isinstance(password, str):
            return _bad_request("username and password are required strings")
        if not isinstance(tenant, str) or not tenant:
            return _bad_request("name the tenant: this server has no default login tenant")
        if mode not in ("token", "cookie"):
            return _bad_request('"session" is "token" (the default) or "cookie"')
        if mode == "cookie":
            if self.cookies is None:
                return _bad_request("cookie sessions are not enabled on this server")
            # A cross-site form cannot send this type without a CORS preflight (login CSRF).
            if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
                return _bad_request("send the login as Content-Type: application/json", 415)
        try:
            principal = await anyio.to_thread.run_sync(
                accounts.authenticate, tenant, username, password
            )
        except AccountLockedError as exc:
            return JSONResponse(
                exc.as_dict(), 429, headers={"Retry-After": str(max(exc.retry_after, 1))}
            )
        except AuthenticationError as exc:
            return unauthorized(exc)
        if mode == "token":
            token = await anyio.to_thread.run_sync(
                lambda: sessions.issue(principal, account_id=principal.subject)
            )
            return JSONResponse(
                {"token": token.token, "token_type": "Bearer", "expires_at": _iso(token.expires_at)}
            )
        assert store is not None and self.cookies is not None
        previous = request.scope.get(SESSION_SCOPE_KEY)
        if isinstance(previous, ActiveSession):  # signing in again in this browser
            await anyio.to_thread.run_sync(store.end, previous.id)
        started = await anyio.to_thread.run_sync(
            lambda: store.start(principal, account_id=principal.subject)
        )
        response = JSONResponse(_session_body(started))
        self.cookies.set_session(response, request, started.cookie, started)
        return response

    async def session(self, request: Request) -> Response:
        active = request.scope.get(SESSION_SCOPE_KEY)
        if isinstance(active, ActiveSession):
            return JSONResponse(_session_body(active))
        principal = principal_of(request)
        if not principal.is_anonymous:
            return JSONResponse(
                {
                    "username": principal.attributes.get("username") or principal.subject,
                    "subject": principal.subject,
                    "tenant": principal.tenant,
                    "roles": sorted(principal.roles),
                    "participant_id": principal.participant_id,
                    "method": principal.method.value,
                }
            )
        ended = request.scope.get(ENDED_SCOPE_KEY)
        if isinstance(ended, AuthenticationError):
            return unauthorized(ended)
        return unauthorized(AuthenticationError("unauthenticated", "not signed in"))

    async def logout(self, request: Request) -> Response:
        principal = principal_of(request)
        try:
            body = await request.json() if await request.body() else {}
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _bad_request('send no body, or JSON: {"everywhere": true}')
        everywhere = body.get("everywhere") is True
        if principal.method is not AuthMethod.SESSION or principal.tenant is None:
            return _bad_request("sign out with a session: its cookie, or its token as Bearer")
        session_id = principal.attributes.get("session_id")
        if everywhere:
            if self.store is None:
                return _bad_request("signing out everywhere needs sessions kept in the database")
            store, tenant = self.store, principal.tenant
            await anyio.to_thread.run_sync(lambda: store.end_all(tenant, subject=principal.subject))
        elif isinstance(session_id, str) and self.store is not None:
            await anyio.to_thread.run_sync(self.store.end, session_id)
        elif self._revoke is not None:
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer":
                return _bad_request("sign out with the session token of a login as Bearer token")
            self._revoke(token.strip())
        response = Response(status_code=204)
        by_cookie = SESSION_SCOPE_KEY in request.scope
        if self.cookies is not None and (by_cookie or everywhere):
            self.cookies.clear_session(response, request)
        return response

    async def oidc_login(self, request: Request) -> Response:
        if self.oidc is None or self.cookies is None:
            return JSONResponse(
                {"error": "not-found", "message": "OIDC sign-in is not configured"}, 404
            )
        redirect_uri = self.oidc.client.redirect_uri or str(request.url_for("oidc_callback"))
        return_to = request.query_params.get("return_to")
        try:
            start = await anyio.to_thread.run_sync(self.oidc.begin, redirect_uri, return_to)
        except AuthenticationError as exc:
            return JSONResponse(exc.as_dict(), 503)
        response = RedirectResponse(start.url, status_code=303)
        response.set_cookie(
            FLOW_COOKIE,
            start.flow,
            max_age=self.oidc.flow_lifetime,
            path=_FLOW_PATH,
            secure=self.cookies.is_secure(request),
            httponly=True,
            samesite="lax",  # it must come back with the issuer's (cross-site) redirect
        )
        return response

    async def oidc_callback(self, request: Request) -> Response:
        if self.oidc is None or self.cookies is None or self.store is None:
            return JSONResponse(
                {"error": "not-found", "message": "OIDC sign-in is not configured"}, 404
            )
        oidc, store = self.oidc, self.store
        flow = request.cookies.get(FLOW_COOKIE)
        params = request.query_params
        try:
            if params.get("error"):
                raise AuthenticationError(
                    "sign-in-refused",
                    f"the issuer answered {params['error']}: {params.get('error_description', '')}",
                )
            done = await anyio.to_thread.run_sync(
                lambda: oidc.finish(flow, state=params.get("state"), code=params.get("code"))
            )
            started = await anyio.to_thread.run_sync(
                lambda: store.start(done.principal, method="oidc")
            )
        except AuthenticationError as exc:
            return_to = oidc.flow_return_to(flow)
            if return_to is None:
                return unauthorized(exc)
            query = urllib.parse.urlencode({"signin_error": exc.reason})
            response: Response = RedirectResponse(
                f"{safe_return_to(return_to)}?{query}", status_code=303
            )
        else:
            response = RedirectResponse(safe_return_to(done.return_to), status_code=303)
            self.cookies.set_session(response, request, started.cookie, started)
        response.delete_cookie(FLOW_COOKIE, path=_FLOW_PATH, httponly=True, samesite="lax")
        return response
