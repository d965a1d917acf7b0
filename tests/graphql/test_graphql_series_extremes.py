"""Series fields with `aggregate: MIN` / `MAX`: a bucket's smallest and largest stored value and
its quality mix per quality, computed in the store, one read per field for the whole level."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import polars as pl
import pytest
from graphql_client import Client, statements
from graphql_secure_world import served
from graphql_world import build_world

from meshkit.ck import CompiledModel
from meshkit.runtime import Repository
from meshkit.runtime.series import SERIES_SCHEMA, SeriesError, SeriesStore

G01 = "1-1:1.9.0 G.01"
START = datetime(2024, 3, 4, 23, 0, tzinfo=UTC)  # 2024-03-05 00:00 in Vienna
DAY = {"from": "2024-03-04T23:00:00Z", "to": "2024-03-05T23:00:00Z"}
QUERY = """query($from: DateTime!, $to: DateTime!) {
  meteringPoints(orderBy: [{meteringPointId: ASC}]) { nodes {
    meteringPointId
    low: energy(from: $from, to: $to, resolution: DAY, aggregate: MIN) {
      value count qualities { quality value count } }
    high: energy(from: $from, to: $to, resolution: DAY, aggregate: MAX) {
      value count qualities { quality value count } }
    hourly: energy(from: $from, to: $to, resolution: HOUR, aggregate: MAX) { start value }
  } }
}"""


def _write(repo: Repository, values: dict[str, list[tuple[str, str]]]) -> None:
    """Per metering point id, consecutive quarter-hours from START: (value, quality)."""
    store = SeriesStore(repo.engine, repo.model)
    store.create_tables()
    rows = [
        (key, G01, START + timedelta(minutes=15 * i), Decimal(value), quality)
        for key, series in values.items()
        for i, (value, quality) in enumerate(series)
    ]
    frame = pl.DataFrame(rows, schema=SERIES_SCHEMA, orient="row")
    store.write(frame, series="energy", tenant="t1", source="test")


def _mix(bucket: dict[str, object]) -> dict[str, tuple[Decimal, int]]:
    shares = bucket["qualities"]
    assert isinstance(shares, list)
    return {q["quality"]: (Decimal(q["value"]), q["count"]) for q in shares}


def test_minimum_and_maximum_per_bucket_with_the_quality_mix(
    ec: Client, ec_repo: Repository
) -> None:
    world = build_world(ec_repo, communities=1, members=3)
    first, second, third = (p["metering_point_id"] for p in world.points[:3])
    # first: 8 quarter-hours (two hours), -0.5 (a correction) to 3; L2 substituted in hour two
    day = [("1", "L1"), ("-0.5", "L1"), ("2", "L1"), ("0.75", "L1")]
    day += [("3", "L2"), ("0.25", "L2"), ("1.5", "L1"), ("0.5", "L1")]
    _write(ec_repo, {first: day, second: [("7.125", "L3")]})

    with statements(ec_repo.engine) as seen:
        data = ec.data(QUERY, **DAY)
    assert len([s for s in seen if "meshkit_series_value" in s]) == 3  # one per field
    nodes = {n["meteringPointId"]: n for n in data["meteringPoints"]["nodes"]}

    (low,) = nodes[first]["low"]
    (high,) = nodes[first]["high"]
    assert (Decimal(low["value"]), low["count"]) == (Decimal("-0.5"), 8)
    assert (Decimal(high["value"]), high["count"]) == (Decimal("3"), 8)
    assert _mix(low) == {"L1": (Decimal("-0.5"), 6), "L2": (Decimal("0.25"), 2)}
    assert _mix(high) == {"L1": (Decimal("2"), 6), "L2": (Decimal("3"), 2)}
    hours = [(h["start"], Decimal(h["value"])) for h in nodes[first]["hourly"]]
    assert hours == [
        ("2024-03-04T23:00:00+00:00", Decimal("2")),
        ("2024-03-05T00:00:00+00:00", Decimal("3")),
    ]

    (only,) = nodes[second]["high"]
    assert Decimal(only["value"]) == Decimal("7.125") == Decimal(nodes[second]["low"][0]["value"])
    assert _mix(only) == {"L3": (Decimal("7.125"), 1)}
    assert nodes[third]["low"] == nodes[third]["high"] == []


def test_the_store_refuses_an_unknown_measure(ec_repo: Repository) -> None:
    store = SeriesStore(ec_repo.engine, ec_repo.model)
    store.create_tables()
    with pytest.raises(SeriesError, match="unknown measure 'median'"):
        store.read(
            "energy",
            None,
            None,
            START,
            START + timedelta(days=1),
            "P1D",
            tenant="t1",
            measure="median",
        )


def test_a_member_gets_extremes_of_their_own_points_only(
    ec_model: CompiledModel, ec_repo: Repository
) -> None:
    query = """query($from: DateTime!, $to: DateTime!) { meteringPoints(
        orderBy: [{meteringPointId: ASC}]) { nodes { id
        energy(from: $from, to: $to, resolution: DAY, aggregate: MAX) { value } } } }"""
    with served(ec_model, ec_repo) as api:
        with ec_repo.unit_of_work(tenant="t1", actor="seed") as uow:
            keys = {
                name: uow.get("MeteringPoint", api.ids[name])["metering_point_id"]
                for name in ("point_a", "point_b")
            }
        _write(ec_repo, {keys["point_a"]: [("1", "L1")], keys["point_b"]: [("9", "L1")]})
        admin = api.data("ada", query, **DAY)["meteringPoints"]["nodes"]
        anna = api.data("anna", query, **DAY)["meteringPoints"]["nodes"]
    maxima = {n["id"]: [Decimal(b["value"]) for b in n["energy"]] for n in admin}
    assert maxima[api.ids["point_b"]] == [Decimal("9")]
    assert {n["id"] for n in anna} == {api.ids["point_a"], api.ids["shared"]}
    assert {n["id"]: [Decimal(b["value"]) for b in n["energy"]] for n in anna} == {
        api.ids["point_a"]: [Decimal("1")],
        api.ids["shared"]: [],
    }
