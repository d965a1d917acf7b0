"""Series fields on the interface of an abstract class, when every concrete class below it has a
series of that name (tests/graphql/models/gql_meters: heat and water meters both have
`readings`, only heat meters `temperature`): read through the interface, one read per kind and
level, with the row rules of the policy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from graphql_client import Client, statements

from meshkit.ck import CompiledModel, compile_model
from meshkit.runtime import Repository, create_engine
from meshkit.runtime.auth import Policy, Principal
from meshkit.runtime.graphql import ModelSchema, RequestContext, build_schema
from meshkit.runtime.series import SERIES_SCHEMA, SeriesStore

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO / "tests" / "graphql" / "models" / "gql_meters"
START = datetime(2024, 3, 4, 23, 0, tzinfo=UTC)  # 2024-03-05 00:00 in Vienna
DAY = {"from": "2024-03-04T23:00:00Z", "to": "2024-03-05T23:00:00Z"}
METERS = """query($from: DateTime!, $to: DateTime!) {
  meters(orderBy: [{serial: ASC}]) { nodes {
    __typename serial
    readings(from: $from, to: $to, resolution: DAY) { code value count }
    ... on HeatMeter {
      supply: readings(from: $from, to: $to, resolution: DAY, codes: ["supply"]) { value }
      temperature(from: $from, to: $to, resolution: DAY, aggregate: MAX) { value }
    }
  } }
}"""
SITES = """query($from: DateTime!, $to: DateTime!) {
  sites(orderBy: [{name: ASC}]) { nodes { name meters { nodes {
    serial readings(from: $from, to: $to, resolution: DAY) { code value }
  } } } }
}"""


@pytest.fixture(scope="module")
def meters_model() -> CompiledModel:
    return compile_model(MODEL, library_paths=[REPO / "models"])


@pytest.fixture(scope="module")
def meters_schema(meters_model: CompiledModel) -> ModelSchema:
    return build_schema(meters_model, policy=Policy.for_model(meters_model, MODEL))


@pytest.fixture
def meters_repo(database_url: str, meters_model: CompiledModel) -> Iterator[Repository]:
    engine = create_engine(database_url)
    repository = Repository(engine, meters_model)
    repository.create_tables()
    _seed(repository)
    yield repository
    engine.dispose()


def _seed(repo: Repository) -> None:
    """Sites north and south; heat meter H1 and water meter W1 in the north, heat meter H2 in
    the south; values on 2024-03-05 (Vienna)."""
    with repo.unit_of_work(tenant="t1", actor="seed") as uow:
        north, south = uow.create_many("Site", [{"name": "north"}, {"name": "south"}])
        uow.create_many("HeatMeter", [{"serial": "H1", "site": north["id"]}])
        uow.create_many("HeatMeter", [{"serial": "H2", "site": south["id"]}])
        uow.create_many("WaterMeter", [{"serial": "W1", "site": north["id"]}])
    store = SeriesStore(repo.engine, repo.model)
    store.create_tables()

    def write(series: str, rows: list[tuple[str, str, int, str]]) -> None:
        frame = pl.DataFrame(
            [
                (key, code, START + timedelta(minutes=15 * i), Decimal(value), "L1")
                for key, code, i, value in rows
            ],
            schema=SERIES_SCHEMA,
            orient="row",
        )
        store.write(frame, series=series, tenant="t1", source="test")

    write(
        "HeatMeter.readings",
        [("H1", "supply", 0, "2"), ("H1", "supply", 1, "3"), ("H1", "return", 0, "1")],
    )
    write("HeatMeter.readings", [("H2", "supply", 0, "40")])
    write("HeatMeter.temperature", [("H1", "", 0, "61.5"), ("H1", "", 1, "63")])
    write("WaterMeter.readings", [("W1", "", 0, "0.125"), ("W1", "", 1, "0.25")])


def _trusted(schema: ModelSchema, repo: Repository) -> Client:
    return Client(schema, repo)


def _as(schema: ModelSchema, repo: Repository, keeper: str, query: str) -> dict[str, Any]:
    policy = Policy.for_model(repo.model, MODEL)
    principal = Principal(subject=keeper, tenant="t1", roles=frozenset({"keeper"}))
    context = RequestContext(repo, principal=principal, policy=policy)
    result = schema.execute_sync(query, DAY, context)
    assert not result.errors, result.errors
    assert result.data is not None
    return result.data


def _values(buckets: list[dict[str, Any]]) -> dict[str, Decimal]:
    return {b.get("code", ""): Decimal(b["value"]) for b in buckets}


def test_the_interface_reads_each_kinds_series(
    meters_schema: ModelSchema, meters_repo: Repository
) -> None:
    client = _trusted(meters_schema, meters_repo)
    with statements(meters_repo.engine) as seen:
        data = client.data(METERS, **DAY)
    # readings: one read per kind (heat, water); supply and temperature: one each
    assert len([s for s in seen if "meshkit_series_value" in s]) == 4
    nodes = {n["serial"]: n for n in data["meters"]["nodes"]}
    assert nodes["H1"]["__typename"] == "HeatMeter"
    assert _values(nodes["H1"]["readings"]) == {"return": Decimal("1"), "supply": Decimal("5")}
    assert _values(nodes["H1"]["supply"]) == {"": Decimal("5")}
    assert _values(nodes["H1"]["temperature"]) == {"": Decimal("63")}
    assert _values(nodes["H2"]["readings"]) == {"supply": Decimal("40")}
    assert nodes["W1"]["__typename"] == "WaterMeter"
    (water,) = nodes["W1"]["readings"]
    assert (water["code"], Decimal(water["value"]), water["count"]) == ("", Decimal("0.375"), 2)


def test_a_mixed_level_below_an_association(
    meters_schema: ModelSchema, meters_repo: Repository
) -> None:
    data = _trusted(meters_schema, meters_repo).data(SITES, **DAY)
    sites = {s["name"]: s["meters"]["nodes"] for s in data["sites"]["nodes"]}
    north = {m["serial"]: _values(m["readings"]) for m in sites["north"]}
    assert north == {
        "H1": {"return": Decimal("1"), "supply": Decimal("5")},
        "W1": {"": Decimal("0.375")},
    }
    assert [m["serial"] for m in sites["south"]] == ["H2"]


def test_only_series_every_kind_has_are_on_the_interface(
    meters_schema: ModelSchema, meters_repo: Repository
) -> None:
    client = _trusted(meters_schema, meters_repo)
    errors = client.errors(
        """{ meters { nodes { temperature(from: "2024-03-05T00:00:00Z",
                                          to: "2024-03-06T00:00:00Z") { value } } } }"""
    )
    assert "Cannot query field 'temperature' on type 'Meter'" in errors[0]["message"]
    # codes only where every kind's series has codes: water readings have none
    errors = client.errors(
        """{ meters { nodes { readings(from: "2024-03-05T00:00:00Z",
                   to: "2024-03-06T00:00:00Z", codes: ["supply"]) { value } } } }"""
    )
    assert "Unknown argument 'codes'" in errors[0]["message"]


def test_a_keeper_reads_the_series_of_their_sites_meters_only(
    meters_schema: ModelSchema, meters_repo: Repository
) -> None:
    north = _as(meters_schema, meters_repo, "north", METERS)["meters"]["nodes"]
    assert [(n["serial"], n["__typename"]) for n in north] == [
        ("H1", "HeatMeter"),
        ("W1", "WaterMeter"),
    ]
    south = _as(meters_schema, meters_repo, "south", SITES)["sites"]["nodes"]
    by_site = {s["name"]: s["meters"]["nodes"] for s in south}
    assert by_site["north"] == []  # the site is readable, its meters are not
    assert [(m["serial"], _values(m["readings"])) for m in by_site["south"]] == [
        ("H2", {"supply": Decimal("40")})
    ]
