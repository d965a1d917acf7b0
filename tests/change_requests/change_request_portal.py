"""The change-request tests' client of the served API (a module of its own: test modules
import it by a name no other test folder uses, unlike `conftest`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.testclient import TestClient

from meshkit.runtime import Repository


@dataclass
class Portal:
    """The served API, the repository behind it and the seed's ids."""

    http: TestClient
    repo: Repository
    ids: dict[str, str]
    tokens: dict[str, str]

    def run(self, user: str, query: str, **variables: Any) -> dict[str, Any]:
        response = self.http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {self.tokens[user]}"},
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    def data(self, user: str, query: str, **variables: Any) -> dict[str, Any]:
        body = self.run(user, query, **variables)
        assert "errors" not in body, body["errors"]
        return body["data"]  # type: ignore[no-any-return]

    def errors(self, user: str, query: str, **variables: Any) -> list[dict[str, Any]]:
        body = self.run(user, query, **variables)
        assert body.get("errors"), body
        return body["errors"]  # type: ignore[no-any-return]
