"""What the apps do through GraphQL: a member reads and marks read only their own notifications;
staff mark their own; nobody rewrites what a notification says."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from notify_world import PASSWORD, World
from starlette.testclient import TestClient

from meshkit.ck import CompiledModel
from meshkit.models.energy_community.behaviours.notifications import Notifier
from meshkit.runtime.auth import Authenticator, Policy, SessionTokens
from meshkit.runtime.graphql import ApiSettings, create_app

MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "energy_community"
LIST = """query($filter: NotificationFilter) {
  notifications(filter: $filter, orderBy: [{createdAt: DESC}]) {
    totalCount
    nodes { id version recipient topic title subjectClass subjectId readAt }
  }
}"""
MARK_READ = """mutation($id: ID!, $version: Int!) {
  updateNotification(id: $id, expectedVersion: $version, input: {readAt: "2026-03-01T08:00:00Z"}) {
    id readAt
  }
}"""


class Api:
    def __init__(self, http: TestClient, tokens: dict[str, str]) -> None:
        self.http = http
        self.tokens = tokens

    def run(self, user: str, query: str, **variables: Any) -> dict[str, Any]:
        response = self.http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {self.tokens[user]}"},
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def notifications(
        self, user: str, unread: bool | None = None, recipient: str | None = None
    ) -> list[dict[str, Any]]:
        conditions: dict[str, Any] = {}
        if unread is not None:
            conditions["readAt"] = {"isNull": unread}
        if recipient is not None:
            conditions["recipient"] = {"eq": recipient}
        body = self.run(user, LIST, filter=conditions)
        assert "errors" not in body, body
        return body["data"]["notifications"]["nodes"]  # type: ignore[no-any-return]


@pytest.fixture
def api(world: World, ec_model: CompiledModel) -> Iterator[Api]:
    world.change_request("a")
    Notifier(world.repo, accounts=world.accounts.accounts, language="en").run_once()
    sessions = SessionTokens(b"n" * 32, lifetime=timedelta(minutes=15))
    policy = Policy.for_model(ec_model, MODEL_DIR)
    app = create_app(
        ec_model,
        world.repo,
        policy=lambda _m: policy,
        authenticator=Authenticator(sessions=sessions),
        accounts=world.accounts,
        sessions=sessions,
        settings=ApiSettings(login_tenant="t1"),
    )
    with TestClient(app, raise_server_exceptions=False) as http:
        tokens = {}
        for user in ("anna", "bert", "sam"):
            login = http.post("/auth/login", json={"username": user, "password": PASSWORD})
            assert login.status_code == 200, login.text
            tokens[user] = login.json()["token"]
        yield Api(http, tokens)


def test_a_member_sees_and_marks_only_their_own(api: Api, world: World) -> None:
    anna = api.notifications("anna")
    assert [(n["topic"], n["subjectId"]) for n in anna] == [
        ("DOCUMENT_AVAILABLE", world.ids["invoice_a"])
    ]
    assert anna[0]["recipient"] == world.account_id("anna")
    assert anna[0]["subjectClass"] == "energy_community/Invoice"
    berts = api.notifications("bert")
    assert len(berts) == 1 and berts[0]["id"] != anna[0]["id"]
    # the operators' news of anna's change request is not hers to see
    assert all(n["topic"] != "CHANGE_REQUEST" for n in anna)

    done = api.run("anna", MARK_READ, id=anna[0]["id"], version=anna[0]["version"])
    assert done["data"]["updateNotification"]["readAt"].startswith("2026-03-01T08:00:00")
    assert api.notifications("anna", unread=True) == []
    assert len(api.notifications("anna", unread=False)) == 1

    # bert's notification: for anna it does not exist
    refused = api.run("anna", MARK_READ, id=berts[0]["id"], version=berts[0]["version"])
    assert refused["errors"] and refused["data"] is None
    assert api.notifications("bert", unread=True)[0]["readAt"] is None


def test_only_read_at_is_writable(api: Api) -> None:
    (mine,) = api.notifications("anna")
    rewrite = api.run(
        "anna",
        """mutation($id: ID!, $version: Int!) {
          updateNotification(id: $id, expectedVersion: $version, input: {title: "Paid!"}) { id }
        }""",
        id=mine["id"],
        version=mine["version"],
    )
    assert rewrite["errors"][0]["extensions"]["code"] == "FORBIDDEN", rewrite


def test_staff_read_all_and_mark_only_their_own(api: Api, world: World) -> None:
    # Staff read every notification of the tenant: the bell asks for the viewer's own.
    assert len(api.notifications("sam")) > 1
    (sams,) = api.notifications("sam", recipient=world.account_id("sam"))
    assert sams["topic"] == "CHANGE_REQUEST"
    done = api.run("sam", MARK_READ, id=sams["id"], version=sams["version"])
    assert "errors" not in done, done
    (adas,) = api.notifications("sam", recipient=world.account_id("ada"))
    refused = api.run("sam", MARK_READ, id=adas["id"], version=adas["version"])
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", refused
