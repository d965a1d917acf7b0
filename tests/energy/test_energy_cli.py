"""`meshkit energy allocate|reconcile|findings|kpis` on a migrated database."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from energy_world import (
    C1,
    C2,
    CONS_G01,
    EC,
    GEN_G01,
    P1,
    TENANT,
    VIENNA,
    build,
    readings,
    write_operator,
)
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

import meshkit.apps.cli.energy as energy_cli
from meshkit.apps.cli import app
from meshkit.apps.cli.energy import parse_period
from meshkit.ck import CompiledModel
from meshkit.runtime import Repository, create_engine
from meshkit.runtime.migrations import Setup, upgrade
from meshkit.runtime.series import SeriesStore

MARCH = (datetime(2026, 3, 1, tzinfo=VIENNA), datetime(2026, 4, 1, tzinfo=VIENNA))


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(energy_cli.out, "width", 200)


def run(database_url: str, *arguments: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["energy", *arguments, "--tenant", TENANT, "--database-url", database_url]
    )
    return result.exit_code, " ".join(result.output.split())  # rich wraps at 80 columns


def test_allocate_reconcile_findings_and_kpis(
    database_url: str, model: CompiledModel, tmp_path: Path
) -> None:
    upgrade(Setup(database_url, model))
    engine = create_engine(database_url)
    try:
        build(Repository(engine, model))
        store = SeriesStore(engine, model)
        measured = readings(
            {
                (C1, CONS_G01): ["1.0", "2.0"],
                (C2, CONS_G01): ["0.5", "0"],
                (P1, GEN_G01): ["1.2", "3"],
            }
        )
        write_operator(store, measured)

        code, output = run(database_url, "allocate", EC, "2026-03")
        assert code == 0, output
        assert "conserved (G.03 + P.01T = counted generation): yes" in output
        assert "22 new" in output

        # The grid operator's values: ours, but C1's G.03 0.5 kWh less on the day.
        ours = store.read("calculated", None, None, *MARCH, tenant=TENANT)
        theirs = ours.filter(~pl.col("code").str.ends_with("G.01")).select(
            pl.col("key").alias("metering_point"),
            pl.col("code").alias("meter_code"),
            pl.col("start").dt.convert_time_zone("UTC"),
            pl.col("end").dt.convert_time_zone("UTC"),
            pl.when((pl.col("key") == f"{EC}/{C1}") & (pl.col("code") == "1-1:2.9.0 G.03"))
            .then(pl.col("value") - pl.lit(Decimal("0.25")))
            .otherwise(pl.col("value"))
            .cast(pl.Decimal(18, 6))
            .alias("value"),
            pl.lit("KWH").alias("unit"),
            "quality",
        )
        write_operator(store, theirs, message_id="DSO-2")
        code, output = run(database_url, "reconcile", EC, "2026-03-10")
        assert code == 0, output
        assert "1 new" in output and C1 in output

        code, output = run(database_url, "findings", EC, "--intervals")
        assert code == 0, output
        assert "1 finding" in output and "2.800" in output and "2.300" in output

        code, output = run(database_url, "kpis", EC, "2026-03", "--co2-factor", "0,25")
        assert code == 0, output
        assert "76.19 %" in output  # self-consumption: 3.2 / 4.2
        assert "Anna Huber" in output
        assert "0.8 kg at 0.25 kg/kWh" in output  # 3.2 kWh shared x 0.25
        assert "peak residual load" in output and " kW at 2026-03-" in output

        code, output = run(database_url, "kpis", EC, "2026-03", "--co2-factor", "lots")
        assert code == 1 and "--co2-factor 'lots'" in output

        code, output = run(database_url, "assets", EC, "2026-03")
        assert code == 0, output
        assert P1 in output and "no outages" in output  # one producer: no peers, no outages

        folder = tmp_path / "reports"
        code, output = run(database_url, "report", EC, "2026", "--out", str(folder))
        assert code == 0, output
        assert sorted(p.name for p in folder.iterdir()) == [
            "Jahresbericht-RC100130-2026.pdf",
            "Jahresbericht-RC100130-2026.xlsx",
        ]
        assert (folder / "Jahresbericht-RC100130-2026.pdf").read_bytes().startswith(b"%PDF")
    finally:
        engine.dispose()


def test_refusals_are_one_line_and_exit_1(database_url: str, model: CompiledModel) -> None:
    upgrade(Setup(database_url, model))
    code, output = run(database_url, "allocate", "RC000000", "2026-03")
    assert code == 1 and "no community 'RC000000'" in output
    code, output = run(database_url, "allocate", EC, "March")
    assert code == 1 and "period 'March'" in output


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("2026-02", ("2026-02-01", "2026-02-28")),
        ("2026-12", ("2026-12-01", "2026-12-31")),
        ("2026-03-05", ("2026-03-05", "2026-03-05")),
        ("2026-03-01..2026-03-15", ("2026-03-01", "2026-03-15")),
    ],
)
def test_periods(text: str, days: tuple[str, str]) -> None:
    assert tuple(str(d) for d in parse_period(text)) == days


def test_a_locked_database_is_one_line_not_a_traceback(
    database_url: str, model: CompiledModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    upgrade(Setup(database_url, model))

    def locked(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("UPDATE ...", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(Repository, "unit_of_work", locked)
    code, output = run(database_url, "allocate", EC, "2026-03")
    assert code == 1
    assert output == "error: the database refused: database is locked"
