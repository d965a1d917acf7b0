"""Series fields: `energy(from, to, resolution, aggregate, codes)` buckets with the quality mix,
read for all metering points of a level in one statement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import polars as pl
from graphql_client import Client, statements
from graphql_world import build_world

from meshkit.runtime.series import SERIES_SCHEMA, SeriesStore

G01 = "1-1:1.9.0 G.01"
QUERY = """query($from: DateTime!, $to: DateTime!) {
  meteringPoints(orderBy: [{meteringPointId: ASC}]) { nodes {
    meteringPointId
    energy(from: $from, to: $to, resolution: DAY) {
      code start end value count expected complete qualities { quality value count }
    }
    avg: energy(from: $from, to: $to, resolution: DAY, aggregate: AVG,
                codes: ["1-1:1.9.0 G.01"]) { value }
  } }
}"""


def test_series_buckets_with_quality_mix_in_one_read(ec: Client) -> None:
    world = build_world(ec.repository, communities=1, members=3)
    store = SeriesStore(ec.repository.engine, ec.repository.model)
    store.create_tables()
    first, second = (p["metering_point_id"] for p in world.points[:2])
    start = datetime(2024, 3, 4, 23, 0, tzinfo=UTC)  # 2024-03-05 00:00 in Vienna
    rows = []
    for i in range(96):  # one Vienna day of quarter-hours for the first point
        rows.append(
            (
                first,
                G01,
                start + timedelta(minutes=15 * i),
                Decimal("0.25"),
                "L2" if i < 4 else "L1",
            )
        )
    rows.append((second, G01, start, Decimal("1.5"), "L1"))  # one value only for the second
    frame = pl.DataFrame(rows, schema=SERIES_SCHEMA, orient="row")
    store.write(frame, series="energy", tenant="t1", source="test")

    with statements(ec.repository.engine) as seen:
        data = ec.data(QUERY, **{"from": "2024-03-04T23:00:00Z", "to": "2024-03-05T23:00:00Z"})
    series_reads = [s for s in seen if "meshkit_series_value" in s]
    assert len(series_reads) == 2  # one per field (sum, avg) for the whole level, not per point
    nodes = {n["meteringPointId"]: n for n in data["meteringPoints"]["nodes"]}
    (day,) = nodes[first]["energy"]
    assert day["code"] == G01
    assert day["start"] == "2024-03-04T23:00:00+00:00"
    assert Decimal(day["value"]) == Decimal("24")
    assert (day["count"], day["expected"], day["complete"]) == (96, 96, True)
    mix = {q["quality"]: (Decimal(q["value"]), q["count"]) for q in day["qualities"]}
    assert mix == {"L1": (Decimal("23"), 92), "L2": (Decimal("1"), 4)}
    assert Decimal(nodes[first]["avg"][0]["value"]) == Decimal("0.25")
    (partial,) = nodes[second]["energy"]
    assert (partial["count"], partial["complete"]) == (1, False)
    third = world.points[2]["metering_point_id"]
    assert nodes[third]["energy"] == []
