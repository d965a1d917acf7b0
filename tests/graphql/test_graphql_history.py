"""`history`: an entity's audit trail through the API — batched, paged, and behind the policy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from graphql_client import Client, statements
from graphql_secure_world import IBAN_A, Served, served

from meshkit.ck import CompiledModel
from meshkit.runtime import Repository

POINT = "AT0030000000000000000000000000{:03d}"


def create_point(ec: Client, n: int) -> str:
    data = ec.data(
        """mutation ($p: String!) { createMeteringPoint(input: {meteringPointId: $p,
             direction: CONSUMPTION, gridOperatorId: "AT003000"}) { id } }""",
        p=POINT.format(n),
    )
    return str(data["createMeteringPoint"]["id"])


def test_history_lists_who_changed_what_and_when(ec: Client) -> None:
    point = create_point(ec, 1)
    ec.data(
        """mutation ($id: ID!) { updateMeteringPoint(id: $id, expectedVersion: 1,
             input: {direction: GENERATION, designation: "PV roof"}) { version } }""",
        id=point,
    )
    history = ec.data(
        """query ($id: ID!) { meteringPoint(id: $id) { history {
             seq operation actor at changes { attribute before after } } } }""",
        id=point,
    )["meteringPoint"]["history"]
    assert [e["operation"] for e in history] == ["create", "update"]
    assert {e["actor"] for e in history} == {"tester"}
    assert history[0]["seq"] < history[1]["seq"]
    created = {c["attribute"]: c for c in history[0]["changes"]}
    assert created["meteringPointId"] == {
        "attribute": "meteringPointId",
        "before": None,
        "after": POINT.format(1),
    }
    changed = {c["attribute"]: (c["before"], c["after"]) for c in history[1]["changes"]}
    assert changed["direction"] == ("consumption", "generation")
    assert changed["designation"] == (None, "PV roof")


def test_history_is_paged_and_read_once_per_level(ec: Client) -> None:
    points = [create_point(ec, n) for n in range(1, 6)]
    for point in points:
        for version in (1, 2):
            ec.data(
                """mutation ($id: ID!, $v: Int!) { updateMeteringPoint(id: $id,
                     expectedVersion: $v, input: {designation: "1"}) { version } }""".replace(
                    '"1"', f'"{version}"'
                ),
                id=point,
                v=version,
            )
    query = "{ meteringPoints { nodes { id history(first: 2) { seq operation } } } }"
    with statements(ec.repository.engine) as seen:
        nodes = ec.data(query)["meteringPoints"]["nodes"]
    assert len(nodes) == 5
    assert all([e["operation"] for e in n["history"]] == ["create", "update"] for n in nodes)
    audit_reads = [s for s in seen if "meshkit_audit" in s]
    assert len(audit_reads) == 1, audit_reads  # one statement for every row's history
    last = nodes[0]["history"][-1]["seq"]
    rest = ec.data(
        """query ($id: ID!, $after: BigInt) { meteringPoint(id: $id) {
             history(after: $after) { operation changes { attribute after } } } }""",
        id=nodes[0]["id"],
        after=last,
    )["meteringPoint"]["history"]
    assert [e["operation"] for e in rest] == ["update"]
    assert rest[0]["changes"] == [{"attribute": "designation", "after": "2"}]


@pytest.fixture
def api(ec_model: CompiledModel, ec_repo: Repository) -> Iterator[Served]:
    with served(ec_model, ec_repo) as s:
        yield s


def test_history_shows_only_what_the_caller_may_read(api: Served) -> None:
    query = """query ($id: ID!) { naturalPerson(id: $id) { history {
                 operation changes { attribute after } } } }"""
    person = api.ids["a"]

    def created(user: str) -> dict[str, object]:
        entries = api.data(user, query, id=person)["naturalPerson"]["history"]
        return {c["attribute"]: c["after"] for c in entries[0]["changes"]}

    own = created("anna")
    assert own["bankAccount"] == {"iban": IBAN_A, "holder": "A Huber"}
    assert own["birthDate"] == "1980-05-17"
    staff = created("sam")
    assert staff["bankAccount"] == {"iban": "AT61 **** **** **** 3201", "holder": "A Huber"}
    assert "birthDate" not in staff  # sensitive and not text: left out, as on the entity
    other = api.data("bert", query, id=person)["naturalPerson"]
    assert other is None  # not bert's: no entity, no history
