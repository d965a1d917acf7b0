"""How long the allocation engine takes, and how it scales (issue: energy data and allocation).

Run on demand:  .venv/bin/python bench/allocation.py [--repeat N] [--workers N] [--quick]

Data comes from `meshkit.models.energy_community.synthetic` (households, businesses and PV at
Vienna, Europe/Vienna quarter hours); 10 % of the consumers count with a factor of 50 %.

1. **A community month through the frame API** (`allocate`): 500 consumers and 50 producers,
   May 2026, static and dynamic — the whole call: checking the input, pairing values with
   participations, sharing, building the readings frame (one row per point, meter code and
   quarter hour).
2. **A year, dense**: dynamic allocation of 1,000 metering points x 35,040 quarter hours
   (35 million values) on the matrix core (`share_generation`), result kept in memory.
   Target: <= 2 s and peak memory <= 2 GB. Run in a child process that loads the generated
   values from a file, so its peak resident memory is the allocation's (input included), not
   the generator's.
3. **Growth**: 100, 1,000 and 10,000 metering points over the same year, each month's result
   consumed (summed per member) as it comes, as a store would write it: time per value should
   stay flat.

The figures depend on the machine's load: the script prints it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from meshkit.models.energy_community.allocation import AllocationModel, allocate
from meshkit.models.energy_community.allocation.matrix import (
    Block,
    share_chunks,
    share_generation,
)
from meshkit.models.energy_community.synthetic import SyntheticData, generate

YEAR = date(2026, 1, 1)


def factors(data: SyntheticData) -> np.ndarray:  # type: ignore[type-arg]
    """Participation factor per point: every tenth consumer counts with 50 %."""
    factor = np.full((len(data.points), 1), 100, dtype=np.int64)
    consumers = np.nonzero(~data.producer)[0]
    factor[consumers[::10]] = 50
    return factor


def participations(data: SyntheticData, model: AllocationModel) -> pl.DataFrame:
    consumers = int((~data.producer).sum())
    factor = factors(data)[:, 0]
    return pl.DataFrame(
        {
            "metering_point": data.points,
            "direction": ["generation" if p else "consumption" for p in data.producer],
            "factor": factor,
            "static_share": [
                None if p else 100 / consumers if model is AllocationModel.STATIC else None
                for p in data.producer
            ],
            "valid_from": [date(2026, 1, 1)] * len(data.points),
            "valid_to": [None] * len(data.points),
        },
        schema_overrides={"static_share": pl.Decimal(7, 4), "valid_to": pl.Date},
    )


def frame_api(repeat: int) -> None:
    data = generate(500, 50, date(2026, 5, 1), 31, seed=7)
    measurements = data.measurements()
    print(
        f"\n1. frame API: 500 consumers + 50 producers x {len(data.starts):,} quarter hours "
        f"= {measurements.height:,} values"
    )
    for model in AllocationModel:
        shares = participations(data, model)
        best = float("inf")
        rows = 0
        for _ in range(repeat):
            started = time.perf_counter()
            rows = allocate(measurements, shares, model).height
            best = min(best, time.perf_counter() - started)
        print(
            f"   {model:>8}: {best:6.2f} s best of {repeat} ({rows:,} readings rows, "
            f"{measurements.height / best:,.0f} values/s)"
        )


def peak_memory_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited across exec
    from the parent that forked it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(path: str, mode: str, workers: int) -> None:
    """Runs in a child process: load the values, allocate, print figures as JSON."""
    wh = np.load(path)
    producers = int(Path(path).stem.split("-")[1])
    consumers = wh.shape[0] - producers
    factor = np.full((wh.shape[0], 1), 100, dtype=np.int64)
    factor[0:consumers:10] = 50
    blocks = [Block(0, consumers, wh.shape[0])]
    started = time.perf_counter()
    cpu = time.process_time()
    # Wh -> mWh, then G.01T = G.01 x factor / 100 halves up (as `count`), in place.
    counted = wh
    counted *= 1000 * factor
    counted += 50
    counted //= 100
    if mode == "full":
        shared = share_generation(counted, blocks, workers=workers)
        covered = int(shared.covered.sum())
    else:
        covered = 0
        for _chunk, part in share_chunks(counted, blocks, workers=workers):
            covered += int(part.covered.sum())
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "cpu": time.process_time() - cpu,
                "peak_mb": peak_memory_mb(),
                "covered_kwh": covered / 1e6,
                "values": counted.size,
            }
        )
    )


def run_child(data: SyntheticData, folder: Path, mode: str, workers: int) -> dict[str, float]:
    producers = int(data.producer.sum())
    path = folder / f"wh-{producers}.npy"
    np.save(path, data.wh)
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path), mode, str(workers)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path.unlink()
    return dict(json.loads(out.strip().splitlines()[-1]))


def dense(workers: int, points: list[int], repeat: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = generate(900, 100, YEAR, 365, seed=11)
        print(
            f"\n2. a year, dense: 900 consumers + 100 producers x {len(data.starts):,} quarter "
            f"hours = {data.values:,} values, dynamic, {workers} worker thread(s)"
        )
        runs = [run_child(data, Path(folder), "full", workers) for _ in range(repeat)]
        best = min(runs, key=lambda r: r["seconds"])
        print(
            f"   {best['seconds']:6.2f} s best of {repeat} (cpu {best['cpu']:.2f} s), "
            f"peak memory {best['peak_mb']:,.0f} MB, {best['values'] / best['seconds']:,.0f} "
            f"values/s; G.03 total {best['covered_kwh']:,.0f} kWh"
        )
        del data
        print("\n3. growth, month by month, the same year:")
        for size in points:
            data = generate(size - size // 10, size // 10, YEAR, 365, seed=11)
            result = run_child(data, Path(folder), "chunks", workers)
            print(
                f"   {size:>6,} points: {result['seconds']:7.2f} s, "
                f"{result['seconds'] / result['values'] * 1e9:6.1f} ns per value, "
                f"peak memory {result['peak_mb']:,.0f} MB"
            )
            del data


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--points", default="100,1000,10000", help="sizes for the growth figures (comma list)"
    )
    parser.add_argument("--quick", action="store_true", help="skip the frame API month")
    args = parser.parse_args()
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, "
        f"python {sys.version.split()[0]}, numpy {np.__version__}, polars {pl.__version__} "
        f"({pl.thread_pool_size()} threads), load average {os.getloadavg()[0]:.1f}"
    )
    if not args.quick:
        frame_api(args.repeat)
    dense(args.workers, [int(p) for p in args.points.split(",")], args.repeat)
    print(f"\nload average at the end {os.getloadavg()[0]:.1f} (other processes share the CPUs)")


if __name__ == "__main__":
    main()
