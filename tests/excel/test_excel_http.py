"""The import wizard's HTTP routes: upload -> dry-run report, marked workbook, commit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from excel_support import TENANT, col, count
from starlette.testclient import TestClient

from meshkit.adapters.excel.http import MAX_UPLOAD, import_routes
from meshkit.ck import CompiledModel
from meshkit.runtime import Repository
from meshkit.runtime.auth import LocalAccounts, Policy, SessionTokens, create_auth_tables
from meshkit.runtime.graphql import ApiSettings, create_app

PASSWORD = "correct horse battery staple"
MODEL_DIR = (
    __import__("pathlib").Path(__file__).resolve().parents[2] / "models" / "energy_community"
)


@dataclass
class Site:
    http: TestClient
    tokens: dict[str, str]

    def post(self, path: str, user: str | None, body: bytes = b"", **params: str) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[user]}"} if user else {}
        return self.http.post(path, content=body, headers=headers, params=params)

    def get(self, path: str, user: str) -> Any:
        return self.http.get(path, headers={"Authorization": f"Bearer {self.tokens[user]}"})


@pytest.fixture
def site(repo: Repository, model: CompiledModel) -> Iterator[Site]:
    create_auth_tables(repo.engine)
    accounts = LocalAccounts(
        repo.engine, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    for user, roles in (("ada", ["admin"]), ("sam", ["staff"]), ("other", ["admin"])):
        accounts.create("other" if user == "other" else TENANT, user, PASSWORD, roles=roles)
    sessions = SessionTokens(b"k" * 32, lifetime=timedelta(minutes=15))
    app = create_app(
        model,
        repo,
        policy=Policy.for_model(model, MODEL_DIR),
        accounts=accounts,
        sessions=sessions,
        settings=ApiSettings(login_tenant=TENANT),
    )
    app.router.routes.extend(import_routes())
    with TestClient(app, raise_server_exceptions=False) as http:
        tokens = {}
        for user, tenant in (("ada", TENANT), ("sam", TENANT), ("other", "other")):
            answer = http.post(
                "/auth/login", json={"username": user, "password": PASSWORD, "tenant": tenant}
            )
            assert answer.status_code == 200, answer.text
            tokens[user] = answer.json()["token"]
        yield Site(http, tokens)


def test_upload_reports_then_commit_writes(
    site: Site, repo: Repository, workbook: Callable[..., bytes]
) -> None:
    answer = site.post("/import/xlsx", "ada", workbook(4), file="mitglieder.xlsx")
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["ok"] and report["dryRun"] and not report["committed"]
    assert report["created"]["participant"] == 4 and report["problems"] == []
    assert count(repo, "Participant") == 0  # a dry run writes nothing
    marked = site.get(f"/import/{report['reportId']}/report.xlsx", "ada")
    assert marked.status_code == 200 and marked.content.startswith(b"PK")
    assert "mitglieder-report.xlsx" in marked.headers["content-disposition"]
    done = site.post(f"/import/{report['reportId']}/commit", "ada")
    assert done.status_code == 200, done.text
    assert done.json()["committed"]
    assert count(repo, "Participant") == 4
    again = site.post(f"/import/{report['reportId']}/commit", "ada")
    assert again.status_code == 404  # committed: the upload is gone


def test_problems_come_with_their_cells_and_a_refused_commit_is_422(
    site: Site, repo: Repository, workbook: Callable[..., bytes]
) -> None:
    def bad(rows: list[list[object]]) -> None:
        rows[1][col("IBAN")] = "AT00 0000"

    report = site.post("/import/xlsx", "ada", workbook(3, bad)).json()
    assert not report["ok"]
    (problem,) = [p for p in report["problems"] if p["severity"] == "error"]
    assert problem["row"] == 3 and problem["header"] == "IBAN" and problem["cell"]
    refused = site.post(f"/import/{report['reportId']}/commit", "ada")
    assert refused.status_code == 422
    assert count(repo, "Participant") == 0


def test_who_may_import_and_what_is_refused(site: Site, workbook: Callable[..., bytes]) -> None:
    assert site.post("/import/xlsx", None, workbook(1)).status_code == 401
    staff = site.post("/import/xlsx", "sam", workbook(1))
    assert staff.status_code == 403 and "create Participant" in staff.json()["message"]
    report = site.post("/import/xlsx", "ada", workbook(1)).json()
    # Another tenant's admin does not know this upload.
    other = site.post(f"/import/{report['reportId']}/commit", "other")
    assert other.status_code == 404
    empty = site.post("/import/xlsx", "ada", b"")
    assert empty.status_code == 400 and empty.json()["error"] == "empty"
    broken = site.post("/import/xlsx", "ada", b"not a workbook", file="x.xlsx")
    assert broken.status_code == 200
    assert not broken.json()["ok"]
    assert broken.json()["problems"][0]["code"] == "corrupt"
    problem = broken.json()["problems"][0]
    assert problem["where"] == "x.xlsx" and "not an Excel workbook" in problem["message"]
    too_large = site.http.post(
        "/import/xlsx",
        content=b"x",
        headers={
            "Authorization": f"Bearer {site.tokens['ada']}",
            "Content-Length": str(MAX_UPLOAD + 1),
        },
    )
    assert too_large.status_code == 413
    assert site.post("/import/xlsx", "ada", workbook(1), file="../etc/x").status_code == 400
