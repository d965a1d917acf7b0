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
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
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
ADDRESS = {"street": "Sonnenweg", "house_number": "1", "postal_code": "4020", "city": "Linz"}
IBAN_A = "AT611904300234573201"
IBAN_B = "AT483200000012345864"


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


def seed(repo: Repository) -> dict[str, str]:
    ids: dict[str, str] = {}
    with repo.unit_of_work(tenant="t1", actor="seed") as uow:
        community = uow.create(
            "EnergyCommunity",
            {
                "name": "Sonnenstrom",
                "community_id": "AT00300000000RC100130000000000001",
                "ec_number": "RC100130",
                "kind": "eeg_local",
                "grid_operator_id": "AT003000",
                "address": ADDRESS,
                "bank_account": {"iban": "AT026000000001349870", "holder": "EEG Sonnenstrom"},
            },
        )
        ids["community"] = community["id"]
        for name, iban, number in (("a", IBAN_A, "M-A"), ("b", IBAN_B, "M-B")):
            ids[name] = uow.create(
                "NaturalPerson",
                {
                    "member_number": number,
                    "first_name": name.upper(),
                    "last_name": "Huber",
                    "birth_date": date(1980, 5, 17),
                    "email": f"{name}@example.org",
                    "address": ADDRESS,
                    "bank_account": {"iban": iban, "holder": f"{name.upper()} Huber"},
                    "joined_on": date(2023, 1, 1),
                    "community": community["id"],
                },
            )["id"]
        ids["company"] = uow.create(
            "LegalPerson",
            {
                "member_number": "M-C",
                "company_name": "Maier GmbH",
                "address": ADDRESS,
                "joined_on": date(2023, 1, 1),
                "community": community["id"],
            },
        )["id"]
        for n, key in enumerate(("point_a", "point_b", "shared"), start=1):
            ids[key] = uow.create(
                "MeteringPoint",
                {
                    "metering_point_id": f"AT0030000000000000000000{n:09d}",
                    "direction": "consumption",
                    "grid_operator_id": "AT003000",
                },
            )["id"]
        for key, point, member, start, end in (
            ("part_a", "point_a", "a", date(2023, 1, 1), None),
            ("part_b", "point_b", "b", date(2023, 1, 1), None),
            ("shared_b", "shared", "b", date(2023, 1, 1), date(2023, 12, 31)),
            ("shared_a", "shared", "a", date(2024, 1, 1), None),
        ):
            values: dict[str, Any] = {
                "valid_from": start,
                "metering_point": ids[point],
                "community": community["id"],
                "participant": ids[member],
            }
            if end is not None:
                values["valid_to"] = end
            ids[key] = uow.create("Participation", values)["id"]
        invoices = (("invoice_a", "a", "final"), ("draft_a", "a", "draft"))
        for key, member, state in (*invoices, ("invoice_b", "b", "final")):
            # Documents start as drafts; finalising is an update (the billing rules number them).
            draft = uow.create(
                "Invoice",
                {
                    "community": community["id"],
                    "recipient": ids[member],
                    "document_state": "draft",
                    "issue_date": date(2024, 2, 1),
                },
            )
            if state != "draft":
                uow.update("Invoice", draft["id"], {"document_state": state}, draft["version"])
            ids[key] = draft["id"]
        ids["payment_b"] = uow.create(
            "Payment",
            {
                "amount": "99.00",
                "method": "sepa_direct_debit",
                "direction": "incoming",
                "community": community["id"],
                "participant": ids["b"],
            },
        )["id"]
    with repo.unit_of_work(tenant="t2", actor="seed") as uow:
        other = uow.create(
            "EnergyCommunity",
            {
                "name": "Windkraft",
                "community_id": "AT00300000000RC100130000000000002",
                "ec_number": "RC100131",
                "kind": "eeg_local",
                "grid_operator_id": "AT003000",
                "address": ADDRESS,
            },
        )
        ids["x"] = uow.create(
            "NaturalPerson",
            {
                "member_number": "M-X",
                "first_name": "X",
                "last_name": "Maier",
                "address": ADDRESS,
                "joined_on": date(2023, 1, 1),
                "community": other["id"],
            },
        )["id"]
    return ids


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
    ids = seed(repo)
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
