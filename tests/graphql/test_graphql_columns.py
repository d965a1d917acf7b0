"""Reads select only the columns their selection needs, and answer exactly as whole rows would.

Each entity field's resolver says which entity names it reads; a read selects the columns of
the names its selection set asks for (fragments and aliases included), with id and type. A
field that says nothing (history, series) makes the read select every column.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from graphql_client import Client, statements
from graphql_secure_world import Served, served
from graphql_world import ADDRESS, build_world

from meshkit.ck import CompiledModel
from meshkit.runtime import Repository


def _selected(statement: str) -> set[str]:
    """The column names of a statement's outermost SELECT list (`x.col` or `x.col AS alias`)."""
    head = statement.split("FROM", 1)[0]
    if head.rstrip().endswith("("):  # a subquery: its columns are those of the inner SELECT
        head = statement.split("FROM", 2)[1]
    return set(re.findall(r"\.(\w+)", head))


def _reading(seen: list[str], table: str) -> list[str]:
    return [s for s in seen if f"energy_community__{table} " in s.split("WHERE", 1)[0]]


@pytest.mark.usefixtures("general_path")
def test_a_read_selects_only_the_columns_asked_for(ec: Client, ec_repo: Repository) -> None:
    build_world(ec_repo, communities=1, members=2)
    with statements(ec_repo.engine) as seen:
        data = ec.data("""{ energyCommunities(first: 5) { nodes {
            participants(orderBy: [{memberNumber: ASC}]) { nodes {
              memberNumber
              participations { nodes { participationFactor meteringPoint { meteringPointId } } }
            } }
        } } }""")
    participant, participation, point = (
        _reading(seen, t) for t in ("participant", "participation", "metering_point")
    )
    assert len(participant) == len(participation) == len(point) == 1
    assert {"member_number", "id", "type"} <= _selected(participant[0])
    assert not {"address", "joined_on", "last_name", "company_name"} & _selected(participant[0])
    assert "participation_factor" in participation[0] and "valid_from AS" not in participation[0]
    assert "metering_point_id" in _selected(point[0])
    assert "direction" not in _selected(point[0])
    nodes = data["energyCommunities"]["nodes"][0]["participants"]["nodes"]
    assert [n["memberNumber"] for n in nodes] == ["M0001", "M0002"]
    assert all(len(n["participations"]["nodes"]) == 1 for n in nodes)

    # asked for: selected and decoded (a record, a date, subclass fields through fragments)
    with statements(ec_repo.engine) as seen:
        data = ec.data("""fragment Legal on LegalPerson { companyName }
        { participants(orderBy: [{memberNumber: ASC}]) { nodes {
            joinedOn address { city }
            ... on NaturalPerson { lastName }
            ...Legal
        } } }""")
    assert {"joined_on", "address", "last_name", "company_name"} <= _selected(seen[0])
    assert data["participants"]["nodes"] == [
        {"joinedOn": "2024-01-01", "address": {"city": ADDRESS["city"]}, "lastName": "Huber0"},
        {
            "joinedOn": "2024-01-02",
            "address": {"city": ADDRESS["city"]},
            "companyName": "Maier 1 GmbH",
        },
    ]


@pytest.mark.usefixtures("general_path")
def test_a_read_by_id_selects_only_the_columns_asked_for(ec: Client, ec_repo: Repository) -> None:
    world = build_world(ec_repo, communities=1, members=1)
    community = world.communities[0]
    query = "query ($id: ID!) { energyCommunity(id: $id) { name } }"
    with statements(ec_repo.engine) as seen:
        data = ec.data(query, id=community["id"])
    assert data == {"energyCommunity": {"name": community["name"]}}
    assert _selected(seen[0]) == {"id", "type", "name"}
    assert ec.data(query, id="00000000-0000-0000-0000-000000000000") == {"energyCommunity": None}


def test_aliases_with_different_selections_get_their_own_fields(
    ec: Client, ec_repo: Repository
) -> None:
    build_world(ec_repo, communities=2, members=2)
    data = ec.data("""{ energyCommunities(first: 5, orderBy: [{name: ASC}]) { nodes {
        numbers: participants(orderBy: [{memberNumber: ASC}]) { nodes { memberNumber } }
        dates: participants(orderBy: [{memberNumber: ASC}]) { edges { node { joinedOn } } }
        participations { nodes {
          short: meteringPoint { id }
          long: meteringPoint { meteringPointId direction }
        } }
    } } }""")
    first = data["energyCommunities"]["nodes"][0]
    assert [n["memberNumber"] for n in first["numbers"]["nodes"]] == ["M0001", "M0002"]
    assert [e["node"]["joinedOn"] for e in first["dates"]["edges"]] == [
        "2024-01-01",
        "2024-01-02",
    ]
    for part in first["participations"]["nodes"]:
        assert part["long"]["meteringPointId"].startswith("AT003")
        assert part["long"]["direction"] in ("GENERATION", "CONSUMPTION")
        assert set(part["short"]) == {"id"}


def test_a_field_that_does_not_say_what_it_reads_gets_whole_rows(
    ec: Client, ec_repo: Repository
) -> None:
    build_world(ec_repo, communities=1, members=1)
    with statements(ec_repo.engine) as seen:
        data = ec.data("{ meteringPoints { nodes { meteringPointId history { operation } } } }")
    assert "direction" in _selected(_reading(seen, "metering_point")[0])
    assert data["meteringPoints"]["nodes"][0]["history"][0]["operation"] == "create"


@pytest.fixture
def api(ec_model: CompiledModel, ec_repo: Repository) -> Iterator[Served]:
    with served(ec_model, ec_repo) as s:
        yield s


def test_the_policy_applies_to_pruned_reads(api: Served) -> None:
    # staff: the sensitive IBAN masked and the birth date left out, also in a page read
    staff = api.data(
        "sam",
        """{ naturalPersons(filter: {firstName: {eq: "A"}}) { nodes {
            firstName birthDate bankAccount { iban }
        } } }""",
    )
    assert staff["naturalPersons"]["nodes"] == [
        {"firstName": "A", "birthDate": None, "bankAccount": {"iban": "AT61 **** **** **** 3201"}}
    ]
    # a member: only their own rows, in nested reads too
    anna = api.data("anna", "{ participants { nodes { id participations { nodes { id } } } } }")
    assert [p["id"] for p in anna["participants"]["nodes"]] == [api.ids["a"]]
