"""No N+1: the statements of a nested request do not grow with the rows it returns.

Real energy_community model: communities -> participants -> participations -> metering points,
and back up from metering points; 1 community against 30 costs the same number of statements.
"""

from __future__ import annotations

import pytest
from graphql_client import Client, statements
from graphql_world import build_world

from meshkit.runtime import Repository

DOWN = """{ energyCommunities(first: 50, orderBy: [{name: ASC}]) {
    totalCount
    nodes {
      name kind
      participants(orderBy: [{memberNumber: ASC}]) {
        totalCount
        nodes {
          __typename memberNumber
          ... on NaturalPerson { lastName }
          ... on LegalPerson { companyName }
          tariff { name }
          participations { nodes {
            participationFactor
            meteringPoint { meteringPointId direction }
          } }
        }
      }
    }
} }"""

UP = """{ meteringPoints(first: 100) { nodes {
    meteringPointId
    participations { nodes {
      participant { memberNumber community { name tariffs { nodes { name } } } }
    } }
} } }"""


def _count(client: Client, repo: Repository, query: str) -> tuple[int, dict[str, object]]:
    with statements(repo.engine) as seen:
        data = client.data(query)
    return len(seen), data


@pytest.mark.usefixtures("general_path")
def test_statements_do_not_grow_with_rows(ec: Client, ec_repo: Repository) -> None:
    build_world(ec_repo, communities=1, members=1)
    one_down, small = _count(ec, ec_repo, DOWN)
    one_up, _ = _count(ec, ec_repo, UP)

    world = build_world(ec_repo, communities=29, members=2, first=1)  # 30 in all
    many_down, data = _count(ec, ec_repo, DOWN)
    many_up, up = _count(ec, ec_repo, UP)

    # page + count, participants + their count, participations, tariffs, metering points
    assert one_down == many_down == 7
    # page, participations, participants, communities, tariffs
    assert one_up == many_up == 5

    communities = data["energyCommunities"]
    assert communities["totalCount"] == 30  # type: ignore[index]
    nodes = communities["nodes"]  # type: ignore[index]
    assert len(nodes) == 30
    second = next(c for c in nodes if c["name"] == world.communities[0]["name"])
    assert second["participants"]["totalCount"] == 2
    kinds = [p["__typename"] for p in second["participants"]["nodes"]]
    assert kinds == ["NaturalPerson", "LegalPerson"]
    point = second["participants"]["nodes"][0]["participations"]["nodes"][0]["meteringPoint"]
    assert point["meteringPointId"].startswith("AT003000")
    points = up["meteringPoints"]["nodes"]  # type: ignore[index]
    assert len(points) == 1 + 29 * 2
    assert all(len(p["participations"]["nodes"]) == 1 for p in points)
    community = points[-1]["participations"]["nodes"][0]["participant"]["community"]
    assert community["tariffs"]["nodes"][0]["name"].startswith("Standard")
    assert small["energyCommunities"]["totalCount"] == 1  # type: ignore[index]


@pytest.mark.usefixtures("general_path")
def test_nested_connections_page_and_filter_per_parent(ec: Client, ec_repo: Repository) -> None:
    build_world(ec_repo, communities=3, members=5)
    query = """{ energyCommunities(orderBy: [{name: ASC}]) { nodes {
        name
        participants(first: 2, orderBy: [{memberNumber: DESC}],
                     filter: {memberNumber: {ne: "M0015"}}) {
          totalCount pageInfo { hasNextPage endCursor } nodes { memberNumber }
        }
    } } }"""
    with statements(ec_repo.engine) as seen:
        data = ec.data(query)
    assert len(seen) == 3  # communities, participants of all three, their counts
    pages = {c["name"]: c["participants"] for c in data["energyCommunities"]["nodes"]}
    assert [p["memberNumber"] for p in pages["Sonnenstrom 1"]["nodes"]] == ["M0005", "M0004"]
    assert pages["Sonnenstrom 1"]["totalCount"] == 5
    assert pages["Sonnenstrom 1"]["pageInfo"]["hasNextPage"] is True
    assert [p["memberNumber"] for p in pages["Sonnenstrom 3"]["nodes"]] == ["M0014", "M0013"]
    assert pages["Sonnenstrom 3"]["totalCount"] == 4
    # the cursor continues one parent's list
    cursor = pages["Sonnenstrom 1"]["pageInfo"]["endCursor"]
    more = ec.data(
        """query($after: String) { energyCommunities(filter: {name: {eq: "Sonnenstrom 1"}}) {
             nodes { participants(first: 10, orderBy: [{memberNumber: DESC}], after: $after) {
               nodes { memberNumber } pageInfo { hasNextPage hasPreviousPage } } } } }""",
        after=cursor,
    )
    rest = more["energyCommunities"]["nodes"][0]["participants"]
    assert [p["memberNumber"] for p in rest["nodes"]] == ["M0003", "M0002", "M0001"]
    assert rest["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": True}


PAGE_OF_EACH = """query($first: Int, $after: String, $last: Int, $before: String) {
  energyCommunities(orderBy: [{name: ASC}]) { nodes { id
    participants(first: $first, after: $after, last: $last, before: $before,
                 orderBy: [{joinedOn: DESC}]) {
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { memberNumber participations { nodes { participationFactor } } } }
    }
  } }
}"""

PAGE_OF_ONE = (
    PAGE_OF_EACH.replace(
        "energyCommunities(orderBy: [{name: ASC}]) { nodes { id", "energyCommunity(id: $id) { id"
    )
    .replace("$before: String)", "$before: String, $id: ID!)")
    .replace("} }\n}", "}\n}")
)


def test_one_parent_pages_like_many(ec: Client, ec_repo: Repository) -> None:
    """A level of one parent is read with ORDER BY ... LIMIT, a level of several with a window
    function: both give the same pages, cursors and page info, forward and backward."""
    build_world(ec_repo, communities=3, members=6, points=2)
    for window in ({"first": 4}, {"last": 3}, {"first": 100}, {"first": 0}):
        many = ec.data(PAGE_OF_EACH, **window)["energyCommunities"]["nodes"]
        assert len(many) == 3
        for community in many:
            one = ec.data(PAGE_OF_ONE, id=community["id"], **window)["energyCommunity"]
            assert one == community, window
            page = one["participants"]
            if not page["edges"]:
                continue
            assert all(len(e["node"]["participations"]["nodes"]) == 2 for e in page["edges"])
            # and the next page from either cursor matches too
            if "first" in window:
                more = {"first": 100, "after": page["pageInfo"]["endCursor"]}
            else:
                more = {"last": 100, "before": page["pageInfo"]["startCursor"]}
            rest_one = ec.data(PAGE_OF_ONE, id=community["id"], **more)["energyCommunity"]
            rest_many = ec.data(PAGE_OF_EACH, **more)["energyCommunities"]["nodes"]
            assert rest_one in rest_many
            seen = [e["node"]["memberNumber"] for e in page["edges"]]
            rest = [e["node"]["memberNumber"] for e in rest_one["participants"]["edges"]]
            assert sorted(seen + rest) == sorted(set(seen + rest)) and len(seen + rest) == 6
