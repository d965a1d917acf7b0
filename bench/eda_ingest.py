"""Benchmark: DATEN_CRMSG messages stored raw, parsed and loaded into the series store (PostgreSQL).

    .venv/bin/python bench/eda_ingest.py [--messages 200] [--url postgresql://...]

Each message is one metering point-day with four meter codes (96 × 4 = 384 values). Prints
energy values per second for: storing raw, parsing alone (codecs + readings frame, XSD on; and
the processor's column-wise fast path, fast_record.py), and the whole processing (parse, one
series load per batch with the MessageId as source, EdaProcess, message status), plus where
the processing time goes (cProfile, top functions). The machine's load average is printed
before and after: on a shared machine the figures are noisy.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
import uuid
from pathlib import Path

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

CODES = (CONSUMED, "1-1:1.9.0 G.01T", "1-1:2.9.0 G.02", COVERED)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
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
    print(f"load average at end {os.getloadavg()[0]:.1f} (2 CPUs shared with other users)")
    pstats.Stats(profile).sort_stats("cumulative").print_stats(18)
    world.repository.engine.dispose()


if __name__ == "__main__":
    main()
