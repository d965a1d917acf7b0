"""Server processes of the browser-session tests: the API with local accounts and sessions kept
in the database, on a clock the test moves; several may share one database."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher

from meshkit.adapters.excel.http import import_routes
from meshkit.ck import CompiledModel
from meshkit.runtime import Repository, create_engine
from meshkit.runtime.auth import (
    LocalAccounts,
    OidcSignIn,
    Policy,
    SessionStore,
    SessionTokens,
    create_auth_tables,
)
from meshkit.runtime.graphql import ApiSettings, create_app

with warnings.catch_warnings():  # starlette 1.x would rather have httpx2 for its client
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

PASSWORD = "correct horse battery staple"
SECRET = b"browser-session-secret-0123456789"
VIEWER = "{ viewer { subject tenant roles method } }"


@dataclass
class Clock:
    # Starts now: session tokens (JWTs) are checked against the real time.
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Server:
    """One server process: its client (a browser with a cookie jar) and what it runs on."""

    http: TestClient
    accounts: LocalAccounts
    store: SessionStore

    def login(self, username: str = "anna", **extra: Any) -> dict[str, Any]:
        response = self.http.post(
            "/auth/login",
            json={"username": username, "password": PASSWORD, "session": "cookie", **extra},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def token(self, username: str = "anna") -> str:
        response = self.http.post("/auth/login", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return str(response.json()["token"])


def add_accounts(database_url: str) -> None:
    engine = create_engine(database_url)
    create_auth_tables(engine)
    accounts = LocalAccounts(engine, hasher=fast_hasher())
    accounts.create("t1", "anna", PASSWORD, roles=["member"], participant_id="p-anna")
    accounts.create("t1", "ada", PASSWORD, roles=["admin"])
    engine.dispose()


def fast_hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@contextmanager
def server(
    database_url: str,
    model: CompiledModel,
    policy: Policy,
    clock: Clock,
    *,
    oidc: OidcSignIn | None = None,
    base_url: str = "http://testserver",
    idle: timedelta = timedelta(minutes=30),
    max_age: timedelta = timedelta(hours=2),
) -> Iterator[Server]:
    """A server process of its own (own engine, own in-process state) on `database_url`."""
    engine = create_engine(database_url)
    store = SessionStore(engine, idle_timeout=idle, max_age=max_age, clock=clock)
    sessions = SessionTokens(SECRET, store=store)
    accounts = LocalAccounts(engine, hasher=fast_hasher(), clock=clock)
    app = create_app(
        model,
        Repository(engine, model),
        policy=policy,
        accounts=accounts,
        sessions=sessions,
        oidc_signin=oidc,
        settings=ApiSettings(login_tenant="t1", graphiql=False),
    )
    app.router.routes.extend(import_routes())  # the Excel upload: a POST route of its own
    try:
        with TestClient(app, base_url=base_url, raise_server_exceptions=False) as http:
            yield Server(http, accounts, store)
    finally:
        engine.dispose()
