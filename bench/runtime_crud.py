"""Runtime CRUD figures: bulk insert, get by id, a filtered sorted page with a join.

Run on demand:  .venv/bin/python bench/runtime_crud.py [--rows 100000] [--postgresql URL]

Targets: bulk insert >= 50,000 entities/s on PostgreSQL; get-by-id p50 < 1 ms on SQLite
in-process; a filtered, sorted page of 100 across a to-one join < 5 ms. The figures include
validation, the audit trail (one audit row per entity) and the events (one outbox row per
entity), as a real import would. `--as-role` measures PostgreSQL with row-level security.
The bulk figure shows this process's CPU time and, when PostgreSQL runs on this machine, its
backend's: on a shared machine those say more than the elapsed time (compare best of several).
`--runs 0 --sqlite off` measures the PostgreSQL bulk insert alone.

The page filters by `kind` and sorts newest first: the model declares the index that query
needs (`[kind, joined_on]`); without it both databases read every row of the tenant.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import event

from meshkit.ck import CompiledModel, compile_model
from meshkit.runtime import Repository, create_engine

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POSTGRESQL = "postgresql://postgres@127.0.0.1:5432/test"

MANIFEST = """\
ck: 1
name: bench
version: 1.0.0
dependencies: {system: ">=1.0,<2"}
"""
ELEMENTS = """\
enums:
  ParticipantKind:
    values: {consumer: {key: 1}, producer: {key: 2}, prosumer: {key: 3}}
classes:
  Community:
    extends: system/NamedEntity
    attributes:
      code: {type: string, required: true, max_length: 20}
  Participant:
    extends: system/NamedEntity
    attributes:
      first_name: {type: string, max_length: 100}
      email: {type: string, max_length: 200, pattern: "^[^@]+@[^@]+$"}
      iban: {type: string, max_length: 34, sensitive: true}
      kind: {type: enum, enum: ParticipantKind, required: true}
      joined_on: {type: date, required: true}
      share: {type: decimal, precision: 7, scale: 4, min: 0, max: 100}
    indexes:
      - {attributes: [name]}
      - {attributes: [kind, joined_on]}  # the page below: filter by kind, newest first
    associations:
      community:
        target: Community
        inverse: participants
        multiplicity: "1"
"""


def _model(folder: Path) -> CompiledModel:
    (folder / "bench").mkdir(parents=True)
    (folder / "bench" / "model.yaml").write_text(MANIFEST)
    (folder / "bench" / "elements.yaml").write_text(ELEMENTS)
    return compile_model(folder / "bench", library_paths=[ROOT / "models"])


def _participants(n: int, communities: list[str]) -> list[dict[str, Any]]:
    kinds = ("consumer", "producer", "prosumer")
    return [
        {
            "name": f"P{i:07d}",
            "first_name": f"First {i % 997}",
            "email": f"p{i}@example.org",
            "iban": f"AT{i:018d}",
            "kind": kinds[i % 3],
            "joined_on": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
            "share": f"{i % 100}.{i % 10000:04d}",
            "community": communities[i % len(communities)],
        }
        for i in range(n)
    ]


def _setup(repo: Repository) -> list[str]:
    repo.create_tables()
    with repo.unit_of_work(tenant="bench", actor="bench") as uow:
        return [
            uow.create("Community", {"name": f"C{i}", "code": f"C{i}"})["id"] for i in range(20)
        ]


def _backend_cpu(pid: int | None) -> float | None:
    """CPU seconds the PostgreSQL backend `pid` has used, when it runs on this machine."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _insert(repo: Repository, rows: list[dict[str, Any]], batch: int) -> str:
    """Bulk-create `rows` in one unit of work; the figure with its CPU split and the load."""
    load = os.getloadavg()[0]
    start, cpu = time.perf_counter(), time.process_time()
    with repo.unit_of_work(tenant="bench", actor="bench") as uow:
        pid = None
        if repo.engine.dialect.name == "postgresql":
            pid = uow.connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        server = _backend_cpu(pid)
        for offset in range(0, len(rows), batch):
            uow.create_many("Participant", rows[offset : offset + batch])
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    split = f"Python CPU {cpu:.2f} s"
    end = _backend_cpu(pid)
    if server is not None and end is not None:
        split += f", server CPU {end - server:.2f} s"
    return (
        f"bulk insert {len(rows):,}: {len(rows) / seconds:,.0f} entities/s ({seconds:.2f} s; "
        f"{split}; load average {load:.2f} -> {os.getloadavg()[0]:.2f})"
    )


def _analyze(repo: Repository) -> None:
    """Statistics for the planner, as autovacuum (PostgreSQL) or a periodic ANALYZE (SQLite)
    keeps them in production; right after a bulk load a planner without them guesses one row
    per table and may pick a nested loop over every row (0.4 s instead of a few ms here)."""
    tables = ", ".join(t.name for t in repo.storage.tables.values())
    with repo.engine.begin() as connection:
        connection.exec_driver_sql(
            f"ANALYZE {tables}" if repo.engine.dialect.name == "postgresql" else "ANALYZE"
        )


def _timings(fn: Callable[[], object], runs: int) -> list[float]:
    result = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        fn()
        result.append((time.perf_counter_ns() - start) / 1e6)
    return result


def _describe(label: str, ms: list[float]) -> str:
    ms = sorted(ms)
    p95 = ms[int(len(ms) * 0.95) - 1]
    return f"{label}: p50 {statistics.median(ms):.3f} ms, p95 {p95:.3f} ms ({len(ms)} runs)"


def _reads(repo: Repository, ids: list[str], runs: int) -> list[str]:
    lines = []
    picks = random.Random(1).choices(ids, k=runs)
    page_filter = {
        "and": [
            {"attr": "community.code", "op": "in", "value": ["C3", "C7"]},
            {"attr": "kind", "op": "eq", "value": "prosumer"},
        ]
    }
    with repo.unit_of_work(tenant="bench", actor="bench") as uow:
        for entity_id in picks[:50]:  # warm caches and compiled statements
            uow.get("Participant", entity_id)
        it = iter(picks)
        lines.append(
            _describe("get by id", _timings(lambda: uow.get("Participant", next(it)), runs))
        )
        size = len(uow.find("Participant", page_filter, order_by=["-joined_on", "name"]).items)
        page = _timings(
            lambda: uow.find(
                "Participant", page_filter, order_by=["-joined_on", "name"], first=100
            ),
            200,
        )
        lines.append(_describe(f"filtered sorted page of {size} with a to-one join", page))
    return lines


def _bench_sqlite(model: CompiledModel, folder: Path, rows: int, runs: int) -> list[str]:
    engine = create_engine(f"sqlite:///{folder / 'bench.sqlite'}")
    repo = Repository(engine, model)
    communities = _setup(repo)
    data = _participants(rows, communities)
    lines = [_insert(repo, data, 5000)]
    if runs:
        _analyze(repo)
        with repo.unit_of_work(tenant="bench", actor="bench") as uow:
            ids = [p["id"] for p in uow.find("Participant", first=rows).items]
        lines += _reads(repo, ids, runs)
    engine.dispose()
    return lines


def _bench_postgresql(
    model: CompiledModel, url: str, rows: int, runs: int, as_role: bool
) -> list[str]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    role = f"{schema}_app"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        if as_role:  # an ordinary role owning its tables: row-level security applies
            conn.execute(f"CREATE ROLE {role} NOLOGIN NOSUPERUSER NOBYPASSRLS")
            conn.execute(f"GRANT USAGE, CREATE ON SCHEMA {schema} TO {role}")
    try:
        engine = create_engine(url, schema=schema)
        if as_role:

            @event.listens_for(engine, "connect")
            def _as_role(dbapi_connection: Any, _record: Any) -> None:
                dbapi_connection.execute(f"SET ROLE {role}")
                dbapi_connection.commit()

        repo = Repository(engine, model)
        communities = _setup(repo)
        data = _participants(rows, communities)
        lines = [_insert(repo, data, 5000)]
        if runs:
            _analyze(repo)
            with repo.unit_of_work(tenant="bench", actor="bench") as uow:
                ids = [p["id"] for p in uow.find("Participant", first=rows).items]
            lines += _reads(repo, ids, runs)
        engine.dispose()
        return lines
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
            if as_role:
                conn.execute(f"DROP ROLE {role}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--runs", type=int, default=2000, help="get-by-id samples (0: the bulk insert only)"
    )
    parser.add_argument("--sqlite", choices=("on", "off"), default="on", help="measure SQLite")
    parser.add_argument(
        "--postgresql",
        default=os.environ.get("MESHKIT_TEST_DATABASE_URL") or DEFAULT_POSTGRESQL,
        help="a PostgreSQL URL, or 'none' to skip it",
    )
    parser.add_argument(
        "--as-role",
        action="store_true",
        help="run PostgreSQL as an ordinary role (row-level security applies; the test "
        "user is a superuser, which bypasses it)",
    )
    args = parser.parse_args()
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, {platform.processor() or '?'}; "
        f"python {sys.version.split()[0]}; load average {os.getloadavg()[0]:.2f} at start"
    )
    with tempfile.TemporaryDirectory() as tmp:
        model = _model(Path(tmp) / "models")
        if args.sqlite == "on":
            print(f"database: SQLite (file, WAL) {__import__('sqlite3').sqlite_version}")
            for line in _bench_sqlite(model, Path(tmp), args.rows, args.runs):
                print("  " + line)
        if args.postgresql != "none":
            with psycopg.connect(args.postgresql) as conn:
                version = conn.execute("SHOW server_version").fetchone()
            mode = "an ordinary role, row-level security on" if args.as_role else "superuser"
            print(f"database: PostgreSQL {version[0] if version else '?'} via psycopg 3 ({mode})")
            for line in _bench_postgresql(
                model, args.postgresql, args.rows, args.runs, args.as_role
            ):
                print("  " + line)


if __name__ == "__main__":
    main()
