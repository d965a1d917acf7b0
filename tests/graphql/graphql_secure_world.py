"""A served API with authentication and the energy-community policy, for the security tests.

Tenant t1: members a and b (natural persons with IBANs and birth dates), a company; metering
points point_a, point_b and `shared` (b's until 2023, a's since 2024); a final and a draft
invoice of a, a final invoice and a payment of b. Tenant t2: member x. Local accounts anna (a),
bert (b), sam (staff) and ada (admin), all with PASSWORD.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from secure_seed import IBAN_A, seed
from starlette.testclient import TestClient

from meshkit.ck import CompiledModel
from meshkit.runtime import Repository
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


@dataclass
class Served:
    http: TestClient
    repo: Repository
    ids: dict[str, str]
    tokens: dict[str, str]

    def headers(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def run(self, user: str | None, query: str, **variables: Any) -> dict[str, Any]:
        headers = self.headers(user) if user else {}
        response = self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def data(self, user: str | None, query: str, **variables: Any) -> dict[str, Any]:
        body = self.run(user, query, **variables)
        assert "errors" not in body, body["errors"]
        return body["data"]  # type: ignore[no-any-return]

    def errors(self, user: str | None, query: str, **variables: Any) -> list[dict[str, Any]]:
        body = self.run(user, query, **variables)
        assert body.get("errors"), body
        return body["errors"]  # type: ignore[no-any-return]


_policies: dict[str, Policy] = {}


def policy_of(model: CompiledModel) -> Policy:
    """The model's policy, compiled once per model version (compiling takes ~0.5 s)."""
    key = f"{model.root} {model.version}"
    if key not in _policies:
        _policies[key] = Policy.for_model(model, MODEL_DIR)
    return _policies[key]


@contextmanager
def served(
    model: CompiledModel, repo: Repository, settings: ApiSettings | None = None
) -> Iterator[Served]:
    """The seeded repository behind the secure app, with a session token per user."""
    ids = seed(repo, emails=True)
    create_auth_tables(repo.engine)
    accounts = LocalAccounts(
        repo.engine, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    for user, roles, participant in (
        ("anna", ["member"], ids["a"]),
        ("bert", ["member"], ids["b"]),
        ("sam", ["staff"], None),
        ("ada", ["admin"], None),
    ):
        accounts.create("t1", user, PASSWORD, roles=roles, participant_id=participant)
    sessions = SessionTokens(b"s" * 32, lifetime=timedelta(minutes=15))
    app = create_app(
        model,
        repo,
        policy=policy_of,
        authenticator=Authenticator(sessions=sessions),
        accounts=accounts,
        sessions=sessions,
        settings=settings or ApiSettings(login_tenant="t1"),
    )
    with TestClient(app, raise_server_exceptions=False) as http:
        tokens = {}
        for user in ("anna", "bert", "sam", "ada"):
            response = http.post("/auth/login", json={"username": user, "password": PASSWORD})
            assert response.status_code == 200, response.text
            tokens[user] = response.json()["token"]
        yield Served(http, repo, ids, tokens)


__all__ = ["IBAN_A", "MODEL_DIR", "PASSWORD", "Served", "policy_of", "seed", "served"]
