"""How fast the series store loads and aggregates energy values on PostgreSQL.

Loads N = points x codes x intervals quarter-hour values (default 100 x 4 x 2,500 = 1,000,000,
26 days from 2026-03-01, so the load spans the spring DST day and two monthly partitions) as
one readings frame with `write_readings` (check, COPY into a staging table, merge into the
partitioned table), then:

- the same frame again (idempotent: every value unchanged),
- a correction of 1 % of the values (each replaced value moves to the history),
- aggregation in the database: per Vienna month and per Vienna day for all metering points,
  a raw read of one metering point's month and of everything.

The EDA issue's target is >= 300,000 values/s parsed and stored. Run on demand:

    .venv/bin/python bench/series_load.py [--points 100] [--codes 4] [--intervals 2500]

PostgreSQL from MESHKIT_BENCH_DATABASE_URL, else MESHKIT_TEST_DATABASE_URL, else
postgresql://postgres@127.0.0.1:5432/test; the bench works in a schema of its own, dropped at
the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import polars as pl
import sqlalchemy as sa

from meshkit.ck import compile_model
from meshkit.runtime import create_engine
from meshkit.runtime.series import SeriesStore

T = TypeVar("T")
MODELS = Path(__file__).resolve().parents[1] / "models"
CODES = ["1-1:1.9.0 G.01", "1-1:1.9.0 G.01T", "1-1:2.9.0 G.02", "1-1:2.9.0 G.03"]
FIRST = datetime(2026, 3, 1, tzinfo=UTC) - timedelta(hours=1)  # 1 March 00:00 Vienna
TENANT = "bench"


def database_url() -> str:
    for name in ("MESHKIT_BENCH_DATABASE_URL", "MESHKIT_TEST_DATABASE_URL"):
        if os.environ.get(name, "").strip():
            return os.environ[name].strip()
    return "postgresql://postgres@127.0.0.1:5432/test"


def readings(points: int, codes: int, intervals: int) -> pl.DataFrame:
    """The readings frame: integer Wh as kWh with 3 decimals, pseudo-random but repeatable."""
    starts = pl.datetime_range(
        FIRST, FIRST + (intervals - 1) * timedelta(minutes=15), "15m", eager=True
    ).rename("start")
    grid = (
        pl.DataFrame(
            {"metering_point": [f"AT003000000000000000000{i:010d}" for i in range(points)]}
        )
        .join(pl.DataFrame({"meter_code": CODES[:codes]}), how="cross")
        .join(starts.to_frame(), how="cross")
    )
    wh = (pl.int_range(pl.len(), dtype=pl.Int64) * 7919 % 2_500).alias("wh")
    return grid.with_columns(wh).select(
        "metering_point",
        "meter_code",
        pl.col("start").cast(pl.Datetime("us", "UTC")),
        (pl.col("start") + timedelta(minutes=15)).cast(pl.Datetime("us", "UTC")).alias("end"),
        (pl.col("wh").cast(pl.Decimal(18, 6)) / 1000).cast(pl.Decimal(18, 6)).alias("value"),
        pl.lit("KWH").alias("unit"),
        pl.when(pl.col("wh") % 50 == 0).then(pl.lit("L2")).otherwise(pl.lit("L1")).alias("quality"),
    )


def timed(run: Callable[[], T]) -> tuple[T, float]:
    began = time.perf_counter()
    result = run()
    return result, time.perf_counter() - began


def server_version(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        return str(conn.exec_driver_sql("SHOW server_version").scalar())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100)
    parser.add_argument("--codes", type=int, default=4, choices=range(1, len(CODES) + 1))
    parser.add_argument("--intervals", type=int, default=2_500)
    args = parser.parse_args()

    url = database_url()
    schema = f"bench_series_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine = create_engine(url, schema=schema)
    try:
        model = compile_model(MODELS / "energy_community")
        store = SeriesStore(engine, model)
        store.create_tables()
        frame, build = timed(lambda: readings(args.points, args.codes, args.intervals))
        n = len(frame)
        print(
            f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
            f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, polars {pl.__version__}, "
            f"PostgreSQL {server_version(engine)} (local, default settings); "
            f"load average at start {os.getloadavg()[0]:.1f}"
        )
        print(
            f"values: {n:,} = {args.points} metering points x {args.codes} codes x "
            f"{args.intervals:,} quarter-hours (frame built in {build:.2f} s)"
        )

        first, seconds = timed(lambda: store.write_readings(frame, tenant=TENANT, source="M-1"))
        print(
            f"first load:   {seconds:6.2f} s  {n / seconds:>11,.0f} values/s  "
            f"(inserted {first.inserted:,}, partitions {len(first.partitions_created)})"
        )
        again, seconds = timed(lambda: store.write_readings(frame, tenant=TENANT, source="M-1"))
        print(
            f"same again:   {seconds:6.2f} s  {n / seconds:>11,.0f} values/s  "
            f"(unchanged {again.unchanged:,})"
        )
        changed = frame.with_columns(
            pl.when(pl.int_range(pl.len()) % 100 == 0)
            .then(pl.col("value") + Decimal("0.001"))
            .otherwise(pl.col("value"))
            .cast(pl.Decimal(18, 6))
            .alias("value")
        )
        fix, seconds = timed(lambda: store.write_readings(changed, tenant=TENANT, source="M-2"))
        print(
            f"1 % changed:  {seconds:6.2f} s  {n / seconds:>11,.0f} values/s  "
            f"(replaced {fix.replaced:,}, unchanged {fix.unchanged:,})"
        )
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE meshkit_series_value")

        start = datetime(2026, 3, 1, tzinfo=UTC) - timedelta(hours=1)
        end = datetime(2026, 5, 1, tzinfo=UTC) - timedelta(hours=2)
        for label, resolution, by_key in (
            ("per month, per point+code", "P1M", True),
            ("per month, community total", "P1M", False),
            ("per day, per point+code", "P1D", True),
            ("per hour, per point+code", "PT1H", True),
        ):
            result, seconds = timed(
                lambda r=resolution, b=by_key: store.read(  # type: ignore[misc]
                    "energy", None, None, start, end, r, tenant=TENANT, by_key=b
                )
            )
            print(f"aggregate {label:28s} {seconds:6.2f} s  ({len(result):,} rows)")
        one, seconds = timed(
            lambda: store.read(
                "energy", [frame["metering_point"][0]], None, start, end, tenant=TENANT
            )
        )
        print(f"raw read of one metering point  {seconds:6.2f} s  ({len(one):,} rows)")
        everything, seconds = timed(
            lambda: store.read("energy", None, None, start, end, tenant=TENANT)
        )
        print(
            f"raw read of everything          {seconds:6.2f} s  ({len(everything):,} rows, "
            f"{len(everything) / seconds:,.0f} values/s)"
        )
        print(f"load average at end {os.getloadavg()[0]:.1f} (other processes share the CPUs)")
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


if __name__ == "__main__":
    main()
