"""Serving: the Starlette app in dev mode (GraphiQL, tenant header, health, ready), the SDL
export and the `meshkit graphql sdl` command."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from meshkit.apps.cli import app as cli
from meshkit.ck import CompiledModel
from meshkit.runtime import Repository
from meshkit.runtime.graphql import ApiSettings, ModelSchema, RequestContext, create_app

COUNT = {"query": "{ energyCommunities { totalCount } }"}
CREATE = {
    "query": """mutation($input: EnergyCommunityCreateInput!) {
        createEnergyCommunity(input: $input) { name kind } }""",
    "variables": {
        "input": {
            "name": "Sonnenstrom",
            "communityId": "AT0030000000000RC10013000000000001"[:33],
            "ecNumber": "RC100130",
            "kind": "EEG_LOCAL",
            "gridOperatorId": "AT003000",
            "address": {"street": "Sonnenweg", "postalCode": "4020", "city": "Linz"},
        }
    },
}


@pytest.fixture
def http(ec_model: CompiledModel, ec_repo: Repository) -> Iterator[TestClient]:
    app = create_app(ec_model, ec_repo, settings=ApiSettings(dev=True))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_graphql_over_http(http: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tenants apart, GraphiQL, health and readiness, and no trace of an internal error."""
    created = http.post("/graphql", json=CREATE, headers={"X-Meshkit-Tenant": "acme"})
    assert created.status_code == 200
    assert created.json() == {
        "data": {"createEnergyCommunity": {"name": "Sonnenstrom", "kind": "EEG_LOCAL"}}
    }
    acme = http.post("/graphql", json=COUNT, headers={"X-Meshkit-Tenant": "acme"})
    assert acme.json()["data"]["energyCommunities"]["totalCount"] == 1
    dev = http.post("/graphql", json=COUNT)  # the dev default tenant sees nothing of acme's
    assert dev.json()["data"]["energyCommunities"]["totalCount"] == 0
    bad = http.post("/graphql", json=COUNT, headers={"X-Meshkit-Tenant": "no spaces"})
    assert bad.status_code == 400
    refused = http.get(
        "/graphql", params={"query": 'mutation { eraseTariff(id: "x") { erasedIds } }'}
    )
    assert refused.status_code == 400  # no mutations over GET
    # a query over the websocket; dev identity from the connection_init payload
    with http.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"X-Meshkit-Tenant": "acme"}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "q", "type": "subscribe", "payload": COUNT})
        message = ws.receive_json()
        assert message["payload"]["data"]["energyCommunities"]["totalCount"] == 1
        assert ws.receive_json() == {"id": "q", "type": "complete"}
    page = http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
    assert http.get("/health").json() == {"status": "ok"}
    ready = http.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"

    def broken(*_args: object, **_kwargs: object) -> None:
        raise KeyError("password=hunter2")

    # what every read of both paths (compiled reads, graphql-core's) goes through
    monkeypatch.setattr(RequestContext, "reader", property(broken))
    response = http.post("/graphql", json={"query": "{ tariffs { nodes { name } } }"})
    assert response.status_code == 200
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL"
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text


def test_sdl_of_the_energy_community_model(ec_schema: ModelSchema) -> None:
    sdl = ec_schema.as_str()
    for expected in (
        "interface Participant implements Entity & Node",
        "type NaturalPerson implements Participant & Entity & Node",
        "type MeteringPoint implements Entity & Node",
        'interface Node {\n  """A UUID."""\n  id: ID!\n}',
        "node(id: ID!): Node",
        "enum CommunityKind {",
        "  EEG_REGIONAL\n",
        "scalar Decimal",
        "input AddressInput",
        "type Address {",
        "  meteringPoints(\n    filter: MeteringPointFilter\n    orderBy: [MeteringPointOrderBy!]",
        "): MeteringPointConnection!",
        "type PaymentDocumentsEdge {",  # link attribute `amount` on the edge
        "participationsAggregate(filter: ParticipationFilter, groupBy: [ParticipationGroupBy!])",
        "createInvoice(input: InvoiceCreateInput!): Invoice!",
        "lineItems: [LineItemWithoutDocumentInput!]",  # nested composition parts
        "    expectedVersion: Int!\n    input: MeteringPointUpdateInput!\n  ): MeteringPoint!",
        "linkPaymentDocuments(id: ID!, otherId: ID!, attributes: PaymentDocumentsLinkInput)",
        "participants: ParticipantListFilter",
    ):
        assert expected in sdl, expected
    # How long building takes is a benchmark's business (bench/graphql_schema.py), not a test's.
    assert ec_schema.build_ms > 0


def test_sdl_command() -> None:
    result = CliRunner().invoke(cli, ["graphql", "sdl"])
    assert result.exit_code == 0, result.output
    assert "type EnergyCommunity implements NamedEntity & Entity" in result.output
