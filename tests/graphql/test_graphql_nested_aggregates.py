"""Aggregates under a to-many end: per parent, in one statement for all parents of a level, with
the same filter, groupBy and measures as the class's root aggregate."""

from __future__ import annotations

from graphql_client import Client, statements
from graphql_secure_world import served
from graphql_world import build_world

from meshkit.ck import CompiledModel
from meshkit.runtime import Repository

QUERY = """{ energyCommunities(first: 50, orderBy: [{name: ASC}]) { nodes {
    name
    all: participantsAggregate { count key { joinedOn } }
    late: participantsAggregate(filter: {joinedOn: {gte: "2024-01-02"}}) { count }
    byDay: participantsAggregate(groupBy: [JOINED_ON]) { key { joinedOn } count }
    factors: participationsAggregate { count sum { participationFactor } max { validFrom } }
} } }"""


def _run(client: Client, repo: Repository) -> tuple[int, list[dict[str, object]]]:
    with statements(repo.engine) as seen:
        data = client.data(QUERY)
    return len(seen), data["energyCommunities"]["nodes"]  # type: ignore[index,return-value]


def test_per_parent_and_one_statement_per_aggregate_whatever_the_parents(
    ec: Client, ec_repo: Repository
) -> None:
    world = build_world(ec_repo, communities=1, members=3)
    one, small = _run(ec, ec_repo)
    build_world(ec_repo, communities=9, members=2, first=1)
    many, nodes = _run(ec, ec_repo)
    # the page, then one GROUP BY per aggregate field (4), whatever the number of communities
    assert one == many == 5
    assert len(small) == 1 and len(nodes) == 10

    first = next(n for n in nodes if n["name"] == world.communities[0]["name"])
    assert first["all"] == [{"count": 3, "key": None}]  # one entry without groupBy
    assert first["late"] == [{"count": 2}]  # joined on 1, 2 and 3 January
    assert [(e["key"]["joinedOn"], e["count"]) for e in first["byDay"]] == [
        ("2024-01-01", 1),
        ("2024-01-02", 1),
        ("2024-01-03", 1),
    ]
    factors = [p["participation_factor"] for p in world.participations]
    assert first["factors"][0]["count"] == 3
    assert first["factors"][0]["sum"]["participationFactor"] == sum(factors)
    others = [n for n in nodes if n is not first]
    assert all(n["all"][0]["count"] == 2 for n in others)


def test_a_parent_without_children_has_one_entry_with_count_0(
    ec: Client, ec_repo: Repository
) -> None:
    build_world(ec_repo, communities=1, members=0)
    (community,) = _run(ec, ec_repo)[1]
    assert community["all"] == [{"count": 0, "key": None}]
    assert community["byDay"] == []  # grouped: no groups
    assert community["factors"] == [
        {"count": 0, "sum": {"participationFactor": None}, "max": {"validFrom": None}}
    ]


def test_a_member_counts_only_the_rows_the_policy_lets_them_read(
    ec_model: CompiledModel, ec_repo: Repository
) -> None:
    query = """query ($id: ID!) { energyCommunity(id: $id) {
        participantsAggregate { count } participationsAggregate { count } } }"""
    with served(ec_model, ec_repo) as api:
        community = api.ids["community"]
        admin = api.data("ada", query, id=community)["energyCommunity"]
        member = api.data("anna", query, id=community)["energyCommunity"]
    assert admin["participantsAggregate"][0]["count"] > 1
    assert member["participantsAggregate"] == [{"count": 1}]  # herself only
    assert (
        member["participationsAggregate"][0]["count"] < admin["participationsAggregate"][0]["count"]
    )
