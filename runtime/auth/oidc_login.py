"""OIDC sign-in for the browser apps: the authorization code flow with PKCE, state and nonce.

    signin = OidcSignIn(OidcClient(issuer, client_id, client_secret, name="Keycloak"),
                        verifier=oidc_authenticator, secret=session_secret)
    start = signin.begin(redirect_uri, return_to="/app/")  # redirect to start.url,
                                                            # keep start.flow in a cookie
    done = signin.finish(flow_cookie, state=..., code=...)  # done.principal, done.return_to

Server side only: the browser never sees a token of the issuer. `begin` makes a random state,
nonce and PKCE verifier (S256) and returns them as a short-lived signed value (an HS256 JWT
under a key derived from the session secret) for a cookie; `finish` checks the state against
it, exchanges the code at the issuer's token endpoint (with the verifier), verifies the id
token with the issuer's JWKS exactly like bearer tokens (oidc.py; the audience is the client
id) and checks its nonce. The issuer's endpoints come from its discovery document.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import jwt

from .errors import AuthenticationError
from .oidc import Fetcher, OidcAuthenticator, fetch_json
from .principal import AuthMethod, Principal

#: (url, form fields) -> the JSON answer of the token endpoint; raise on failure.
FormPoster = Callable[[str, Mapping[str, str]], Mapping[str, Any]]
_FLOW_AUDIENCE = "meshkit-oidc-flow"


def post_form(url: str, form: Mapping[str, str], timeout: float = 10.0) -> Mapping[str, Any]:
    """The default poster: an HTTPS form POST answered with JSON."""
    if not url.startswith("https://") and not url.startswith("http://localhost"):
        raise ValueError(f"refusing to send a code over plain HTTP: {url}")
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(form).encode("ascii"),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        data = json.loads(response.read().decode("utf-8"))
    if not isinstance(data, Mapping):
        raise ValueError("the token endpoint did not answer with a JSON object")
    return data


def safe_return_to(path: str | None, default: str = "/") -> str:
    """A same-site path to go back to after signing in (never another host: no open redirect)."""
    if not path or not path.startswith("/") or path.startswith(("//", "/\\")):
        return default
    return path


@dataclass(frozen=True)
class OidcClient:
    """This server as a client of the issuer (`meshkit serve --oidc-client-id ...`)."""

    issuer: str
    client_id: str
    client_secret: str | None = None  # None: a public client (PKCE only)
    name: str = "OIDC"  # what the apps show: "Sign in with <name>"
    scopes: tuple[str, ...] = ("openid", "profile", "email")
    redirect_uri: str | None = None  # None: this server's /auth/oidc/callback as requested


@dataclass(frozen=True)
class SignInStart:
    url: str  # the issuer's authorization endpoint with the request
    flow: str  # the signed state, nonce, verifier and return path, for a cookie


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    return_to: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class OidcSignIn:
    """The authorization code flow against one issuer."""

    flow_lifetime = 600  # seconds a user may take at the issuer's login page

    def __init__(
        self,
        client: OidcClient,
        verifier: OidcAuthenticator,
        *,
        secret: bytes,
        fetch: Fetcher = fetch_json,
        post: FormPoster = post_form,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if len(secret) < 32:
            raise ValueError("the session secret must be at least 32 bytes (256 bits)")
        self.client = client
        # An id token is addressed to this client, not to the API's audience.
        self._verifier = OidcAuthenticator(replace(verifier.settings, audience=client.client_id))
        self._claims = verifier.settings.claims
        self._key = hmac.new(secret, b"meshkit-oidc-flow", hashlib.sha256).digest()
        self._fetch = fetch
        self._post = post
        self._clock = clock
        self._endpoints: tuple[str, str] | None = None

    def endpoints(self) -> tuple[str, str]:
        """(authorization endpoint, token endpoint) from the issuer's discovery document."""
        if self._endpoints is None:
            url = self.client.issuer.rstrip("/") + "/.well-known/openid-configuration"
            try:
                document = self._fetch(url)
            except Exception as exc:
                raise AuthenticationError(
                    "issuer-unavailable", f"cannot read the issuer's discovery document ({exc})"
                ) from None
            authorize, token = (
                document.get("authorization_endpoint"),
                document.get("token_endpoint"),
            )
            if document.get("issuer") != self.client.issuer:
                raise AuthenticationError(
                    "wrong-issuer", f"the discovery document at {url} names another issuer"
                )
            if not isinstance(authorize, str) or not isinstance(token, str):
                raise AuthenticationError(
                    "issuer-unavailable", f"the discovery document at {url} lacks its endpoints"
                )
            self._endpoints = (authorize, token)
        return self._endpoints

    def begin(self, redirect_uri: str, return_to: str | None) -> SignInStart:
        authorize, _ = self.endpoints()
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        code_verifier = secrets.token_urlsafe(48)
        now = int(self._clock())
        flow = jwt.encode(
            {
                "aud": _FLOW_AUDIENCE,
                "exp": now + self.flow_lifetime,
                "state": state,
                "nonce": nonce,
                "verifier": code_verifier,
                "redirect_uri": redirect_uri,
                "return_to": safe_return_to(return_to),
            },
            self._key,
            algorithm="HS256",
        )
        query = {
            "response_type": "code",
            "client_id": self.client.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(self.client.scopes),
            "state": state,
            "nonce": nonce,
            "code_challenge": _b64(hashlib.sha256(code_verifier.encode("ascii")).digest()),
            "code_challenge_method": "S256",
        }
        separator = "&" if "?" in authorize else "?"
        return SignInStart(authorize + separator + urllib.parse.urlencode(query), flow)

    def flow_return_to(self, flow: str | None) -> str | None:
        """The return path of a flow cookie still valid (to report an error there), else None."""
        try:
            return str(self._flow(flow)["return_to"])
        except AuthenticationError:
            return None

    def finish(self, flow: str | None, *, state: str | None, code: str | None) -> SignedIn:
        started = self._flow(flow)
        if not state or not hmac.compare_digest(str(started["state"]), state):
            raise AuthenticationError("bad-state", "the sign-in answer does not belong to it")
        if not code:
            raise AuthenticationError("missing-code", "the issuer sent no authorization code")
        _, token_endpoint = self.endpoints()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": str(started["redirect_uri"]),
            "client_id": self.client.client_id,
            "code_verifier": str(started["verifier"]),
        }
        if self.client.client_secret:
            form["client_secret"] = self.client.client_secret
        try:
            answer = self._post(token_endpoint, form)
        except Exception as exc:
            raise AuthenticationError(
                "code-exchange-failed", f"the issuer refused the code ({type(exc).__name__})"
            ) from None
        id_token = answer.get("id_token")
        if not isinstance(id_token, str):
            raise AuthenticationError("missing-claim", "the issuer sent no id token")
        claims = self._verifier.verify(id_token)
        nonce = claims.get("nonce")
        if not isinstance(nonce, str) or not hmac.compare_digest(nonce, str(started["nonce"])):
            raise AuthenticationError("bad-nonce", "the id token was not issued for this sign-in")
        principal = self._claims.principal(claims, AuthMethod.OIDC)
        name = claims.get("preferred_username") or claims.get("email") or principal.subject
        principal = replace(principal, attributes={**principal.attributes, "username": str(name)})
        return SignedIn(principal, str(started["return_to"]))

    def _flow(self, flow: str | None) -> dict[str, Any]:
        if not flow:
            raise AuthenticationError("bad-state", "no sign-in was started in this browser")
        try:
            claims: dict[str, Any] = jwt.decode(
                flow, self._key, algorithms=["HS256"], audience=_FLOW_AUDIENCE
            )
        except jwt.ExpiredSignatureError:
            raise AuthenticationError(
                "sign-in-expired", "the sign-in took too long; start it again"
            ) from None
        except jwt.InvalidTokenError:
            raise AuthenticationError("bad-state", "the sign-in state is not valid") from None
        return claims
