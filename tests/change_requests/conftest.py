"""Fixtures of the change-request tests: the seeded community (tests/secure_seed.py) served
through the GraphQL API with the energy-community policy, on both databases.

Accounts: anna (member a), bert (member b), sam (staff), ada (admin, the operator).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from change_request_portal import Portal
from secure_seed import seed
from starlette.testclient import TestClient

from meshkit.ck import CompiledModel, compile_model
from meshkit.runtime import Repository, create_engine
from meshkit.runtime.auth import (
    Authenticator,
    LocalAccounts,
    Policy,
    SessionTokens,
    create_auth_tables,
)
from meshkit.runtime.graphql import ApiSettings, create_app

MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "energy_community"
PASSWORD = "correct horse battery staple"
USERS = (
    ("anna", "member", "a"),
    ("bert", "member", "b"),
    ("sam", "staff", None),
    ("ada", "admin", None),
)


@pytest.fixture(scope="session")
def ec_model() -> CompiledModel:
    return compile_model(MODEL_DIR)


@pytest.fixture(scope="session")
def ec_policy(ec_model: CompiledModel) -> Policy:
    return Policy.for_model(ec_model, MODEL_DIR)


@pytest.fixture
def portal(database_url: str, ec_model: CompiledModel, ec_policy: Policy) -> Iterator[Portal]:
    engine = create_engine(database_url)
    repo = Repository(engine, ec_model)
    repo.create_tables()
    ids = seed(repo, emails=True)
    create_auth_tables(engine)
    accounts = LocalAccounts(
        engine, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    for user, role, member in USERS:
        participant = ids[member] if member else None
        accounts.create("t1", user, PASSWORD, roles=[role], participant_id=participant)
    sessions = SessionTokens(b"c" * 32, lifetime=timedelta(minutes=15))
    app = create_app(
        ec_model,
        repo,
        policy=ec_policy,
        authenticator=Authenticator(sessions=sessions),
        accounts=accounts,
        sessions=sessions,
        settings=ApiSettings(login_tenant="t1"),
    )
    with TestClient(app, raise_server_exceptions=False) as http:
        tokens = {}
        for user, _role, _member in USERS:
            response = http.post("/auth/login", json={"username": user, "password": PASSWORD})
            assert response.status_code == 200, response.text
            tokens[user] = response.json()["token"]
        yield Portal(http, repo, ids, tokens)
    engine.dispose()
