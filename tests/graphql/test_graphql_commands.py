"""Behaviour commands as mutations: typed arguments and results, errors, and the policy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from graphql_client import Client
from graphql_secure_world import Served, served

from meshkit.ck import CompiledModel
from meshkit.runtime import Repository
from meshkit.runtime.series import SeriesStore

KPIS = """
mutation ($id: ID!, $period: Date!, $basis: EnergyCommunityKpisBasis) {
  energyCommunityKpis(id: $id, period: $period, basis: $basis) {
    community firstDay lastDay basis selfSufficiency surplus activeParticipants
    totals { consumption shared }
    members { participant name received }
  }
}
"""

RECONCILE = """
mutation ($id: ID!, $tolerance: ToleranceInput) {
  energyCommunityReconcile(id: $id, period: "2026-03-01", tolerance: $tolerance) {
    __typename
  }
}
"""


def community(ec: Client) -> str:
    SeriesStore(ec.repository.engine, ec.repository.model).create_tables()
    data = ec.data(
        """mutation { createEnergyCommunity(input: {
            name: "Sonnenstrom", communityId: "AT00300000000RC100130000000000001",
            ecNumber: "RC100130", kind: EEG_LOCAL, gridOperatorId: "AT003000",
            address: {street: "Weg", postalCode: "4020", city: "Linz"}}) { id } }"""
    )
    return str(data["createEnergyCommunity"]["id"])


def test_the_schema_has_a_mutation_per_command(ec: Client) -> None:
    sdl = ec.schema.as_str()
    for name in ("energyCommunityAllocate", "energyCommunityKpis", "energyCommunityBill"):
        assert f"  {name}(" in sdl
    assert "enum EnergyCommunityKpisBasis" in sdl
    assert "input ToleranceInput" in sdl


def test_a_command_runs_and_its_result_is_typed(ec: Client) -> None:
    community_id = community(ec)
    report = ec.data(KPIS, id=community_id, period="2026-03-01", basis="OPERATOR")[
        "energyCommunityKpis"
    ]
    assert report["community"] == "RC100130"
    assert (report["firstDay"], report["lastDay"]) == ("2026-03-01", "2026-03-31")
    assert report["basis"] == "operator"
    assert report["surplus"] == "0.000000"
    assert report["selfSufficiency"] is None  # nothing consumed: no percentage
    assert report["activeParticipants"] == 0
    assert report["members"] == []


def test_a_read_only_command_is_a_query_too(ec: Client) -> None:
    sdl = ec.schema.as_str()
    query_type = sdl.split("type Query {", 1)[1].split("\n}", 1)[0]
    assert "  energyCommunityKpis(" in query_type  # @command(read_only=True)
    assert "energyCommunityAllocate(" not in query_type  # writes: a mutation only
    community_id = community(ec)
    as_query = KPIS.replace("mutation", "query", 1)
    report = ec.data(as_query, id=community_id, period="2026-03-01", basis="OPERATOR")
    assert report["energyCommunityKpis"]["community"] == "RC100130"
    assert report["energyCommunityKpis"]["lastDay"] == "2026-03-31"


def test_bad_arguments_come_back_as_structured_errors(ec: Client) -> None:
    community_id = community(ec)
    errors = ec.errors(KPIS, id=community_id, period="2026-02-30")
    assert "Date" in errors[0]["message"]  # the scalar refuses it before the command runs
    errors = ec.errors(RECONCILE, id=community_id, tolerance={"kwh": "-1"})
    assert errors[0]["extensions"]["code"] == "INVALID"
    assert errors[0]["path"] == ["energyCommunityReconcile"]
    missing = ec.errors(KPIS, id="00000000-0000-0000-0000-000000000000", period="2026-03-01")
    assert missing[0]["extensions"]["code"] == "NOT_FOUND"


@pytest.fixture
def api(ec_model: CompiledModel, ec_repo: Repository) -> Iterator[Served]:
    SeriesStore(ec_repo.engine, ec_model).create_tables()
    with served(ec_model, ec_repo) as s:
        yield s


def test_the_policy_decides_who_may_run_a_command(api: Served) -> None:
    reconcile = """mutation ($id: ID!) {
        energyCommunityReconcile(id: $id, period: "2026-03-01") { __typename } }"""
    kpis = (
        """query ($id: ID!) { energyCommunityKpis(id: $id, period: "2026-03-01") { community } }"""
    )
    community_id = api.ids["community"]
    assert api.data("ada", reconcile, id=community_id)["energyCommunityReconcile"]
    staff = api.run("sam", reconcile, id=community_id)["errors"][0]
    assert staff["extensions"]["code"] == "FORBIDDEN"  # staff change nothing
    # Read-only commands are reads: staff may run them (as a query or a mutation) ...
    for document in (kpis, kpis.replace("query", "mutation", 1)):
        assert api.data("sam", document, id=community_id)["energyCommunityKpis"]["community"]
        assert api.data("ada", document, id=community_id)["energyCommunityKpis"]["community"]
    # ... members may not run them on their community, nobody anonymously.
    member = api.run("anna", kpis, id=community_id)["errors"][0]
    assert member["extensions"]["code"] in ("FORBIDDEN", "NOT_FOUND")
    anonymous = api.run(None, kpis, id=community_id)["errors"][0]
    assert anonymous["extensions"]["code"] == "UNAUTHENTICATED"
