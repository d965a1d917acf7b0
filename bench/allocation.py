"""How long the allocation engine takes for a realistic community month.

A community of 500 consumers and 50 producers, one month (May 2026, 31 days x 96 = 2,976
quarter hours, about 1.6 million measured values), static and dynamic model: best of N runs of
the whole call (checking the input, allocating, building the readings frame).

Run on demand: .venv/bin/python bench/allocation.py [--repeat N] [--consumers N] [--producers N]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial

import polars as pl

from meshkit.models.energy_community.allocation import AllocationModel, allocate


def point_id(kind: str, number: int) -> str:
    """A 33-character metering point id."""
    return f"AT0030000000000000000{kind}{number:011d}"


def community(consumers: int, producers: int, days: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Measurements (integer Wh, pseudo-random but repeatable) and participations."""
    first = datetime(2026, 5, 1, tzinfo=UTC)
    starts = pl.datetime_range(
        first, first + timedelta(days=days) - timedelta(minutes=15), "15m", eager=True
    ).rename("start")
    points = pl.DataFrame(
        {
            "metering_point": [point_id("C", i) for i in range(consumers)]
            + [point_id("P", i) for i in range(producers)],
            "direction": ["consumption"] * consumers + ["generation"] * producers,
        }
    )
    grid = points.join(starts.to_frame(), how="cross").with_row_index("n")
    noise = pl.col("n").hash(seed=7)
    daylight = pl.col("start").dt.hour().is_between(5, 17)
    measurements = grid.select(
        "metering_point",
        "start",
        pl.when(pl.col("direction") == "consumption")
        .then(noise % 600)  # up to 0.6 kWh per quarter hour
        .when(daylight)
        .then(noise % 8_000)  # up to 8 kWh per quarter hour (a 32 kWp roof)
        .otherwise(0)
        .cast(pl.Int64)
        .alias("value"),
    )
    participations = points.with_columns(
        # Every tenth consumer also takes part in another community with half its energy.
        pl.when(pl.int_range(pl.len()) % 10 == 0).then(50).otherwise(100).alias("factor"),
        pl.when(pl.col("direction") == "consumption")
        .then(pl.lit(Decimal(100) / consumers).cast(pl.Decimal(7, 4)))
        .alias("static_share"),
        pl.lit(date(2026, 1, 1)).alias("valid_from"),
        pl.lit(None, dtype=pl.Date).alias("valid_to"),
    ).select("metering_point", "direction", "factor", "static_share", "valid_from", "valid_to")
    return measurements, participations


def best_of(repeat: int, run: Callable[[], pl.DataFrame]) -> tuple[float, int]:
    times = []
    rows = 0
    for _ in range(repeat):
        began = time.perf_counter()
        rows = run().height
        times.append(time.perf_counter() - began)
    return min(times), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--consumers", type=int, default=500)
    parser.add_argument("--producers", type=int, default=50)
    parser.add_argument("--days", type=int, default=31)
    args = parser.parse_args()

    measurements, participations = community(args.consumers, args.producers, args.days)
    intervals = measurements["start"].n_unique()
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, "
        f"python {sys.version.split()[0]}, polars {pl.__version__} "
        f"({pl.thread_pool_size()} threads), load average {os.getloadavg()[0]:.1f}"
    )
    print(
        f"community: {args.consumers} consumers + {args.producers} producers x "
        f"{intervals:,} quarter hours = {measurements.height:,} measured values"
    )
    for model in AllocationModel:
        seconds, rows = best_of(args.repeat, partial(allocate, measurements, participations, model))
        print(
            f"{model:>8}: {seconds:6.2f} s best of {args.repeat} "
            f"({rows:,} readings rows, {measurements.height / seconds:,.0f} values/s)"
        )


if __name__ == "__main__":
    main()
