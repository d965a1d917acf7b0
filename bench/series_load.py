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

`--year` measures instead what the allocation of a year waits for (issue #6): a year of
15-minute values for 1,000 metering points (35 million values, `meshkit energy generate`: 900
consumers and 100 PV producers, 2026) written through the store month by month, then **read
back into one polars frame**, timed on its own: everything, and the allocation's read (its
keys, the two measured codes).

    .venv/bin/python bench/series_load.py --year [--points 1000] [--days 365]

PostgreSQL from MESHKIT_BENCH_DATABASE_URL, else MESHKIT_TEST_DATABASE_URL, else
postgresql://postgres@127.0.0.1:5432/test; the bench works in a schema of its own, dropped at
the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
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


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def resident_mb() -> float:
    """This process's resident memory now (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def with_memory(run: Callable[[], T]) -> tuple[T, float, float]:
    """`run()`, its seconds, and how far resident memory rose above where it started while it
    ran (sampled every 20 ms): the process peak would include the data generation."""
    base, peak, done = resident_mb(), [0.0], threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], resident_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result, seconds = timed(run)
    finally:
        done.set()
        sampler.join()
    return result, seconds, max(peak[0], resident_mb()) - base


def generated_year(folder: Path, points: int, days: int) -> pl.DataFrame:
    """`meshkit energy generate` into a parquet file, keyed like EDA ingestion stores it."""
    path = folder / "year.parquet"
    meshkit = Path(sys.executable).with_name("meshkit")
    consumers, producers = points - points // 10, points // 10
    arguments = ["--consumers", str(consumers), "--producers", str(producers), "--days", str(days)]
    subprocess.run(
        [str(meshkit), "energy", "generate", str(path), *arguments, "--from", "2026-01-01"],
        check=True,
        capture_output=True,
    )
    return pl.read_parquet(path).with_columns(
        pl.concat_str(pl.lit("RC100130/"), "metering_point").alias("metering_point")
    )


def year(store: SeriesStore, points: int, days: int) -> None:
    """Write a generated year month by month, then time reading it back into polars."""
    with tempfile.TemporaryDirectory() as folder:
        frame, seconds = timed(lambda: generated_year(Path(folder), points, days))
    n = frame.height
    print(
        f"values: {n:,} = {points:,} metering points x {n // points:,} quarter hours "
        f"(generated in {seconds:.1f} s)"
    )
    month = pl.col("start").dt.convert_time_zone("Europe/Vienna").dt.month()
    written = 0.0
    for part in frame.with_columns(month.alias("_month")).partition_by("_month"):
        _, seconds = timed(
            lambda p=part: store.write_readings(  # type: ignore[misc]
                p.drop("_month"), tenant=TENANT, source="M-YEAR"
            )
        )
        written += seconds
    keys = frame["metering_point"].unique().sort().to_list()
    codes = frame["meter_code"].unique().sort().to_list()
    first, last = frame["start"].min(), frame["end"].max()
    del frame
    print(f"written:      {written:6.1f} s  {n / written:>11,.0f} values/s (month by month)")
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE meshkit_series_value")
    assert isinstance(first, datetime) and isinstance(last, datetime)
    for label, wanted_keys, wanted_codes in (
        ("everything", None, None),
        (f"{len(keys):,} keys x {len(codes)} codes", keys, codes),
    ):
        best, rose = float("inf"), 0.0
        rows, size = 0, 0.0
        for _ in range(2):
            read, seconds, grew = with_memory(
                lambda k=wanted_keys, c=wanted_codes: store.read(  # type: ignore[misc]
                    "energy", k, c, first, last, tenant=TENANT
                )
            )
            best, rose = min(best, seconds), max(rose, grew)
            rows, size = read.height, read.estimated_size("mb")
            del read
        print(
            f"read {label:26s} {best:6.1f} s  {rows / best:>11,.0f} values/s  ({rows:,} rows, "
            f"best of 2; frame {size:,.0f} MB, memory rose by up to {rose:,.0f} MB)"
        )
    print(f"peak memory of this process {peak_memory_mb():,.0f} MB (generating included)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=None, help="100; with --year 1,000")
    parser.add_argument("--codes", type=int, default=4, choices=range(1, len(CODES) + 1))
    parser.add_argument("--intervals", type=int, default=2_500)
    parser.add_argument("--year", action="store_true", help="a year written, then read back")
    parser.add_argument("--days", type=int, default=365, help="with --year: days from 1 January")
    args = parser.parse_args()
    points = args.points or (1_000 if args.year else 100)

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
        print(
            f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
            f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, polars {pl.__version__}, "
            f"PostgreSQL {server_version(engine)} (local, default settings); "
            f"load average at start {os.getloadavg()[0]:.1f}"
        )
        if args.year:
            year(store, points, args.days)
            print(f"load average at end {os.getloadavg()[0]:.1f} (other processes share the CPUs)")
            return
        frame, build = timed(lambda: readings(points, args.codes, args.intervals))
        n = len(frame)
        print(
            f"values: {n:,} = {points} metering points x {args.codes} codes x "
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
