"""Mutations: create (one, many, with parts), update with expectedVersion, archive, erase,
link/unlink with link attributes, structured errors with input paths, internal errors masked."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from graphql_client import Client

from meshkit.runtime import Repository, UnitOfWork

CREATE_TARIFF = """mutation($input: TariffCreateInput!) {
    createTariff(input: $input) { id name price category version } }"""


def _tariff(grid: Client, **values: Any) -> dict[str, Any]:
    return grid.data(CREATE_TARIFF, input={"name": "Basic", "price": "0.1000", **values})[
        "createTariff"
    ]


def test_create_update_archive_erase(grid: Client) -> None:
    tariff = _tariff(grid, category="PREMIUM")
    assert tariff["price"] == "0.1000"
    assert tariff["category"] == "PREMIUM"
    assert tariff["version"] == 1
    update = """mutation($id: ID!, $v: Int!, $input: TariffUpdateInput!) {
        updateTariff(id: $id, expectedVersion: $v, input: $input) { name price version } }"""
    updated = grid.data(update, id=tariff["id"], v=1, input={"price": "0.2500"})
    assert updated["updateTariff"] == {"name": "Basic", "price": "0.2500", "version": 2}

    stale = grid.errors(update, id=tariff["id"], v=1, input={"name": "Late"})
    assert stale[0]["path"] == ["updateTariff"]
    assert stale[0]["extensions"]["code"] == "CONFLICT"
    assert stale[0]["extensions"]["expectedVersion"] == 1
    assert stale[0]["extensions"]["actualVersion"] == 2

    archived = grid.data(
        "mutation($id: ID!) { archiveTariff(id: $id, expectedVersion: 2) { state version } }",
        id=tariff["id"],
    )
    assert archived["archiveTariff"] == {"state": "ARCHIVED", "version": 3}
    erased = grid.data("mutation($id: ID!) { eraseTariff(id: $id) { erasedIds } }", id=tariff["id"])
    assert erased["eraseTariff"]["erasedIds"] == [tariff["id"]]
    gone = grid.errors("mutation($id: ID!) { eraseTariff(id: $id) { erasedIds } }", id=tariff["id"])
    assert gone[0]["extensions"]["code"] == "NOT_FOUND"


def test_validation_errors_name_the_input_fields(grid: Client) -> None:
    tariff = _tariff(grid)
    community = grid.data(
        'mutation { createCommunity(input: {name: "Sonnenweg", code: "SW1"}) { id } }'
    )["createCommunity"]
    create = """mutation($input: MeteringPointCreateInput!) {
        createMeteringPoint(input: $input) { id } }"""
    errors = grid.errors(
        create,
        input={
            "number": "AT1",
            "kind": "CONSUMPTION",
            "tariffId": "no-such-tariff",
            "communityId": community["id"],
            "address": {"street": "Hauptplatz", "zip": "40X"},
        },
    )
    [error] = errors
    assert error["extensions"]["code"] == "INVALID"
    found = {tuple(f["path"]): f["code"] for f in error["extensions"]["fieldErrors"]}
    assert found == {
        ("input", "number"): "min-length",
        ("input", "address", "zip"): "pattern",
        ("input", "tariffId"): "broken-reference",
    }
    # a batch names the row
    batch = grid.errors(
        """mutation($inputs: [TariffCreateInput!]!) { createTariffs(inputs: $inputs) { id } }""",
        inputs=[{"name": "A", "price": "1"}, {"name": "B", "price": "-1"}],
    )
    assert [f["path"] for f in batch[0]["extensions"]["fieldErrors"]] == [["inputs", 1, "price"]]
    # GraphQL itself refuses what the types rule out: no request reaches the repository
    typed = grid.errors(create, input={"number": "AT00001", "kind": "SOLAR"})
    assert "SOLAR" in typed[0]["message"]
    count = grid.data("{ tariffs { totalCount } }")
    assert count["tariffs"]["totalCount"] == 1  # the failed batch left nothing behind
    assert tariff["id"]


def test_batch_and_nested_create(grid: Client, grid_repo: Repository) -> None:
    tariffs = grid.data(
        """mutation($inputs: [TariffCreateInput!]!) { createTariffs(inputs: $inputs) { name } }""",
        inputs=[{"name": "A", "price": "1"}, {"name": "B", "price": "2"}],
    )
    assert [t["name"] for t in tariffs["createTariffs"]] == ["A", "B"]
    tariff_id = grid.data('{ tariffs(filter: {name: {eq: "A"}}) { nodes { id } } }')["tariffs"][
        "nodes"
    ][0]["id"]
    created = grid.data(
        """mutation($input: CommunityCreateInput!) { createCommunity(input: $input) {
            name meteringPoints(orderBy: [{number: ASC}]) {
              totalCount nodes { number community { name } } }
        } }""",
        input={
            "name": "Sonnenweg",
            "code": "SW1",
            "meteringPoints": [
                {"number": "AT00001", "kind": "CONSUMPTION", "tariffId": tariff_id},
                {"number": "AT00002", "kind": "GENERATION", "tariffId": tariff_id},
            ],
        },
    )
    points = created["createCommunity"]["meteringPoints"]
    assert points["totalCount"] == 2
    assert points["nodes"][1] == {"number": "AT00002", "community": {"name": "Sonnenweg"}}
    # a bad part: nothing is created, the error names the part
    errors = grid.errors(
        """mutation($input: CommunityCreateInput!) { createCommunity(input: $input) { id } }""",
        input={
            "name": "Bad",
            "code": "BAD",
            "meteringPoints": [{"number": "AT1", "kind": "CONSUMPTION", "tariffId": tariff_id}],
        },
    )
    paths = [f["path"] for f in errors[0]["extensions"]["fieldErrors"]]
    assert paths == [["input", "meteringPoints", 0, "number"]]
    assert grid.data("{ communities { totalCount } }")["communities"]["totalCount"] == 1


def test_link_with_attributes_both_directions(grid: Client) -> None:
    community = grid.data(
        'mutation { createCommunity(input: {name: "Sonnenweg", code: "SW1"}) { id } }'
    )["createCommunity"]
    person = grid.data(
        'mutation { createPerson(input: {name: "Huber", firstName: "Anna"}) { id } }'
    )["createPerson"]
    link = """mutation($id: ID!, $other: ID!, $attributes: CommunityMembersLinkInput) {
        linkCommunityMembers(id: $id, otherId: $other, attributes: $attributes) {
          members { edges { joinedOn share node { __typename name } } } } }"""
    linked = grid.data(
        link,
        id=community["id"],
        other=person["id"],
        attributes={"joinedOn": "2024-03-01", "share": "12.50"},
    )
    assert linked["linkCommunityMembers"]["members"]["edges"] == [
        {
            "joinedOn": "2024-03-01",
            "share": "12.50",
            "node": {"__typename": "Person", "name": "Huber"},
        }
    ]
    back = grid.data(
        """query($id: ID!) { person(id: $id) {
             communities { edges { joinedOn node { name } } } } }""",
        id=person["id"],
    )
    assert back["person"]["communities"]["edges"] == [
        {"joinedOn": "2024-03-01", "node": {"name": "Sonnenweg"}}
    ]
    missing = grid.errors(
        link, id=community["id"], other="nobody", attributes={"joinedOn": "2024-03-01"}
    )
    assert missing[0]["extensions"]["fieldErrors"][0]["path"] == ["otherId"]
    unlinked = grid.data(
        """mutation($id: ID!, $other: ID!) { unlinkCommunityMembers(id: $id, otherId: $other) {
             members { totalCount } } }""",
        id=community["id"],
        other=person["id"],
    )
    assert unlinked["unlinkCommunityMembers"]["members"]["totalCount"] == 0


def test_unexpected_error_is_masked_and_rolled_back(
    grid: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = UnitOfWork.create_many

    def explode(self: UnitOfWork, class_ref: str, rows: Any) -> Any:
        original(self, class_ref, rows)  # written, then the bug strikes
        raise RuntimeError("SELECT secret FROM internals")

    monkeypatch.setattr(UnitOfWork, "create_many", explode)
    response = grid.run(CREATE_TARIFF, input={"name": "Basic", "price": "0.1"})
    [error] = response["errors"]
    assert error["extensions"]["code"] == "INTERNAL"
    assert error["extensions"]["incident"]
    assert "secret" not in str(response)
    assert "Traceback" not in str(response)
    monkeypatch.undo()
    assert grid.data("{ tariffs { totalCount } }")["tariffs"]["totalCount"] == 0


def test_a_mutation_takes_sqlites_write_lock_when_its_unit_of_work_begins(
    ec: Client, ec_repo: Repository
) -> None:
    """A mutation reads, then writes: on SQLite it begins IMMEDIATE, so a commit elsewhere in
    between (the notifier inside serve) makes it wait instead of failing; a query does not."""
    begins: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("BEGIN"):
            begins.append(statement)

    sa.event.listen(ec_repo.engine, "before_cursor_execute", record)
    try:
        ec.data("{ energyCommunities(first: 1) { totalCount } }")
        ec.data(
            """mutation { createEnergyCommunity(input: {
                name: "Sonnenstrom", communityId: "AT00300000000RC100130000000000001",
                ecNumber: "RC100130", kind: EEG_LOCAL, gridOperatorId: "AT003000",
                address: {street: "Weg", postalCode: "4020", city: "Linz"}}) { id } }"""
        )
    finally:
        sa.event.remove(ec_repo.engine, "before_cursor_execute", record)
    if ec_repo.engine.dialect.name == "sqlite":
        assert begins == ["BEGIN", "BEGIN IMMEDIATE"]
    else:
        assert "BEGIN IMMEDIATE" not in begins
