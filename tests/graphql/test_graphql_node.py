"""Relay object identification: every entity type implements `Node`, `node(id)` finds an
entity of any class by its id — in two statements, inside the tenant and the policy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from graphql import GraphQLInterfaceType, GraphQLObjectType
from graphql_client import Client, statements
from graphql_secure_world import Served, served
from graphql_world import build_world

from meshkit.ck import CompiledModel
from meshkit.runtime import Repository
from meshkit.runtime.graphql import ModelSchema

NODE = """query Node($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on Participant { memberNumber }
    ... on NaturalPerson { lastName }
    ... on MeteringPoint { meteringPointId participations { nodes { participationFactor } } }
    ... on Tariff { name community { name } }
  }
}"""


def test_every_entity_type_is_a_node(ec_schema: ModelSchema, ec_model: CompiledModel) -> None:
    schema = ec_schema.graphql_schema
    node = schema.type_map["Node"]
    assert isinstance(node, GraphQLInterfaceType)
    entity_types = [
        t
        for t in schema.type_map.values()
        if isinstance(t, GraphQLObjectType | GraphQLInterfaceType)
        and any(i.name == "Entity" for i in t.interfaces)
    ]
    # every class of the model but the abstract root `Entity` itself
    assert len(entity_types) >= len(ec_model.classes) - 1
    for t in entity_types:
        assert node in t.interfaces, t.name
    assert node in schema.type_map["Entity"].interfaces  # type: ignore[attr-defined]
    assert {o.name for o in schema.get_possible_types(node)} >= {
        "NaturalPerson",
        "LegalPerson",
        "MeteringPoint",
        "Participation",
        "Invoice",
    }
    field = schema.query_type.fields["node"]
    assert field.type is node and "id" in field.args


def test_node_finds_any_class_by_id(ec: Client, ec_repo: Repository) -> None:
    world = build_world(ec_repo, communities=2, members=2)
    person = world.participants[0]  # a natural person (even members)
    point = world.points[1]
    tariff = world.tariffs[1]

    data = ec.data(NODE, id=person["id"])["node"]
    assert data == {
        "__typename": "NaturalPerson",
        "id": person["id"],
        "memberNumber": person["member_number"],
        "lastName": person["last_name"],
    }
    data = ec.data(NODE, id=point["id"])["node"]
    factors = [
        p["participation_factor"]
        for p in world.participations
        if p["metering_point"] == point["id"]
    ]
    assert data == {
        "__typename": "MeteringPoint",
        "id": point["id"],
        "meteringPointId": point["metering_point_id"],
        "participations": {"nodes": [{"participationFactor": f} for f in factors]},
    }
    data = ec.data(NODE, id=tariff["id"])["node"]
    assert data["__typename"] == "Tariff" and data["name"] == tariff["name"]
    assert data["community"]["name"] == world.communities[1]["name"]

    # what is not there is null: an unknown id, an id of another tenant
    assert ec.data(NODE, id="00000000-0000-4000-8000-000000000000")["node"] is None
    other = build_world(ec_repo, communities=1, members=1, tenant="t2", first=5)
    assert ec.data(NODE, id=other.participants[0]["id"])["node"] is None
    assert Client(ec.schema, ec_repo, tenant="t2").data(NODE, id=other.participants[0]["id"])[
        "node"
    ] == {
        "__typename": "NaturalPerson",
        "id": other.participants[0]["id"],
        "memberNumber": other.participants[0]["member_number"],
        "lastName": other.participants[0]["last_name"],
    }


def test_node_costs_two_statements_whatever_the_table(ec: Client, ec_repo: Repository) -> None:
    world = build_world(ec_repo, communities=1, members=2)
    counts = []
    for entity in (world.participants[1], world.points[0], world.communities[0]):
        with statements(ec_repo.engine) as seen:
            assert ec.data("query($id: ID!) { node(id: $id) { id } }", id=entity["id"])["node"]
        counts.append(len(seen))
    assert counts == [2, 2, 2]  # where the id lives (one UNION ALL), then the entity


@pytest.fixture
def api(ec_model: CompiledModel, ec_repo: Repository) -> Iterator[Served]:
    with served(ec_model, ec_repo) as s:
        yield s


def test_node_keeps_to_the_policy(api: Served) -> None:
    ids = api.ids
    query = "query($id: ID!) { node(id: $id) { id ... on NaturalPerson { firstName } } }"
    # another member's data is null, as if it did not exist — whatever its class
    for key in ("b", "point_b", "part_b", "invoice_b", "payment_b", "x"):
        assert api.data("anna", query, id=ids[key])["node"] is None, key
    assert api.data("anna", query, id=ids["a"])["node"] == {"id": ids["a"], "firstName": "A"}
    assert api.data("anna", query, id=ids["point_a"])["node"] == {"id": ids["point_a"]}
    # staff and admins read everyone's
    assert api.data("sam", query, id=ids["b"])["node"] == {"id": ids["b"], "firstName": "B"}
    assert api.data("ada", query, id=ids["payment_b"])["node"] == {"id": ids["payment_b"]}
    # anonymous: no data at all
    errors = api.errors(None, query, id=ids["a"])
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
