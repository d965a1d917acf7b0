"""How much faster the bulk MSCONS reader is than pydifact's own parse.

Generates an MSCONS interchange of about 430 KB (metering points x 19 days of 15-minute values,
decimal comma, released UTC offsets), then times pydifact's `Interchange.from_str` against
`read_mscons` (tokenize, check, interpret and build the readings frame): best of N runs, as
wall-clock time and as CPU time of this process. On a shared machine the wall-clock figures
swing with the load (printed before and after); CPU time is far steadier, but counts the work
of every polars thread, so with a busy pool it can exceed the wall-clock time.

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


def best_of(repeat: int, run: Callable[[], object]) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds of `repeat` runs."""
    wall, cpu = [], []
    for _ in range(repeat):
        begin, begin_cpu = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - begin)
        cpu.append(time.process_time() - begin_cpu)
    return min(wall), min(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per reader (best is kept)")
    args = parser.parse_args()
    text = generate()
    rows = read_mscons(text).height
    load = os.getloadavg()
    pydifact_wall, pydifact_cpu = best_of(args.repeat, lambda: parse_interchange(text))
    bulk_wall, bulk_cpu = best_of(args.repeat, lambda: read_mscons(text))
    print(f"input: {len(text.encode()) / 1024:.0f} KiB, {rows} readings; best of {args.repeat}")
    print("                               wall-clock      CPU")
    print(
        f"pydifact Interchange.from_str: {pydifact_wall * 1e3:7.1f} ms {pydifact_cpu * 1e3:7.1f} ms"
    )
    print(f"meshkit read_mscons (frame):   {bulk_wall * 1e3:7.1f} ms {bulk_cpu * 1e3:7.1f} ms")
    print(
        f"ratio:                         {pydifact_wall / bulk_wall:7.1f} x  "
        f"{pydifact_cpu / bulk_cpu:7.1f} x"
    )
    after = os.getloadavg()
    print(
        f"load average (1/5/15 min) before {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, "
        f"after {after[0]:.2f} {after[1]:.2f} {after[2]:.2f}"
    )
    print(
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"polars {pl.__version__} with {pl.thread_pool_size()} threads "
        f"(POLARS_MAX_THREADS; on a loaded machine 1 thread can be faster)"
    )


if __name__ == "__main__":
    main()
