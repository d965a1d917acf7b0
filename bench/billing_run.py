"""How long the final monthly billing run of a community with 1,000 members takes, PDFs included.

A community of N members (default 1,000): every tenth a producer (G.01T and P.01T), the others
consumers (G.03), 90 % with a SEPA mandate; one month (March 2026) of quarter-hour energy data
in the grid operator's series (`--qh-per-day 96` is the whole day; fewer give a lighter setup
with the same number of documents). Timed, each in one unit of work as the CLI runs them:

1. a preview run (drafts),
2. the final run: numbers, PDFs stored as Documents (the target: <= 60 s),
3. the SEPA files of the final run (pain.008 and pain.001, with their Payment records).

The machine is shared: the load average is printed with the figures; read them as noisy.

Run on demand: .venv/bin/python bench/billing_run.py [--members N] [--qh-per-day N]
[--database-url URL] (default: a fresh SQLite file in a temporary folder)
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from meshkit.adapters.eda.processing.tables import create_processing_tables
from meshkit.apps.cli.paths import builtin_library
from meshkit.ck import check_model
from meshkit.runtime import Repository, create_engine
from meshkit.runtime.series import READINGS_SCHEMA, SeriesStore

TENANT = "bench"
EC = "RC100130"
MARCH = date(2026, 3, 1)
VIENNA = ZoneInfo("Europe/Vienna")
G03, G01T, P01T = "1-1:2.9.0 G.03", "1-1:2.9.0 G.01T", "1-1:2.9.0 P.01T"
#: Valid Austrian IBANs (mod 97) for the members, one bank's accounts.
IBAN = "AT483200000012345864"


def point_id(kind: str, number: int) -> str:
    return f"AT0030000000000000000{kind}{number:011d}"


def setup(repository: Repository, members: int) -> tuple[str, list[tuple[str, str]]]:
    """The community, its tariff, members, metering points and participations."""
    with repository.unit_of_work(tenant=TENANT, actor="bench") as uow:
        community = uow.create(
            "EnergyCommunity",
            {
                "name": "EEG Bench",
                "community_id": f"AT00300000000{EC}000000000000",
                "ec_number": EC,
                "kind": "eeg_local",
                "grid_operator_id": "AT003000",
                "address": {"street": "Hauptplatz", "postal_code": "2130", "city": "Mistelbach"},
                "sepa_creditor_id": "AT61ZZZ01234567890",
                "bank_account": {
                    "iban": "AT611904300234573201",
                    "bic": "BKAUATWW",
                    "holder": "EEG Bench",
                },
                "vat_status": "standard",
            },
        )
        uow.create(
            "Tariff",
            {
                "name": "Standard",
                "community": community["id"],
                "consumption_price": Decimal("0.12"),
                "feed_in_price": Decimal("0.08"),
                "membership_fee": Decimal("24"),
                "base_fee": Decimal("1.50"),
                "metering_point_fee": Decimal("0.50"),
                "vat_rate": Decimal(20),
                "valid_from": date(2026, 1, 1),
            },
        )
        people = uow.create_many(
            "NaturalPerson",
            [
                {
                    "community": community["id"],
                    "member_number": f"M{i:05d}",
                    "first_name": "Anna",
                    "last_name": f"Mitglied {i}",
                    "address": {"street": "Weg", "postal_code": "2130", "city": "Mistelbach"},
                    "joined_on": date(2026, 1, 1),
                    "tax_regime": "small_business" if i % 10 == 0 else "none",
                    "bank_account": {"iban": IBAN, "holder": f"Anna Mitglied {i}"},
                    **(
                        {"sepa_mandate": {"reference": f"M{i:05d}", "signed_on": date(2026, 1, 1)}}
                        if i % 10 != 1
                        else {}
                    ),
                }
                for i in range(members)
            ],
        )
        points: list[tuple[str, str]] = []  # (metering point id, direction)
        for i in range(members):
            points.append(
                (
                    point_id("P" if i % 10 == 0 else "C", i),
                    "generation" if i % 10 == 0 else "consumption",
                )
            )
        entities = uow.create_many(
            "MeteringPoint",
            [
                {"metering_point_id": p, "direction": d, "grid_operator_id": "AT003000"}
                for p, d in points
            ],
        )
        uow.create_many(
            "Participation",
            [
                {
                    "metering_point": entity["id"],
                    "community": community["id"],
                    "participant": person["id"],
                    "participation_factor": 100,
                    "valid_from": date(2026, 1, 1),
                    "status": "active",
                }
                for entity, person in zip(entities, people, strict=True)
            ],
        )
    return str(community["id"]), points


def energy(points: list[tuple[str, str]], qh_per_day: int) -> pl.DataFrame:
    """March 2026 in quarter hours (the first `qh_per_day` of each day), repeatable values."""
    first = datetime(2026, 3, 1, tzinfo=VIENNA).astimezone(UTC)
    starts = [
        first + timedelta(days=day) + timedelta(minutes=15 * q)
        for day in range(31)
        for q in range(qh_per_day)
    ]
    series = []
    for point, direction in points:
        codes = [G01T, P01T] if direction == "generation" else [G03]
        for code in codes:
            series.append({"metering_point": f"{EC}/{point}", "meter_code": code})
    keys = pl.DataFrame(series)
    frame = keys.join(pl.DataFrame({"start": starts}), how="cross").with_row_index("n")
    value = (pl.col("n").hash(seed=3) % 400).cast(pl.Int64)
    return frame.select(
        "metering_point",
        "meter_code",
        pl.col("start").dt.cast_time_unit("us").dt.replace_time_zone("UTC"),
        (pl.col("start") + pl.duration(minutes=15))
        .dt.cast_time_unit("us")
        .dt.replace_time_zone("UTC")
        .alias("end"),
        # producers: G.01T up to 4 kWh, P.01T a tenth of it; consumers up to 0.4 kWh
        pl.when(pl.col("meter_code") == G01T)
        .then(value * 10)
        .when(pl.col("meter_code") == P01T)
        .then(value)
        .otherwise(value)
        .cast(pl.Decimal(18, 6))
        .truediv(1000)
        .cast(pl.Decimal(18, 6))
        .alias("value"),
        pl.lit("KWH").alias("unit"),
        pl.lit("L1").alias("quality"),
    ).cast(READINGS_SCHEMA)  # type: ignore[arg-type]


def timed(label: str, action: Any) -> tuple[float, Any]:
    """Wall time (what the target is about) and this process's CPU time (less noisy when the
    machine is shared)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = action()
    seconds = time.perf_counter() - started
    print(
        f"{label}: {seconds:.1f} s wall, {time.process_time() - cpu:.1f} s CPU "
        f"(load average {os.getloadavg()[0]:.1f})",
        flush=True,
    )
    return seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--qh-per-day", type=int, default=96)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="meshkit-bench-")
    url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite'}"
    print(
        f"machine: {platform.platform()}, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} "
        "(shared machine: figures are noisy)"
    )
    print(f"database: {url.split('?')[0]}; {args.members} members, {args.qh_per_day} QH/day")
    library = builtin_library()
    model, problems = check_model(library / "energy_community", [library])
    assert model is not None, problems
    engine = create_engine(url)
    repository = Repository(engine, model)
    repository.create_tables()
    store = SeriesStore(engine, model)
    store.create_tables()
    create_processing_tables(engine)

    _, (community, points) = timed(
        "setup: members, points", lambda: setup(repository, args.members)
    )
    frame = energy(points, args.qh_per_day)
    timed(
        f"setup: {frame.height:,} energy values",
        lambda: store.write_readings(frame, tenant=TENANT, source="BENCH"),
    )

    def call(command: str, **arguments: Any) -> Any:
        with repository.unit_of_work(tenant=TENANT, actor="bench") as uow:
            return uow.call("EnergyCommunity", community, command, **arguments)

    preview_s, _ = timed("preview run", lambda: call("bill", period=MARCH))
    load_before = os.getloadavg()[0]
    final_s, final = timed(
        "final run (numbers + PDFs)",
        lambda: call("bill", period=MARCH, kind="final", issue_date=date(2026, 4, 5)),
    )
    sepa_s, sepa = timed(
        "SEPA files + payments",
        lambda: call("sepa", run=final.run, collection_date=date(2026, 4, 20)),
    )
    kinds: dict[str, int] = {}
    for document in final.documents:
        kinds[document.kind] = kinds.get(document.kind, 0) + 1
    print(
        f"final run: {len(final.documents)} documents ({kinds}), "
        f"{len(final.documents) / final_s:.1f} documents/s, "
        f"{sum(1 for d in final.documents if d.file)} PDFs; to collect {final.to_collect} EUR, "
        f"to pay out {final.to_pay_out} EUR"
    )
    print(
        f"SEPA: {len(sepa.files)} files, {len(sepa.payments)} payments, "
        f"{len(sepa.left_out)} left out"
    )
    print(
        f"summary: preview {preview_s:.1f} s, final {final_s:.1f} s (target <= 60 s: "
        f"{'met' if final_s <= 60 else 'MISSED'}), SEPA {sepa_s:.1f} s; load average "
        f"{load_before:.1f} before the final run, {os.getloadavg()[0]:.1f} after"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
