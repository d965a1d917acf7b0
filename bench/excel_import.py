"""Excel import figures: a 10,000-row member list validated (dry run), imported, re-imported.

Run on demand:  .venv/bin/python bench/excel_import.py [--rows 10000] [--postgresql URL]

Target: 10,000 rows validated and imported in < 10 s. Every figure includes reading the
workbook (fastexcel), the checks against the file and the database, and — for the dry run as
for the commit — the runtime's validation of every entity and the audit trail.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from meshkit.adapters.excel import export_workbook, import_workbook
from meshkit.ck import compile_model
from meshkit.runtime import Repository, create_engine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "excel"))  # the test suite's sample generator

from excel_sample import COMMUNITY_ID, EC_NUMBER, write_sample  # noqa: E402


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )


def run(url: str, rows: int, workbook: Path) -> None:
    model = compile_model(ROOT / "models" / "energy_community")
    engine = create_engine(url)
    repo = Repository(engine, model)
    repo.create_tables()
    tenant = f"bench-{uuid.uuid4().hex[:8]}"
    with repo.unit_of_work(tenant=tenant, actor="bench") as uow:
        uow.create(
            "EnergyCommunity",
            {
                "name": "EEG Sonnenstrom Musterdorf",
                "community_id": COMMUNITY_ID,
                "ec_number": EC_NUMBER,
                "kind": "eeg_local",
                "grid_operator_id": "AT003000",
                "address": {"street": "Marktplatz", "postal_code": "4490", "city": "St. Florian"},
            },
        )
    data = workbook.read_bytes()
    figures: list[tuple[str, float, str]] = []
    for label, commit in (("dry run (validate only)", False), ("commit (import)", True),
                          ("re-import (no changes)", True)):  # fmt: skip
        started = time.perf_counter()
        report = import_workbook(repo, data, file=workbook.name, tenant=tenant, commit=commit)
        elapsed = time.perf_counter() - started
        if not report.ok:
            raise SystemExit(f"unexpected problems: {report.problems[:5]}")
        figures.append((label, elapsed, report.summary().replace("\n", "; ")))
    started = time.perf_counter()
    exported = export_workbook(repo, tenant=tenant)
    figures.append(("export", time.perf_counter() - started, f"{len(exported):,} bytes"))
    backend = engine.dialect.name
    print(f"\n{backend}: {rows:,} rows ({len(data):,} bytes)")
    for label, elapsed, _note in figures:
        print(f"  {label:<26} {elapsed:7.2f} s  {rows / elapsed:8,.0f} rows/s")
    print(f"  → {figures[1][2]}")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--postgresql", help="also run on this PostgreSQL database")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as folder:
        workbook = write_sample(Path(folder) / f"members_{args.rows}.xlsx", args.rows)
        run(f"sqlite:///{Path(folder) / 'bench.sqlite'}", args.rows, workbook)
        if args.postgresql:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(args.postgresql, autocommit=True) as conn:
                conn.execute(f"CREATE SCHEMA {schema}")
            try:
                sep = "&" if "?" in args.postgresql else "?"
                run(f"{args.postgresql}{sep}options=-csearch_path%3D{schema}", args.rows, workbook)
            finally:
                with psycopg.connect(args.postgresql, autocommit=True) as conn:
                    conn.execute(f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    main()
