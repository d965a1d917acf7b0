"""OIDC sign-in of the apps against a tiny in-test issuer: the authorization code flow with PKCE,
state and nonce, ending in the same session cookie as a password login."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
import urllib.parse
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from auth_browser import VIEWER, Clock, Server, add_accounts, server
from auth_keys import KEY, jwk_of
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from meshkit.ck import CompiledModel
from meshkit.runtime.auth import (
    ClaimMapping,
    OidcAuthenticator,
    OidcClient,
    OidcSettings,
    OidcSignIn,
    Policy,
    StaticJwks,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

ISSUER = "https://login.example.org/realms/ec"
CLIENT_ID = "meshkit-web"


@dataclass
class Issuer:
    """The issuer: discovery, JWKS, and a token endpoint that checks the code and PKCE."""

    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    audience: str = CLIENT_ID
    nonce: str | None = None  # overrides the nonce of the request (a replayed id token)

    def sign_in(self, authorize_url: str, **claims: Any) -> str:
        """The user signs in at the issuer's page: the code the redirect brings back."""
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(authorize_url).query))
        assert query["response_type"] == "code" and query["code_challenge_method"] == "S256"
        assert query["client_id"] == CLIENT_ID and "openid" in query["scope"].split()
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"request": query, "claims": claims}
        return code

    def app(self) -> Starlette:
        async def discovery(_request: Request) -> Response:
            return JSONResponse(
                {
                    "issuer": ISSUER,
                    "authorization_endpoint": f"{ISSUER}/protocol/openid-connect/auth",
                    "token_endpoint": f"{ISSUER}/protocol/openid-connect/token",
                    "jwks_uri": f"{ISSUER}/protocol/openid-connect/certs",
                }
            )

        async def token(request: Request) -> Response:
            form = dict(urllib.parse.parse_qsl((await request.body()).decode()))
            grant = self.codes.pop(str(form.get("code")), None)
            if grant is None or form.get("grant_type") != "authorization_code":
                return JSONResponse({"error": "invalid_grant"}, 400)
            asked = grant["request"]
            verifier = str(form.get("code_verifier", "")).encode()
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
            if challenge.decode() != asked["code_challenge"]:
                return JSONResponse({"error": "invalid_grant", "error_description": "PKCE"}, 400)
            if form.get("redirect_uri") != asked["redirect_uri"]:
                return JSONResponse({"error": "invalid_grant"}, 400)
            now = int(time.time())
            claims = {
                "iss": ISSUER,
                "aud": self.audience,
                "iat": now,
                "exp": now + 300,
                "nonce": self.nonce or asked["nonce"],
                **grant["claims"],
            }
            id_token = jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": "k1"})
            return JSONResponse({"id_token": id_token, "access_token": "x", "token_type": "Bearer"})

        return Starlette(
            routes=[
                Route("/realms/ec/.well-known/openid-configuration", discovery),
                Route("/realms/ec/protocol/openid-connect/token", token, methods=["POST"]),
            ]
        )


@pytest.fixture
def issuer() -> Issuer:
    return Issuer()


@pytest.fixture
def browser(
    database_url: str, ec_model: CompiledModel, ec_policy: Policy, issuer: Issuer
) -> Iterator[Server]:
    add_accounts(database_url)
    provider = TestClient(issuer.app(), base_url="https://login.example.org")

    def fetch(url: str) -> Mapping[str, Any]:
        response = provider.get(url)
        response.raise_for_status()
        return dict(response.json())

    def post(url: str, form: Mapping[str, str]) -> Mapping[str, Any]:
        response = provider.post(url, data=dict(form))
        response.raise_for_status()
        return dict(response.json())

    verifier = OidcAuthenticator(
        OidcSettings(
            issuer=ISSUER,
            audience="meshkit",  # the API's audience; id tokens are the client's
            jwks=StaticJwks({"keys": [jwk_of(KEY, "k1")]}),
            claims=ClaimMapping(
                roles="realm_access.roles",
                role_map={"ec-admin": "admin", "ec-member": "member"},
                default_tenant="t1",
            ),
        )
    )
    signin = OidcSignIn(
        OidcClient(ISSUER, CLIENT_ID, "client-secret", name="Keycloak"),
        verifier,
        secret=b"oidc-flow-secret-0123456789abcdef",
        fetch=fetch,
        post=post,
    )
    with server(database_url, ec_model, ec_policy, Clock(), oidc=signin) as served:
        yield served


def start(browser: Server, return_to: str = "/app/") -> str:
    response = browser.http.get(
        "/auth/oidc/login", params={"return_to": return_to}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(f"{ISSUER}/protocol/openid-connect/auth?")
    return str(location)


def callback(browser: Server, **params: str) -> str:
    response = browser.http.get("/auth/oidc/callback", params=params, follow_redirects=False)
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def state_of(url: str) -> str:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["state"]


def test_the_apps_offer_the_issuer_and_sign_in_with_it(browser: Server, issuer: Issuer) -> None:
    config = browser.http.get("/auth/config").json()
    assert config["oidc"] == {"name": "Keycloak", "login": "/auth/oidc/login"}
    assert config["password"] is True and config["dev"] is False

    url = start(browser, "/portal/")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    assert query["redirect_uri"] == "http://testserver/auth/oidc/callback"
    code = issuer.sign_in(
        url,
        sub="kc-7",
        preferred_username="maria",
        realm_access={"roles": ["ec-member", "offline_access"]},
        participant_id="p-maria",
    )
    assert callback(browser, code=code, state=query["state"]) == "/portal/"
    session = browser.http.get("/auth/session").json()
    assert (session["username"], session["subject"], session["tenant"]) == ("maria", "kc-7", "t1")
    assert session["roles"] == ["member"] and session["participant_id"] == "p-maria"
    # The same cookie session as a password login: CSRF-checked, signed out like one.
    answer = browser.http.post(
        "/graphql", json={"query": VIEWER}, headers={"X-CSRF-Token": session["csrf_token"]}
    )
    assert answer.json()["data"]["viewer"]["roles"] == ["member"]
    # The sign-in's state went with it: its answer cannot be replayed.
    replay = browser.http.get("/auth/oidc/callback", params={"code": code, "state": query["state"]})
    assert replay.status_code == 401 and replay.json()["reason"] == "bad-state"


def test_an_answer_to_another_sign_in_is_refused(browser: Server, issuer: Issuer) -> None:
    url = start(browser)
    code = issuer.sign_in(url, sub="kc-7")
    assert callback(browser, code=code, state="forged") == "/app/?signin_error=bad-state"
    assert browser.http.get("/auth/session").status_code == 401
    assert issuer.codes, "the code is not even sent to the issuer"


def test_an_id_token_of_another_sign_in_is_refused(browser: Server, issuer: Issuer) -> None:
    issuer.nonce = "replayed"
    url = start(browser)
    code = issuer.sign_in(url, sub="kc-7")
    assert callback(browser, code=code, state=state_of(url)) == "/app/?signin_error=bad-nonce"
    assert browser.http.get("/auth/session").status_code == 401


def test_an_id_token_for_another_client_is_refused(browser: Server, issuer: Issuer) -> None:
    issuer.audience = "some-other-client"
    url = start(browser)
    code = issuer.sign_in(url, sub="kc-7")
    location = callback(browser, code=code, state=state_of(url))
    assert location == "/app/?signin_error=wrong-audience"
    assert "meshkit_session" not in browser.http.cookies


def test_the_return_path_stays_on_this_site(browser: Server, issuer: Issuer) -> None:
    url = start(browser, "//evil.example/steal")
    code = issuer.sign_in(url, sub="kc-7")
    assert callback(browser, code=code, state=state_of(url)) == "/"
