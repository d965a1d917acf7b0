"""How much faster the bulk MSCONS reader is than pydifact's own parse.

Generates an MSCONS interchange of about 430 KB (metering points x a month of 15-minute values,
decimal comma, released UTC offsets), then times pydifact's `Interchange.from_str` against
`read_mscons` (tokenize, check, interpret and build the readings frame): best of N runs.

Run on demand: .venv/bin/python bench/mscons_parse.py [--repeat N]
(prefix POLARS_MAX_THREADS=1 to measure without polars' thread pool.)
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import polars as pl

from meshkit.adapters.edifact.pydifact_reader import parse_interchange
from meshkit.adapters.edifact.readers import read_mscons


def generate(points: int = 3, days: int = 19) -> str:
    """An MSCONS interchange with `points` metering points x `days` days of quarter-hours."""
    start = datetime(2026, 3, 1, tzinfo=UTC)
    body = [
        "UNH+MSG0001+MSCONS:D:04B:UN:2.4c'",
        "BGM+7+MSCONS0001+9'",
        "DTM+137:202604010600?+00:303'",
        "NAD+MS+9900123000002::293'",
        "NAD+MR+9900456000004::293'",
        "UNS+D'",
    ]
    for point in range(points):
        body += [
            "NAD+DP'",
            f"LOC+172+AT0030000000000000000000000{point:06d}'",
            "LIN+1'",
            "PIA+5+1-1?:1.9.0 G.01:SRW'",
        ]
        for quarter in range(days * 96):
            begin = start + timedelta(minutes=15 * quarter)
            end = begin + timedelta(minutes=15)
            value = f"{(quarter * 7 + point) % 400 / 1000:.3f}".replace(".", ",")
            body += [
                f"QTY+220:{value}:KWH'",
                f"DTM+163:{begin:%Y%m%d%H%M}?+00:303'",
                f"DTM+164:{end:%Y%m%d%H%M}?+00:303'",
            ]
    body.append(f"UNT+{len(body) + 1}+MSG0001'")
    return "\n".join(
        [
            "UNA:+,? '",
            "UNB+UNOC:3+9900123000002:500+9900456000004:500+260401:0600+BENCH0001++TL'",
            *body,
            "UNZ+1+BENCH0001'",
        ]
    )


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        begin = time.perf_counter()
        run()
        times.append(time.perf_counter() - begin)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per reader (best is kept)")
    args = parser.parse_args()
    text = generate()
    rows = read_mscons(text).height
    pydifact_s = best_of(args.repeat, lambda: parse_interchange(text))
    bulk_s = best_of(args.repeat, lambda: read_mscons(text))
    print(f"input: {len(text.encode()) / 1024:.0f} KiB, {rows} readings")
    print(f"pydifact Interchange.from_str: {pydifact_s * 1000:8.1f} ms (best of {args.repeat})")
    print(f"meshkit read_mscons (frame):   {bulk_s * 1000:8.1f} ms (best of {args.repeat})")
    print(f"ratio: {pydifact_s / bulk_s:.1f}x")
    print(
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"polars {pl.__version__} with {pl.thread_pool_size()} threads "
        f"(POLARS_MAX_THREADS; on a loaded machine 1 thread can be faster)"
    )


if __name__ == "__main__":
    main()
