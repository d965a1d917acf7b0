"""Filters on a to-many end behind a to-one end (`meteringPoint: {participations: {some: ...}}`):
what they match, where their errors point, and that a member's `some`/`none` only see rows the
member may read."""

from __future__ import annotations

from datetime import date
from typing import Any

from graphql_client import Client
from graphql_secure_world import served
from graphql_world import ADDRESS, build_world

from meshkit.ck import CompiledModel
from meshkit.runtime import Repository

PARTICIPATIONS = """query($filter: ParticipationFilter) {
  participations(filter: $filter, first: 100) { nodes { id } }
}"""


def _ids(client: Client, filter: dict[str, Any]) -> set[str]:
    data = client.data(PARTICIPATIONS, filter=filter)
    return {n["id"] for n in data["participations"]["nodes"]}


def test_some_every_none_behind_to_one_ends(ec: Client, ec_repo: Repository) -> None:
    world = build_world(ec_repo, communities=2, members=3)
    first, second, third = world.participants[:3]  # all in the first community
    parts = {p["participant"]: p for p in world.participations}
    shared_point = parts[first["id"]]["metering_point"]
    with ec_repo.unit_of_work(tenant="t1", actor="seed") as uow:  # second also on first's point
        late = uow.create(
            "Participation",
            {
                "participation_factor": 10,
                "valid_from": date(2025, 1, 1),
                "metering_point": shared_point,
                "community": first["community"],
                "participant": second["id"],
            },
        )
    on_shared = {parts[first["id"]]["id"], late["id"]}
    by_second = {"participant": {"memberNumber": {"eq": second["member_number"]}}}

    # the participations of a metering point that some participation of `second` is on
    assert _ids(ec, {"meteringPoint": {"participations": {"some": by_second}}}) == {
        *on_shared,
        parts[second["id"]]["id"],
    }
    assert _ids(ec, {"meteringPoint": {"participations": {"every": by_second}}}) == {
        parts[second["id"]]["id"]
    }
    everything = {p["id"] for p in world.participations} | {late["id"]}
    assert _ids(ec, {"meteringPoint": {"participations": {"none": by_second}}}) == (
        everything - on_shared - {parts[second["id"]]["id"]}
    )
    # combined with and / or / not, and two to-one ends deep
    assert _ids(
        ec,
        {
            "or": [
                {
                    "meteringPoint": {
                        "participations": {"some": {"validFrom": {"gte": "2025-01-01"}}}
                    }
                },
                {"participant": {"memberNumber": {"eq": third["member_number"]}}},
            ]
        },
    ) == {*on_shared, parts[third["id"]]["id"]}
    assert _ids(ec, {"not": {"meteringPoint": {"participations": {"some": by_second}}}}) == (
        everything - on_shared - {parts[second["id"]]["id"]}
    )
    in_first = {p["id"] for p in world.participations if p["community"] == first["community"]}
    second_member = {"memberNumber": {"eq": second["member_number"]}}
    deep = {"participant": {"community": {"participants": {"some": second_member}}}}
    assert _ids(ec, deep) == in_first | {late["id"]}


def test_a_missing_to_one_target_matches_no_quantifier(ec: Client, ec_repo: Repository) -> None:
    world = build_world(ec_repo, communities=1, members=2)
    with ec_repo.unit_of_work(tenant="t1", actor="seed") as uow:
        loner = uow.create(
            "NaturalPerson",
            {
                "member_number": "M9999",
                "first_name": "Lone",
                "last_name": "Ranger",
                "address": ADDRESS,
                "joined_on": date(2024, 1, 1),
                "community": world.communities[0]["id"],
            },
        )  # without a tariff
    query = """query($filter: ParticipantFilter) { participants(filter: $filter) {
        nodes { memberNumber } } }"""
    with_tariff = {p["member_number"] for p in world.participants}
    for quantifier in ("some", "every", "none"):
        found = ec.data(query, filter={"tariff": {"participants": {quantifier: {}}}})
        numbers = {n["memberNumber"] for n in found["participants"]["nodes"]}
        # some {} / every {}: the tariff has participants; none {}: it has none (never true)
        assert numbers == (set() if quantifier == "none" else with_tariff), quantifier
    assert loner["member_number"] not in with_tariff


def test_errors_point_into_the_nested_filter(ec: Client, ec_repo: Repository) -> None:
    build_world(ec_repo, communities=1, members=1)
    (error,) = ec.errors(
        PARTICIPATIONS,
        filter={"community": {"tariffs": {"some": {"consumptionPrice": {"eq": "0.1234567"}}}}},
    )
    assert error["extensions"]["code"] == "INVALID"
    (field,) = error["extensions"]["fieldErrors"]
    assert field["code"] == "scale"
    assert field["path"] == ["filter", "community", "tariffs", "some", "consumptionPrice", "eq"]


def test_a_member_sees_through_the_path_only_what_they_may_read(
    ec_model: CompiledModel, ec_repo: Repository
) -> None:
    query = """query($filter: ParticipationFilter) { participations(filter: $filter) {
        nodes { id } } }"""
    by_b = {"participant": {"memberNumber": {"eq": "M-B"}}}
    some_b = {"meteringPoint": {"participations": {"some": by_b}}}
    none_b = {"meteringPoint": {"participations": {"none": by_b}}}
    shared_point = f"AT0030000000000000000000{3:09d}"  # the seed's third point
    by_id = {"meteringPoint": {"meteringPointId": {"eq": shared_point}}}

    def ids(user: str, filter: dict[str, Any]) -> set[str]:
        data = api.data(user, query, filter=filter)
        return {n["id"] for n in data["participations"]["nodes"]}

    with served(ec_model, ec_repo) as api:
        i = api.ids
        # the shared point was b's (shared_b) before it was a's (shared_a)
        assert ids("ada", some_b) == {i["part_b"], i["shared_b"], i["shared_a"]}
        assert ids("ada", none_b) == {i["part_a"]}
        # a may not read b's participations: through the path they do not exist for her
        assert ids("anna", some_b) == set()
        assert ids("anna", none_b) == {i["part_a"], i["shared_a"]}
        # b reads his own rows only; a's participation on the shared point stays hidden
        assert ids("bert", some_b) == {i["part_b"], i["shared_b"]}
        some_a = {"meteringPoint": {"participations": {"some": {"id": {"eq": i["shared_a"]}}}}}
        assert ids("bert", some_a) == set()
        # a path into a metering point (whose rule is itself a `some`) now works for members
        assert ids("anna", by_id) == {i["shared_a"]}
        assert ids("bert", by_id) == {i["shared_b"]}
