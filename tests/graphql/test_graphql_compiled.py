"""Compiled reads answer exactly as the general path does, in one statement on PostgreSQL.

Every request here runs twice — compiled reads on, then off (graphql-core over the batched
reads) — and the two responses must be the same JSON text: data, key order, cursors, errors.
On PostgreSQL the compiled answer must have taken one statement; on SQLite compiled reads
decline and both runs are the general path (the same assertions about the data hold).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from graphql_client import Client, statements
from graphql_world import build_world
from secure_seed import seed

from meshkit.ck import CompiledModel
from meshkit.runtime import Repository
from meshkit.runtime.auth import ANONYMOUS, Policy, Principal
from meshkit.runtime.graphql import ModelSchema, RequestContext, build_schema

POLICY = Path(__file__).resolve().parents[2] / "models" / "energy_community" / "_policy"


def _postgresql(repo: Repository) -> bool:
    return repo.engine.dialect.name == "postgresql"


def _run(
    schema: ModelSchema, context: RequestContext, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    result = schema.execute_sync(query, variables or None, context)
    response: dict[str, Any] = {"data": result.data}
    if result.errors:
        response["errors"] = [e.formatted for e in result.errors]
    return response


def _both(
    schema: ModelSchema,
    repo: Repository,
    context: Any,
    query: str,
    *,
    compiled: bool = True,
    **variables: Any,
) -> dict[str, Any]:
    """The response (the same from both paths); `compiled`: PostgreSQL answered it in one
    statement (else: in more, by the general path)."""
    with statements(repo.engine) as seen:
        fast = _run(schema, context(), query, variables)
    saved, schema.compiled_reads = schema.compiled_reads, None
    try:
        general = _run(schema, context(), query, variables)
    finally:
        schema.compiled_reads = saved
    assert json.dumps(fast) == json.dumps(general)
    if _postgresql(repo):
        built = [s for s in seen if s.startswith("SELECT CAST(json_build_object(")]
        assert (len(seen) == len(built) == 1) if compiled else not built, seen
    return fast


def _data(client: Client, query: str, *, compiled: bool = True, **variables: Any) -> Any:
    def context() -> RequestContext:
        return RequestContext(client.repository, tenant=client.tenant, actor="tester")

    response = _both(
        client.schema, client.repository, context, query, compiled=compiled, **variables
    )
    assert "errors" not in response, response["errors"]
    return response["data"]


TREE = """{ energyCommunities(first: 10, orderBy: [{name: ASC}]) {
    __typename totalCount
    pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
    nodes {
      __typename id name kind
      participants(first: 10, orderBy: [{memberNumber: ASC}]) {
        totalCount
        nodes {
          __typename memberNumber joinedOn
          tariff { name consumptionPrice validFrom }
          participations(first: 5, orderBy: [{validFrom: DESC}]) { nodes {
            participationFactor validFrom
            meteringPoint { meteringPointId direction }
          } }
        }
      }
    }
} }"""


def test_a_tree_of_four_levels_in_one_statement(ec: Client, ec_repo: Repository) -> None:
    world = build_world(ec_repo, communities=3, members=4, points=2)
    data = _data(ec, TREE)["energyCommunities"]
    assert data["__typename"] == "EnergyCommunityConnection"
    assert data["totalCount"] == 3
    assert data["pageInfo"]["hasNextPage"] is False
    assert data["pageInfo"]["__typename"] == "PageInfo"
    assert [c["name"] for c in data["nodes"]] == ["Sonnenstrom 1", "Sonnenstrom 2", "Sonnenstrom 3"]
    first = data["nodes"][0]
    assert first["kind"] == "EEG_LOCAL"
    assert first["id"] == world.communities[0]["id"]
    members = first["participants"]
    assert members["totalCount"] == 4
    assert [m["__typename"] for m in members["nodes"]] == [
        "NaturalPerson",
        "LegalPerson",
        "NaturalPerson",
        "LegalPerson",
    ]
    anna = members["nodes"][0]
    assert anna["memberNumber"] == "M0001"
    assert anna["joinedOn"] == "2024-01-01"
    assert anna["tariff"] == {
        "name": "Standard 1",
        "consumptionPrice": "0.120000",
        "validFrom": "2024-01-01",
    }
    factors = [p["participationFactor"] for p in anna["participations"]["nodes"]]
    assert len(factors) == 2 and all(Decimal(f) >= 50 for f in factors)
    dates = [p["validFrom"] for p in anna["participations"]["nodes"]]
    assert dates == sorted(dates, reverse=True)


PAGE = """query($after: String, $before: String, $first: Int, $last: Int) {
  participants(first: $first, after: $after, last: $last, before: $before,
               orderBy: [{memberNumber: DESC}]) {
    edges { cursor node { memberNumber } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  } }"""


def test_paging_forward_and_backward_by_cursor(ec: Client, ec_repo: Repository) -> None:
    build_world(ec_repo, communities=1, members=7)
    expected = [f"M{n:04d}" for n in range(7, 0, -1)]
    seen: list[str] = []
    after = None
    while True:
        page = _data(ec, PAGE, first=3, after=after)["participants"]
        seen.extend(e["node"]["memberNumber"] for e in page["edges"])
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        after = page["pageInfo"]["endCursor"]
    assert seen == expected
    back: list[str] = []
    before = None
    while True:
        page = _data(ec, PAGE, last=3, before=before)["participants"]
        back[:0] = [e["node"]["memberNumber"] for e in page["edges"]]
        assert page["pageInfo"]["hasNextPage"] is (before is not None)
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert back == expected
    empty = _data(ec, PAGE, first=0)["participants"]
    assert empty["edges"] == [] and empty["pageInfo"]["startCursor"] is None


def test_root_by_id_filters_and_aliases(ec: Client, ec_repo: Repository) -> None:
    world = build_world(ec_repo, communities=2, members=3)
    member = world.participants[1]
    query = """query($id: ID!) {
      one: participant(id: $id) { __typename memberNumber community { name } }
      none: participant(id: "00000000-0000-4000-8000-000000000000") { memberNumber }
      local: energyCommunities(filter: {kind: {eq: EEG_LOCAL}}) { n: totalCount nodes { name } }
      some: participants(filter: {memberNumber: {in: ["M0002", "M0005"]}},
                         orderBy: [{memberNumber: ASC}]) { nodes { memberNumber } }
    }"""
    data = _data(ec, query, id=member["id"])
    assert data["one"] == {
        "__typename": "LegalPerson",
        "memberNumber": "M0002",
        "community": {"name": "Sonnenstrom 1"},
    }
    assert data["none"] is None
    assert data["local"] == {"n": 1, "nodes": [{"name": "Sonnenstrom 1"}]}
    assert data["some"]["nodes"] == [{"memberNumber": "M0002"}, {"memberNumber": "M0005"}]


FRAGMENTS = """
query {
  participants(orderBy: [{memberNumber: ASC}]) { nodes {
    __typename memberNumber
    ... on NaturalPerson { firstName lastName tariff { name } }
    ... on LegalPerson { companyName }
    ...Member
    tariff { validFrom }
    community { ... on EnergyCommunity { name } }
  } }
}
fragment Member on Participant { joinedOn memberNumber }
"""


def test_fragments_give_each_type_its_fields(ec: Client, ec_repo: Repository) -> None:
    build_world(ec_repo, communities=1, members=2)
    nodes = _data(ec, FRAGMENTS)["participants"]["nodes"]
    assert nodes == [
        {
            "__typename": "NaturalPerson",
            "memberNumber": "M0001",
            "firstName": "Anna",
            "lastName": "Huber0",
            "tariff": {"name": "Standard 1", "validFrom": "2024-01-01"},
            "joinedOn": "2024-01-01",
            "community": {"name": "Sonnenstrom 1"},
        },
        {
            "__typename": "LegalPerson",
            "memberNumber": "M0002",
            "companyName": "Maier 1 GmbH",
            "joinedOn": "2024-01-02",
            "tariff": {"validFrom": "2024-01-01"},
            "community": {"name": "Sonnenstrom 1"},
        },
    ]
    assert list(nodes[0]) == [
        "__typename",
        "memberNumber",
        "firstName",
        "lastName",
        "tariff",
        "joinedOn",
        "community",
    ]


def test_what_it_cannot_answer_goes_the_general_way(ec: Client, ec_repo: Repository) -> None:
    build_world(ec_repo, communities=1, members=2)
    skipped = """query($no: Boolean!) { participants(orderBy: [{memberNumber: ASC}]) { nodes {
        memberNumber lastName: memberNumber @skip(if: $no) } } }"""
    assert _data(ec, skipped, compiled=False, no=True)["participants"]["nodes"][0] == {
        "memberNumber": "M0001"
    }
    record = "{ energyCommunities { nodes { address { city } } } }"
    assert _data(ec, record, compiled=False)["energyCommunities"]["nodes"] == [
        {"address": {"city": "Linz"}}
    ]
    # errors come from the general path, located as ever
    bad = '{ participants(after: "not a cursor") { totalCount } }'
    response = _both(
        ec.schema,
        ec_repo,
        lambda: RequestContext(ec_repo, tenant="t1", actor="tester"),
        bad,
        compiled=False,
    )
    assert response["errors"][0]["extensions"]["code"] == "INVALID"


def test_plans_are_kept_per_caller_and_variables(ec: Client, ec_repo: Repository) -> None:
    build_world(ec_repo, communities=1, members=2)
    build_world(ec_repo, communities=1, members=3, tenant="t2", first=5)
    query = "query($n: String!) { participants(filter: {memberNumber: {eq: $n}}) { totalCount } }"
    assert _data(ec, query, n="M0001")["participants"]["totalCount"] == 1
    assert _data(ec, query, n="M0009")["participants"]["totalCount"] == 0
    other = Client(ec.schema, ec_repo, tenant="t2")
    assert _data(other, query, n="M5001")["participants"]["totalCount"] == 1
    assert _data(other, query, n="M0001")["participants"]["totalCount"] == 0
    count = "{ participants { totalCount } }"
    assert _data(ec, count)["participants"]["totalCount"] == 2
    assert _data(other, count)["participants"]["totalCount"] == 3


# ====================================================================== every kind of value
@pytest.fixture
def points(grid_repo: Repository) -> Iterator[dict[str, str]]:
    with grid_repo.unit_of_work(tenant="t1", actor="seed") as uow:
        community = uow.create("Community", {"name": "Sonnenweg", "code": "SW1"})
        tariff = uow.create("Tariff", {"name": "Basis", "price": "0.1234", "category": "premium"})
        rows = [
            {
                "number": "AT0001",
                "kind": "generation",
                "capacity": Decimal("0"),
                "started_at": datetime(2024, 3, 1, 6, 30, tzinfo=UTC),
                "commissioned_on": date(2024, 2, 29),
                "active": False,
                "readings": 0,
                "total": 2**40,
                "factor": 0.1,
                "tariff": tariff["id"],
                "community": community["id"],
            },
            {
                "number": "AT0002",
                "kind": "consumption",
                "capacity": Decimal("12.5"),
                "started_at": datetime(2024, 3, 1, 6, 30, 0, 120000, tzinfo=UTC),
                "tariff": tariff["id"],
                "community": community["id"],
            },
        ]
        created = [uow.create("MeteringPoint", row) for row in rows]
        person = uow.create("Person", {"name": "Huber", "first_name": "Anna"})
        company = uow.create("Organisation", {"name": "Maier GmbH", "vat_id": "ATU12345678"})
        uow.link(
            "Community",
            community["id"],
            "members",
            person["id"],
            {"joined_on": "2024-03-01", "share": "12.50"},
        )
        uow.link(
            "Community", community["id"], "members", company["id"], {"joined_on": "2024-01-15"}
        )
    yield {"community": community["id"], "first": created[0]["id"]}


def test_values_as_the_scalars_write_them(grid: Client, points: dict[str, str]) -> None:
    query = """{ meteringPoints(orderBy: [{startedAt: DESC}]) { nodes {
        number kind capacity startedAt commissionedOn active readings total factor
        tariff { price category }
    } } }"""
    nodes = _data(grid, query)["meteringPoints"]["nodes"]
    assert nodes == [
        {
            "number": "AT0002",
            "kind": "CONSUMPTION",
            "capacity": "12.500",
            "startedAt": "2024-03-01T06:30:00.120000+00:00",
            "commissionedOn": None,
            "active": True,
            "readings": None,
            "total": None,
            "factor": None,
            "tariff": {"price": "0.1234", "category": "PREMIUM"},
        },
        {
            "number": "AT0001",
            "kind": "GENERATION",
            "capacity": "0.000",
            "startedAt": "2024-03-01T06:30:00+00:00",
            "commissionedOn": "2024-02-29",
            "active": False,
            "readings": 0,
            "total": 2**40,
            "factor": 0.1,
            "tariff": {"price": "0.1234", "category": "PREMIUM"},
        },
    ]
    # a duration and a flags enum are left to the general path
    assert _data(grid, "{ meteringPoints { nodes { interval } } }", compiled=False)
    assert _data(grid, "{ meteringPoints { nodes { features } } }", compiled=False)


def test_link_attributes_on_edges(grid: Client, points: dict[str, str]) -> None:
    query = """query($id: ID!) { community(id: $id) {
        members(orderBy: [{name: ASC}]) {
          totalCount
          edges { __typename cursor joinedOn share node { __typename name } }
        }
    } }"""
    members = _data(grid, query, id=points["community"])["community"]["members"]
    assert members["totalCount"] == 2
    assert [
        (e["joinedOn"], e["share"], e["node"]["__typename"], e["node"]["name"])
        for e in members["edges"]
    ] == [
        ("2024-03-01", "12.50", "Person", "Huber"),
        ("2024-01-15", None, "Organisation", "Maier GmbH"),
    ]
    back = """{ persons { nodes { communities { edges { joinedOn node { code } } } } } }"""
    assert _data(grid, back)["persons"]["nodes"] == [
        {"communities": {"edges": [{"joinedOn": "2024-03-01", "node": {"code": "SW1"}}]}}
    ]


# ====================================================================== with the policy
Secured = tuple[ModelSchema, Policy, dict[str, str]]


@pytest.fixture
def secured(ec_model: CompiledModel, ec_repo: Repository) -> Secured:
    policy = Policy.compile(ec_model, POLICY / "permissions.yaml")
    ids = seed(ec_repo)
    return build_schema(ec_model, ec_repo.storage, policy=policy), policy, ids


def test_a_member_reads_only_their_own_rows(secured: Secured, ec_repo: Repository) -> None:
    schema, policy, ids = secured
    anna = Principal(
        subject="anna", tenant="t1", roles=frozenset({"member"}), participant_id=ids["a"]
    )

    def context() -> RequestContext:
        return RequestContext(ec_repo, principal=anna, policy=policy)

    query = f"""{{
      participants {{ totalCount nodes {{ id memberNumber }} }}
      meteringPoints(orderBy: [{{meteringPointId: ASC}}]) {{
        totalCount nodes {{ id participations {{ totalCount nodes {{ id }} }} }} }}
      other: participant(id: "{ids["b"]}") {{ id }}
      energyCommunities {{ nodes {{ participants {{ totalCount }} }} }}
    }}"""
    data = _both(schema, ec_repo, context, query)["data"]
    assert data["participants"]["totalCount"] == 1
    assert [n["id"] for n in data["participants"]["nodes"]] == [ids["a"]]
    assert {n["id"] for n in data["meteringPoints"]["nodes"]} == {ids["point_a"], ids["shared"]}
    shared = next(n for n in data["meteringPoints"]["nodes"] if n["id"] == ids["shared"])
    assert shared["participations"]["nodes"] == [{"id": ids["shared_a"]}]
    assert data["other"] is None
    assert [c["participants"]["totalCount"] for c in data["energyCommunities"]["nodes"]] == [1]


def test_an_anonymous_caller_gets_the_usual_error(
    secured: Secured, ec_repo: Repository, caplog: pytest.LogCaptureFixture
) -> None:
    schema, policy, _ = secured

    def context() -> RequestContext:
        return RequestContext(ec_repo, principal=ANONYMOUS, policy=policy)

    with caplog.at_level(logging.WARNING, logger="meshkit.graphql"):
        response = _both(
            schema, ec_repo, context, "{ participants { totalCount } }", compiled=False
        )
    assert response["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert not [r for r in caplog.records if "compiled read failed" in r.getMessage()]
