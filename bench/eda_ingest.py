"""Benchmark: DATEN_CRMSG messages stored raw, parsed and loaded into the series store (PostgreSQL).

    .venv/bin/python bench/eda_ingest.py [--messages 1000] [--days 1] [--workers 0,1]
        [--batch 500] [--url postgresql://...] [--profile] [--single-writes] [--mscons POINTS]

Each message is one metering point with four meter codes for `--days` days of quarter hours
(1: 384 values, a point-day as sent daily; 31: 11,904 values, a month as grid operators send on
request). Prints energy values per second for parsing alone in this process (the codec; the
column-wise fast path a message at a time and a list at once, its CPU time split into lxml
parse, XSD validation, reading the texts (both included) and converting the columns), for the
series load alone (`write_readings_batch` of `--batch` messages' readings), and for the whole
processing (`process_pending`: parse, one series load per batch with the MessageId as source,
EdaProcess, message status) once per `--workers` count, each on a
fresh schema. For each processing run it prints the CPU seconds of the main process, of the
parse workers and of the PostgreSQL backends serving the run: on a shared machine the
wall-clock figures swing with the load (printed), the CPU seconds far less.

`--mscons POINTS` measures MSCONS instead: one interchange of POINTS metering points × `--days`
days of quarter hours (bench/mscons_parse.py's generator) read by the bulk EDIFACT reader and
loaded with `ingest_mscons` (the whole MSCONS path: reader, keyed readings, one series load).

`--profile` adds a cProfile of the first processing run, split into the phases parse (in the
main process: reading payloads and waiting for the workers), series load and bookkeeping.
`--single-writes` runs the bookkeeping with one `update`/`link` per message (the A side of the
update_many/link_many A/B, see docs/eda.md).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "eda_processing"))

from eda_processing_support import (
    CONSUMED,
    COVERED,
    DSO,
    EEG,
    build_world,
    fake_point,
    quarter_hours,
    xsd_dir,
)

from meshkit.adapters.eda.processing import (
    SERIES,
    ingest_mscons,
    keyed_readings,
    parsing,
    process_pending,
    store_inbound,
)
from meshkit.adapters.eda.processing.fast_record import (
    EnergyTexts,
    energy_frames,
    read_energy,
    read_texts,
)
from meshkit.adapters.eda.xml import (
    ConsumptionRecord,
    Energy,
    EnergyData,
    EnergyPosition,
    MessageHeader,
    MeteringInterval,
    consumption_record_readings,
    read_document,
    write_document,
)
from meshkit.adapters.eda.xml.namespaces import BY_NAMESPACE
from meshkit.adapters.eda.xml.parser import parse_document
from meshkit.adapters.eda.xml.validation import validate_element
from meshkit.adapters.edifact import read_mscons
from meshkit.runtime import UnitOfWork

CODES = (CONSUMED, "1-1:1.9.0 G.01T", "1-1:2.9.0 G.02", COVERED)
FIRST_DAY = date(2026, 3, 2)
#: (label, file suffix, function) of the processing phases reported from the profile.
PHASES = (
    ("parse", "processing/parsing.py", "parsed"),
    ("series load", "series/store.py", "write_readings_batch"),
    ("bookkeeping", "processing/batch.py", "_bookkeeping"),
)


def energy_message(number: int, days: int) -> bytes:
    """DATEN_CRMSG 01.41 for metering point `number`: CODES × every quarter hour of `days`."""
    starts = [s for d in range(days) for s in quarter_hours(FIRST_DAY + timedelta(days=d))]
    step = timedelta(minutes=15)
    message_id = f"B{number:06d}"
    record = ConsumptionRecord(
        header=MessageHeader(
            sender=DSO,
            receiver=EEG,
            created=datetime(2026, 4, 3, 5, 0, tzinfo=UTC),
            message_code="DATEN_CRMSG",
            message_id=message_id,
            conversation_id=f"C{message_id}",
        ),
        process_date=FIRST_DAY,
        metering_point=fake_point(number),
        ec_id=f"AT00300000000{EEG}000000000000",
        energy=(
            Energy(
                period_start=starts[0],
                period_end=starts[-1] + step,
                interval=MeteringInterval.QUARTER_HOUR,
                number_of_intervals=len(starts),
                metering_reason="00",
                data=tuple(
                    EnergyData(
                        meter_code=code,
                        unit="KWH",
                        positions=tuple(
                            EnergyPosition(s, s + step, "L1", Decimal(f"0.{n % 1000:03d}"))
                            for n, s in enumerate(starts)
                        ),
                    )
                    for code in CODES
                ),
            ),
        ),
    )
    return write_document(record, "01p41", validate=False)


# -- CPU time of this process, the parse workers and the PostgreSQL backends --------------------


def _proc_seconds(pid: int) -> float:
    """utime + stime of a process (Linux /proc), 0 when it is gone or unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _worker_pids() -> list[int]:
    pools = list(parsing._pools.values())  # the bench looks inside: figures only
    return [p for pool in pools for p in getattr(pool, "_processes", {})]


def _backend_pids(url: str, application: str) -> list[int]:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (application,)
        ).fetchall()
    return [int(r[0]) for r in rows]


@contextmanager
def cpu_seconds(url: str, application: str) -> Iterator[dict[str, float]]:
    """CPU seconds spent inside the block by this process, the parse workers and the
    PostgreSQL backends named `application` (those alive at the end of the block; the
    workers' and backends' own counters, so only processes that outlive the block count)."""
    found: dict[str, float] = {}
    main = time.process_time()
    workers = {p: _proc_seconds(p) for p in _worker_pids()}
    backends = {p: _proc_seconds(p) for p in _backend_pids(url, application)}
    yield found
    found["main"] = time.process_time() - main
    found["workers"] = sum(_proc_seconds(p) - workers.get(p, 0.0) for p in _worker_pids())
    found["database"] = sum(
        _proc_seconds(p) - backends.get(p, 0.0) for p in _backend_pids(url, application)
    )


# -- the A side of the update_many / link_many A/B ---------------------------------------------


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


# -- the runs -----------------------------------------------------------------------------------


def _timed(payloads: Sequence[bytes], parse: Callable[[bytes], object]) -> tuple[float, float]:
    """(wall, CPU) seconds to parse every payload."""
    wall, cpu = time.perf_counter(), time.process_time()
    for payload in payloads:
        parse(payload)
    return time.perf_counter() - wall, time.process_time() - cpu


def parse_alone(payloads: Sequence[bytes], per_message: int) -> None:
    """Parsing in this process: the codec, the fast path (a message at a time, and the whole
    list at once as process_pending parses a chunk), and the fast path's parts."""
    folder = xsd_dir()
    read_energy(payloads[0], xsd_dir=folder)  # compile the XSD first
    roots = [parse_document(p) for p in payloads[:1]]
    spec, version = BY_NAMESPACE[etree.QName(roots[0]).namespace or ""]
    trees: list[etree._Element] = []
    texts: list[EnergyTexts] = []
    parts: dict[str, Callable[[bytes], object]] = {
        "codec": lambda p: consumption_record_readings(read_document(p, xsd_dir=folder)),  # type: ignore[arg-type]
        "fast, single": lambda p: read_energy(p, xsd_dir=folder),
        "  lxml parse": lambda p: trees.append(parse_document(p)),
        "  XSD": lambda p: validate_element(trees.pop(0), spec, version, folder),
        "  texts": lambda p: texts.append(read_texts(p, xsd_dir=folder)),  # type: ignore[arg-type]
    }
    count = len(payloads)
    print("parsing alone, in this process (wall / CPU):")
    for label, parse in parts.items():
        wall, cpu = _timed(payloads, parse)
        _print_parse(label, wall, cpu, count, per_message)
    wall, cpu = time.perf_counter(), time.process_time()
    energy_frames(texts)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    _print_parse("  columns", wall, cpu, count, per_message)
    wall, cpu = time.perf_counter(), time.process_time()
    parsing.parse_payloads(payloads, True, folder)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    _print_parse("fast, batch", wall, cpu, count, per_message)


def _print_parse(label: str, wall: float, cpu: float, count: int, per_message: int) -> None:
    print(
        f"  {label:<12} {1000 * wall / count:7.2f} / {1000 * cpu / count:7.2f} ms a message"
        f"  {per_message * count / cpu:>10,.0f} values/CPU-s"
    )


def process_run(
    url: str, payloads: Sequence[bytes], values: int, workers: int, batch: int, profile: bool
) -> None:
    application = f"bench_{uuid.uuid4().hex[:8]}"
    world = build_world(f"{url}&application_name={application}")
    for payload in payloads:
        store_inbound(world.ctx, payload)
    profiler = cProfile.Profile() if profile else None
    load = os.getloadavg()[0]
    with cpu_seconds(url, application) as cpu:
        began = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        report = process_pending(world.ctx, batch=batch, parse_workers=workers)
        if profiler is not None:
            profiler.disable()
        wall = time.perf_counter() - began
    assert report.processed == len(payloads), report
    print(
        f"  workers {workers}: {wall:7.2f} s  {values / wall:>10,.0f} values/s  "
        f"CPU s: main {cpu['main']:.2f}, workers {cpu['workers']:.2f}, "
        f"database {cpu['database']:.2f}  (load {load:.1f} -> {os.getloadavg()[0]:.1f})"
    )
    if profiler is not None:
        stats = pstats.Stats(profiler)
        for label, seconds in _phase_seconds(stats).items():
            per = 1000 * seconds / len(payloads)
            print(f"    {label:<13} {seconds:7.2f} s  {per:7.2f} ms a message (profiled)")
        stats.sort_stats("cumulative").print_stats(14)
    world.repository.engine.dispose()


def load_alone(url: str, payloads: Sequence[bytes], values: int, batch: int) -> None:
    """The series load without parsing or bookkeeping: the keyed readings of the messages,
    `batch` messages per `write_readings_batch` (as process_chunk loads them)."""
    parts = []
    for payload in payloads:
        found = read_energy(payload, xsd_dir=xsd_dir())
        assert found is not None
        parts.append((found[0].header.message_id, keyed_readings(found[1], EEG)))
    application = f"bench_{uuid.uuid4().hex[:8]}"
    world = build_world(f"{url}&application_name={application}")
    load = os.getloadavg()[0]
    with cpu_seconds(url, application) as cpu:
        began = time.perf_counter()
        for start in range(0, len(parts), batch):
            world.ctx.series.write_readings_batch(
                parts[start : start + batch], tenant=world.ctx.tenant, series=SERIES
            )
        wall = time.perf_counter() - began
    print(
        f"  load alone: {wall:7.2f} s  {values / wall:>10,.0f} values/s  "
        f"CPU s: main {cpu['main']:.2f}, database {cpu['database']:.2f}  "
        f"(load {load:.1f} -> {os.getloadavg()[0]:.1f})"
    )
    world.repository.engine.dispose()


def mscons_run(url: str, points: int, days: int) -> None:
    from mscons_parse import generate  # bench/, next to this file

    text = generate(points, days)
    wall, cpu = time.perf_counter(), time.process_time()
    values = read_mscons(text).height
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"MSCONS: {points} points × {days} days, {values:,} values, "
        f"{len(text.encode()) / 1e6:.1f} MB"
    )
    print(f"  read alone  {wall:7.2f} s  {values / wall:>10,.0f} values/s  CPU {cpu:.2f} s")
    application = f"bench_{uuid.uuid4().hex[:8]}"
    world = build_world(f"{url}&application_name={application}")
    load = os.getloadavg()[0]
    with cpu_seconds(url, application) as used:
        began = time.perf_counter()
        result = ingest_mscons(
            world.ctx.series, text, community=EEG, tenant=world.ctx.tenant, source="BENCH0001"
        )
        wall = time.perf_counter() - began
    assert result.inserted == values, result
    print(
        f"  ingest      {wall:7.2f} s  {values / wall:>10,.0f} values/s  "
        f"CPU s: main {used['main']:.2f}, database {used['database']:.2f}  "
        f"(load {load:.1f} -> {os.getloadavg()[0]:.1f})"
    )
    world.repository.engine.dispose()


@contextmanager
def fresh_schema(url: str) -> Iterator[str]:
    """A URL whose search_path is a new schema, dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{url}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--days", type=int, default=1, help="days of values per message")
    parser.add_argument(
        "--workers", default="0,1", help="parse worker counts to run, comma-separated"
    )
    parser.add_argument("--batch", type=int, default=500, help="messages per transaction")
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--profile", action="store_true", help="cProfile the first run")
    parser.add_argument("--mscons", type=int, metavar="POINTS", help="measure MSCONS instead")
    parser.add_argument(
        "--single-writes",
        action="store_true",
        help="run UnitOfWork.update_many/link_many as one update/link per item (the A side)",
    )
    args = parser.parse_args()
    if args.single_writes:
        UnitOfWork.update_many = _one_by_one_updates  # type: ignore[method-assign]
        UnitOfWork.link_many = _one_by_one_links  # type: ignore[method-assign]
    if xsd_dir() is None:
        sys.exit("the ebUtilities XSDs are missing (shared/eda/xsd): the fast path needs them")
    workers = [int(w) for w in args.workers.split(",")]
    print(f"{os.uname().sysname} {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    if args.mscons:
        with fresh_schema(args.url) as url:
            mscons_run(url, args.mscons, args.days)
        return
    payloads = [energy_message(n, args.days) for n in range(args.messages)]
    values = args.messages * 96 * args.days * len(CODES)
    print(
        f"{args.messages} messages of {args.days} day(s), {values:,} values "
        f"({len(payloads[0]) / 1e6:.2f} MB a message)"
    )
    parse_alone(payloads[:200], 96 * args.days * len(CODES))
    print(f"processing (batch {args.batch}, PostgreSQL):")
    for number, count in enumerate(workers):
        with fresh_schema(args.url) as url:
            process_run(url, payloads, values, count, args.batch, args.profile and number == 0)
    with fresh_schema(args.url) as url:
        load_alone(url, payloads, values, args.batch)
    print(f"load average at end {os.getloadavg()[0]:.1f} (2 CPUs shared with other users)")


if __name__ == "__main__":
    main()
