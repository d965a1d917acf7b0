"""The Starlette integration: principals from headers, 401/403 as JSON, never a traceback."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import jwt
import pytest
from argon2 import PasswordHasher
from auth_keys import AUDIENCE, ISSUER, KEY, jwk_of
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from meshkit.runtime import create_engine
from meshkit.runtime.auth import (
    ApiKeys,
    Authenticator,
    LocalAccounts,
    OidcAuthenticator,
    OidcSettings,
    PermissionDenied,
    SessionTokens,
    StaticJwks,
    create_auth_tables,
)
from meshkit.runtime.auth.starlette import EXCEPTION_HANDLERS, AuthMiddleware, principal_of

with warnings.catch_warnings():  # starlette 1.x would rather have httpx2 for its client
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

PASSWORD = "correct horse battery staple"


async def whoami(request: Request) -> JSONResponse:
    p = principal_of(request)
    return JSONResponse({"subject": p.subject, "tenant": p.tenant, "method": p.method.value})


async def admin_only(request: Request) -> JSONResponse:
    if "admin" not in principal_of(request).roles:
        raise PermissionDenied("energy_community/Tariff", "update")
    return JSONResponse({"ok": True})


@pytest.fixture
def setup(tmp_path: Path, fast_hasher: PasswordHasher) -> Iterator[tuple[TestClient, str, str]]:
    engine = create_engine(f"sqlite:///{tmp_path / 'auth.sqlite'}")
    create_auth_tables(engine)
    keys = ApiKeys(engine, pepper=b"pepper")
    key = keys.create("t1", "gateway", roles=["integration"]).key
    accounts = LocalAccounts(engine, hasher=fast_hasher)
    accounts.create("t1", "anna", PASSWORD, roles=["staff"])
    sessions = SessionTokens(b"0123456789abcdef0123456789abcdef")
    session = accounts.login("t1", "anna", PASSWORD, sessions).token
    oidc = OidcAuthenticator(
        OidcSettings(
            issuer=ISSUER, audience=AUDIENCE, jwks=StaticJwks({"keys": [jwk_of(KEY, "k1")]})
        )
    )
    authenticator = Authenticator(oidc=oidc, api_keys=keys, sessions=sessions)
    app = Starlette(
        routes=[Route("/whoami", whoami), Route("/admin", admin_only)],
        middleware=[Middleware(AuthMiddleware, authenticator=authenticator)],
        exception_handlers=EXCEPTION_HANDLERS,
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, key, session
    engine.dispose()


def oidc_token(**extra: object) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "tenant": "t1", "exp": now + 60}
    return jwt.encode({**claims, **extra}, KEY, algorithm="RS256", headers={"kid": "k1"})


def test_every_credential_kind_and_anonymous(setup: tuple[TestClient, str, str]) -> None:
    client, key, session = setup
    assert client.get("/whoami").json()["method"] == "anonymous"
    by_key = client.get("/whoami", headers={"X-API-Key": key}).json()
    assert by_key["method"] == "api-key" and by_key["tenant"] == "t1"
    assert client.get("/whoami", headers={"Authorization": f"Bearer {key}"}).json()["method"] == (
        "api-key"
    )
    by_session = client.get("/whoami", headers={"Authorization": f"Bearer {session}"}).json()
    assert by_session["method"] == "session"
    by_oidc = client.get("/whoami", headers={"Authorization": f"Bearer {oidc_token()}"}).json()
    assert by_oidc == {"subject": "alice", "tenant": "t1", "method": "oidc"}


# Headers are built when the test runs, not at collection: a token minted at collection with a
# 60 s lifetime is already expired by the time a long suite reaches this test.
@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        (lambda: {"Authorization": "Bearer " + "x.y.z"}, "malformed-token"),
        (lambda: {"Authorization": "Basic YW5uYTpzZWNyZXQ="}, "unsupported-scheme"),
        (lambda: {"X-API-Key": "mk_aaaaaaaaaaaa_wrong"}, "invalid-api-key"),
        (
            lambda: {"Authorization": "Bearer " + oidc_token(exp=int(time.time()) - 600)},
            "token-expired",
        ),
        (lambda: {"Authorization": "Bearer " + oidc_token(aud="other")}, "wrong-audience"),
    ],
)
def test_refused_credentials_answer_401_json(
    setup: tuple[TestClient, str, str], headers: Callable[[], dict[str, str]], reason: str
) -> None:
    client, _, _ = setup
    response = client.get("/whoami", headers=headers())
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["error"] == "unauthenticated" and body["reason"] == reason and body["message"]
    assert "Traceback" not in response.text
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


def test_permission_denied_answers_403_json(setup: tuple[TestClient, str, str]) -> None:
    client, key, _ = setup
    response = client.get("/admin", headers={"X-API-Key": key})
    assert response.status_code == 403
    assert response.json() == {
        "error": "forbidden",
        "code": "forbidden",
        "class": "energy_community/Tariff",
        "operation": "update",
        "message": "not allowed to update energy_community/Tariff",
    }
