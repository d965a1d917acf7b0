"""Subscriptions over graphql-transport-ws: events of a class with the entity's current state,
filtered by the policy (a member hears only about their own rows), resumable from a position."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from graphql_secure_world import Served, served
from starlette.testclient import WebSocketTestSession

from meshkit.ck import CompiledModel
from meshkit.runtime import Repository

PROTOCOL = "graphql-transport-ws"
PARTICIPANTS = """subscription($after: BigInt) {
  participantEvents(after: $after, kinds: [UPDATED]) {
    position kind entityId changed
    entity { id email ... on NaturalPerson { firstName } }
  }
}"""
POINTS = """subscription($after: BigInt) {
  meteringPointEvents(after: $after, filter: {direction: {eq: GENERATION}}) {
    position kind entity { meteringPointId }
  }
}"""
UPDATE = """mutation($id: ID!, $v: Int!, $email: String!) {
  updateNaturalPerson(id: $id, expectedVersion: $v, input: {email: $email}) { id } }"""
CREATE_POINT = """mutation($id: String!, $direction: EnergyDirection!) {
  createMeteringPoint(input: {meteringPointId: $id, direction: $direction,
                              gridOperatorId: "AT003000"}) { id } }"""


@pytest.fixture
def api(ec_model: CompiledModel, ec_repo: Repository) -> Iterator[Served]:
    with served(ec_model, ec_repo) as s:
        yield s


def connect(ws: WebSocketTestSession, payload: dict[str, Any] | None = None) -> None:
    ws.send_json({"type": "connection_init", "payload": payload or {}})
    assert ws.receive_json()["type"] == "connection_ack"


def subscribe(ws: WebSocketTestSession, query: str, **variables: Any) -> None:
    ws.send_json(
        {"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}}
    )


def next_payload(ws: WebSocketTestSession) -> dict[str, Any]:
    message = ws.receive_json()
    assert message["type"] == "next", message
    assert "errors" not in message["payload"], message["payload"]
    return message["payload"]["data"]  # type: ignore[no-any-return]


def test_a_member_hears_only_about_their_own_rows(api: Served) -> None:
    ids = api.ids
    # the token in the connection_init payload, as a browser sends it
    with api.http.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        connect(ws, {"Authorization": f"Bearer {api.tokens['anna']}"})
        subscribe(ws, PARTICIPANTS)
        # b's change first: anna must not hear of it; then her own
        api.data("ada", UPDATE, id=ids["b"], v=1, email="b2@example.org")
        api.data("ada", UPDATE, id=ids["a"], v=1, email="a2@example.org")
        event = next_payload(ws)["participantEvents"]
        assert event["entityId"] == ids["a"]
        assert event["kind"] == "UPDATED"
        assert event["changed"] == ["email"]
        assert event["entity"] == {"id": ids["a"], "email": "a2@example.org", "firstName": "A"}
        ws.send_json({"id": "1", "type": "complete"})
    # staff hear of both, with the header instead of the payload
    with api.http.websocket_connect(
        "/graphql", subprotocols=[PROTOCOL], headers=api.headers("sam")
    ) as ws:
        connect(ws)
        subscribe(ws, PARTICIPANTS, after=0)
        seen = [next_payload(ws)["participantEvents"]["entityId"] for _ in range(2)]
        assert seen == [ids["b"], ids["a"]]


def test_anonymous_and_refused_subscriptions(api: Served) -> None:
    with api.http.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        ws.send_json({"type": "connection_init", "payload": {}})
        message = ws.receive()
        assert message["type"] == "websocket.close" and message["code"] == 4403
    with api.http.websocket_connect(
        "/graphql", subprotocols=[PROTOCOL], headers=api.headers("sam")
    ) as ws:
        connect(ws)
        subscribe(
            ws,
            """subscription {
                naturalPersonEvents(filter: {birthDate: {isNull: true}}) { position } }""",
        )
        message = ws.receive_json()
        assert message["type"] == "error"
        assert message["payload"][0]["extensions"]["reason"] == "attribute-hidden"
    over_http = api.errors("ada", "subscription { tariffEvents { position } }")
    assert over_http[0]["extensions"]["code"] == "NOT_SUPPORTED"


def test_resume_after_a_reconnect(api: Served) -> None:
    def point(n: int, direction: str = "GENERATION") -> None:
        api.data(
            "ada", CREATE_POINT, id=f"AT0030000000000000000000{100 + n:09d}", direction=direction
        )

    with api.http.websocket_connect(
        "/graphql", subprotocols=[PROTOCOL], headers=api.headers("ada")
    ) as ws:
        connect(ws)
        subscribe(ws, POINTS)
        point(1)
        first = next_payload(ws)["meteringPointEvents"]
        assert first["entity"]["meteringPointId"].endswith("101")
        assert first["kind"] == "CREATED"
    # disconnected: two more generation points, one consumption point (filtered out)
    point(2)
    point(3, "CONSUMPTION")
    point(4)
    with api.http.websocket_connect(
        "/graphql", subprotocols=[PROTOCOL], headers=api.headers("ada")
    ) as ws:
        connect(ws)
        subscribe(ws, POINTS, after=first["position"])
        missed = [next_payload(ws)["meteringPointEvents"] for _ in range(2)]
        assert [m["entity"]["meteringPointId"][-3:] for m in missed] == ["102", "104"]
        assert missed[0]["position"] > first["position"]
        # and it goes on live
        point(5)
        assert next_payload(ws)["meteringPointEvents"]["entity"]["meteringPointId"][-3:] == "105"
