"""Queries: by id, connections with every operator class, paging both ways, orderBy,
totalCount, interfaces, aggregates — on the rt_grid test model, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from graphql_client import Client

from meshkit.runtime import Repository

START = datetime(2024, 1, 1, tzinfo=UTC)
KINDS = ("consumption", "generation", "storage")


def _seed(repo: Repository, n: int = 12) -> dict[str, Any]:
    with repo.unit_of_work(tenant="t1", actor="seed") as uow:
        basic = uow.create("Tariff", {"name": "Basic", "price": "0.1000"})
        premium = uow.create(
            "Tariff", {"name": "Premium", "price": "0.3000", "category": "premium"}
        )
        community = uow.create("Community", {"name": "Sonnenweg", "code": "SW1"})
        huber = uow.create("Person", {"name": "Huber", "first_name": "Anna"})
        maier = uow.create("Organisation", {"name": "Maier GmbH", "vat_id": "ATU9"})
        points = [
            uow.create(
                "MeteringPoint",
                {
                    "number": f"AT{i:05d}",
                    "kind": KINDS[i % 3],
                    "capacity": None if i % 4 == 0 else f"{i}.500",
                    "started_at": START + timedelta(days=i),
                    "readings": i,
                    "tariff": (premium if i % 2 else basic)["id"],
                    "owner": (huber, maier, None)[i % 3] and (huber, maier, None)[i % 3]["id"],
                    "community": community["id"],
                },
            )
            for i in range(n)
        ]
        uow.create("Register", {"code": "1.8.0", "metering_point": points[0]["id"]})
        uow.create("Register", {"code": "2.8.0", "metering_point": points[0]["id"]})
        uow.create("Register", {"code": "1.8.0", "metering_point": points[1]["id"]})
    with repo.unit_of_work(tenant="t2", actor="seed") as uow:
        other = uow.create("Tariff", {"name": "Elsewhere", "price": "0.2000"})
    return {"points": points, "huber": huber, "maier": maier, "other_tenant": other}


def _numbers(grid: Client, where: str) -> list[str]:
    data = grid.data(
        f"{{ meteringPoints(filter: {where}, orderBy: [{{number: ASC}}], first: 100) "
        "{ totalCount nodes { number } } }"
    )
    numbers = [n["number"] for n in data["meteringPoints"]["nodes"]]
    assert data["meteringPoints"]["totalCount"] == len(numbers)
    return numbers


def _n(*indexes: int) -> list[str]:
    return [f"AT{i:05d}" for i in sorted(indexes)]


def test_entity_by_id_with_typed_values_and_tenancy(grid: Client, grid_repo: Repository) -> None:
    seeded = _seed(grid_repo)
    point = seeded["points"][3]
    data = grid.data(
        """query($id: ID!) { meteringPoint(id: $id) {
            id number kind capacity startedAt readings interval active version state
            tariff { name price category } tariffId owner { __typename name }
        } }""",
        id=point["id"],
    )
    assert data["meteringPoint"] == {
        "id": point["id"],
        "number": "AT00003",
        "kind": "CONSUMPTION",
        "capacity": "3.500",
        "startedAt": "2024-01-04T00:00:00+00:00",
        "readings": 3,
        "interval": "PT15M",
        "active": True,
        "version": 1,
        "state": "ACTIVE",
        "tariff": {"name": "Premium", "price": "0.3000", "category": "PREMIUM"},
        "tariffId": point["tariff"],
        "owner": {"__typename": "Person", "name": "Huber"},
    }
    missing = grid.data('{ meteringPoint(id: "nope") { id } tariff(id: "x") { id } }')
    assert missing == {"meteringPoint": None, "tariff": None}
    # another tenant's entity does not exist for t1
    other = grid.data(
        "query($id: ID!) { tariff(id: $id) { name } }", id=seeded["other_tenant"]["id"]
    )
    assert other == {"tariff": None}


FILTERS: list[tuple[str, list[int]]] = [
    ("{kind: {eq: GENERATION}}", [1, 4, 7, 10]),
    ("{kind: {ne: GENERATION}}", [0, 2, 3, 5, 6, 8, 9, 11]),
    ("{readings: {lt: 3}}", [0, 1, 2]),
    ("{readings: {lte: 3}}", [0, 1, 2, 3]),
    ('{capacity: {gt: "9.5"}}', [10, 11]),
    ('{capacity: {gte: "9.5"}}', [9, 10, 11]),
    ("{kind: {in: [STORAGE, GENERATION]}}", [1, 2, 4, 5, 7, 8, 10, 11]),
    ("{readings: {notIn: [0, 1, 2, 3, 4, 5]}}", [6, 7, 8, 9, 10, 11]),
    ('{number: {like: "AT0001%"}}', [10, 11]),
    ('{number: {ilike: "at0000%"}}', list(range(10))),
    ("{capacity: {isNull: true}}", [0, 4, 8]),
    (
        '{startedAt: {between: {from: "2024-01-03T00:00:00Z", to: "2024-01-05T00:00:00Z"}}}',
        [2, 3, 4],
    ),
    ("{or: [{readings: {eq: 1}}, {readings: {eq: 2}}]}", [1, 2]),
    ("{and: [{readings: {gte: 2}}, {readings: {lte: 3}}]}", [2, 3]),
    ("{not: {readings: {gte: 2}}}", [0, 1]),
    ('{tariff: {name: {eq: "Premium"}}}', [1, 3, 5, 7, 9, 11]),
    ("{tariff: {category: {eq: PREMIUM}}, readings: {lt: 4}}", [1, 3]),
    ("{ownerId: {isNull: true}}", [2, 5, 8, 11]),
    ('{owner: {name: {eq: "Huber"}}}', [0, 3, 6, 9]),
    ('{registers: {some: {code: {eq: "2.8.0"}}}}', [0]),
    ('{registers: {every: {code: {eq: "1.8.0"}}}, readings: {lt: 3}}', [1, 2]),
    ("{registers: {none: {}}, readings: {lt: 3}}", [2]),
]


def test_filter_operators(grid: Client, grid_repo: Repository) -> None:
    """Every operator class, and/or/not, to-one paths and some/every/none on to-many ends."""
    _seed(grid_repo)
    for where, expected in FILTERS:
        assert _numbers(grid, where) == _n(*expected), where


def test_filter_error_points_at_the_operator(grid: Client, grid_repo: Repository) -> None:
    _seed(grid_repo)
    errors = grid.errors(
        '{ meteringPoints(filter: {readings: {gt: 1}, capacity: {eq: "1.23456"}}) { totalCount } }'
    )
    assert errors[0]["extensions"]["code"] == "INVALID"
    assert errors[0]["path"] == ["meteringPoints"]
    [field] = errors[0]["extensions"]["fieldErrors"]
    assert field["code"] == "scale"
    assert field["path"] == ["filter", "capacity", "eq"]
    assert "Traceback" not in str(errors)


def test_paging_forward_and_backward_with_order(grid: Client, grid_repo: Repository) -> None:
    _seed(grid_repo)
    page = """query($first: Int, $after: String, $last: Int, $before: String) {
        meteringPoints(orderBy: [{kind: DESC}, {number: ASC}],
                       first: $first, after: $after, last: $last, before: $before) {
            totalCount
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
            edges { cursor node { number kind } }
        } }"""
    expected = [
        f"AT{i:05d}" for i in sorted(range(12), key=lambda i: (-KINDS.index(KINDS[i % 3]), i))
    ]
    seen: list[str] = []
    after = None
    while True:
        data = grid.data(page, first=5, after=after)["meteringPoints"]
        assert data["totalCount"] == 12
        seen.extend(e["node"]["number"] for e in data["edges"])
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    assert seen == expected
    backward: list[str] = []
    before = None
    while True:
        data = grid.data(page, last=5, before=before)["meteringPoints"]
        backward = [e["node"]["number"] for e in data["edges"]] + backward
        if not data["pageInfo"]["hasPreviousPage"]:
            break
        before = data["pageInfo"]["startCursor"]
    assert backward == expected
    errors = grid.errors(page, first=2, last=2)
    assert errors[0]["extensions"]["code"] == "INVALID"
    errors = grid.errors(page, first=2, after="garbage")
    assert errors[0]["extensions"]["fieldErrors"][0]["path"] == ["after"]


def test_order_through_a_to_one_end(grid: Client, grid_repo: Repository) -> None:
    _seed(grid_repo)
    data = grid.data(
        "{ meteringPoints(orderBy: [{tariff: {name: DESC}}, {readings: DESC}], first: 3) "
        "{ nodes { number tariff { name } } } }"
    )
    assert [n["number"] for n in data["meteringPoints"]["nodes"]] == _n(11, 9, 7)[::-1]
    errors = grid.errors("{ meteringPoints(orderBy: [{number: ASC, kind: ASC}]) { totalCount } }")
    assert errors[0]["extensions"]["fieldErrors"][0]["path"] == ["orderBy", 0]


def test_interfaces_and_polymorphic_fields(grid: Client, grid_repo: Repository) -> None:
    seeded = _seed(grid_repo)
    data = grid.data(
        """{ parties(orderBy: [{name: ASC}]) { totalCount nodes {
              __typename name
              ... on Person { firstName }
              ... on Organisation { vatId }
              ownedPoints(first: 2, orderBy: [{number: ASC}]) { totalCount nodes { number } }
           } } }"""
    )
    assert data["parties"] == {
        "totalCount": 2,
        "nodes": [
            {
                "__typename": "Person",
                "name": "Huber",
                "firstName": "Anna",
                "ownedPoints": {
                    "totalCount": 4,
                    "nodes": [{"number": "AT00000"}, {"number": "AT00003"}],
                },
            },
            {
                "__typename": "Organisation",
                "name": "Maier GmbH",
                "vatId": "ATU9",
                "ownedPoints": {
                    "totalCount": 4,
                    "nodes": [{"number": "AT00001"}, {"number": "AT00004"}],
                },
            },
        ],
    }
    one = grid.data(
        "query($id: ID!) { party(id: $id) { __typename ... on Organisation { vatId } } }",
        id=seeded["maier"]["id"],
    )
    assert one == {"party": {"__typename": "Organisation", "vatId": "ATU9"}}


def test_aggregates_with_group_by(grid: Client, grid_repo: Repository) -> None:
    _seed(grid_repo)
    data = grid.data(
        """{ all: meteringPointsAggregate { count sum { readings capacity } avg { readings }
                                           min { startedAt } max { capacity } }
             byKind: meteringPointsAggregate(groupBy: [KIND], filter: {readings: {lt: 9}}) {
                 key { kind } count sum { readings } }
             byTariff: meteringPointsAggregate(groupBy: [TARIFF]) {
                 key { tariff { name } } count } }"""
    )
    capacities = [i + 0.5 for i in range(12) if i % 4]
    assert data["all"] == [
        {
            "count": 12,
            "sum": {"readings": 66, "capacity": f"{sum(capacities):.3f}"},
            "avg": {"readings": 5.5},
            "min": {"startedAt": "2024-01-01T00:00:00+00:00"},
            "max": {"capacity": "11.500"},
        }
    ]
    assert data["byKind"] == [
        {"key": {"kind": "CONSUMPTION"}, "count": 3, "sum": {"readings": 0 + 3 + 6}},
        {"key": {"kind": "GENERATION"}, "count": 3, "sum": {"readings": 1 + 4 + 7}},
        {"key": {"kind": "STORAGE"}, "count": 3, "sum": {"readings": 2 + 5 + 8}},
    ]
    assert sorted((g["key"]["tariff"]["name"], g["count"]) for g in data["byTariff"]) == [
        ("Basic", 6),
        ("Premium", 6),
    ]
