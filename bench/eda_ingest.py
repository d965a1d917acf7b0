"""Benchmark: DATEN_CRMSG messages stored raw, parsed and loaded into the series store (PostgreSQL).

    .venv/bin/python bench/eda_ingest.py [--messages 200] [--url postgresql://...]
        [--single-writes]   # A/B: bookkeeping with update/link per message, as before batches

Each message is one metering point-day with four meter codes (96 × 4 = 384 values). Prints
energy values per second for: storing raw, parsing alone (codecs + readings frame, XSD on; and
the processor's column-wise fast path, fast_record.py), and the whole processing (parse, one
series load per batch with the MessageId as source, EdaProcess, message status), plus where
the processing time goes (cProfile: the phases parse / series load / bookkeeping, then the top
functions). The machine's load average is printed before and after: on a shared machine the
figures are noisy.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "eda_processing"))

from eda_processing_support import (
    CONSUMED,
    COVERED,
    build_world,
    daten_crmsg,
    fake_point,
    xsd_dir,
)

from meshkit.adapters.eda.processing import process_pending, store_inbound
from meshkit.adapters.eda.processing.fast_record import read_energy
from meshkit.adapters.eda.xml import consumption_record_readings, read_document
from meshkit.runtime import UnitOfWork

CODES = (CONSUMED, "1-1:1.9.0 G.01T", "1-1:2.9.0 G.02", COVERED)
#: (label, file suffix, function) of the processing phases reported from the profile.
PHASES = (
    ("parse", "processing/batch.py", "_parse_all"),
    ("series load", "series/store.py", "write_readings_batch"),
    ("bookkeeping", "processing/batch.py", "_bookkeeping"),
)


def _one_by_one_updates(
    self: UnitOfWork, class_ref: str, updates: Sequence[tuple[str, Mapping[str, Any], int]]
) -> list[dict[str, Any]]:
    return [self.update(class_ref, i, changes, version) for i, changes, version in updates]


def _one_by_one_links(
    self: UnitOfWork,
    class_ref: str,
    end: str,
    links: Sequence[tuple[str, str] | tuple[str, str, Mapping[str, Any] | None]],
) -> list[dict[str, Any]]:
    return [
        self.link(class_ref, given[0], end, given[1], given[2] if len(given) > 2 else None)
        for given in links
    ]


def _phase_seconds(stats: pstats.Stats) -> dict[str, float]:
    """Cumulative seconds of each of PHASES in the profile."""
    found = dict.fromkeys((label for label, _, _ in PHASES), 0.0)
    entries: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    for (file, _line, function), (_cc, _nc, _tt, cumulative, _callers) in entries.items():
        for label, suffix, name in PHASES:
            if function == name and file.endswith(suffix):
                found[label] += cumulative
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument(
        "--single-writes",
        action="store_true",
        help="run UnitOfWork.update_many/link_many as one update/link per item (the A side)",
    )
    args = parser.parse_args()
    if args.single_writes:
        UnitOfWork.update_many = _one_by_one_updates  # type: ignore[method-assign]
        UnitOfWork.link_many = _one_by_one_links  # type: ignore[method-assign]
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(args.url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        run(f"{args.url}?options=-csearch_path%3D{schema}", args.messages)
    finally:
        with psycopg.connect(args.url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def run(url: str, count: int) -> None:
    print(f"{os.uname().sysname} {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    world = build_world(url)
    payloads = [daten_crmsg(f"B{n:06d}", point=fake_point(n), codes=CODES) for n in range(count)]
    values = count * 96 * len(CODES)
    began = time.perf_counter()
    for payload in payloads:
        store_inbound(world.ctx, payload)
    stored = time.perf_counter() - began
    began = time.perf_counter()
    for payload in payloads:
        consumption_record_readings(read_document(payload, xsd_dir=xsd_dir()))  # type: ignore[arg-type]
    parsed = time.perf_counter() - began
    began = time.perf_counter()
    for payload in payloads:
        assert read_energy(payload, xsd_dir=xsd_dir()) is not None
    fast = time.perf_counter() - began
    profile = cProfile.Profile()
    began = time.perf_counter()
    profile.enable()
    report = process_pending(world.ctx)
    profile.disable()
    processed = time.perf_counter() - began
    assert report.processed == count, report
    print(f"{count} messages, {values:,} values")
    for label, seconds in (
        ("store raw", stored),
        ("parse codec", parsed),
        ("parse fast", fast),
        ("process", processed),
    ):
        print(f"  {label:<11} {seconds:7.2f} s  {values / seconds:>10,.0f} values/s")
    stats = pstats.Stats(profile)
    for label, seconds in _phase_seconds(stats).items():
        print(f"    {label:<13} {seconds:7.2f} s  {1000 * seconds / count:7.2f} ms a message")
    print(f"load average at end {os.getloadavg()[0]:.1f} (2 CPUs shared with other users)")
    stats.sort_stats("cumulative").print_stats(18)
    world.repository.engine.dispose()


if __name__ == "__main__":
    main()
