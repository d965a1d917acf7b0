"""`meshkit demo` end to end on a temporary SQLite file: the behaviour, not the printout."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

import meshkit.apps.cli.demo as demo_command
from meshkit.apps.cli import app
from meshkit.apps.demo import DemoResult, compile_library, run
from meshkit.models.energy_community.allocation import MeterCode
from meshkit.runtime import Repository, create_engine


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, DemoResult, Path]]:
    """One run of `meshkit demo --data-dir <tmp>` through typer's CliRunner (it is the slow
    part), with the result the command computed kept for the assertions."""
    data_dir = tmp_path_factory.mktemp("demo")
    results: list[DemoResult] = []

    def keep(*args: Any, **kwargs: Any) -> DemoResult:
        result = run(*args, **kwargs)
        results.append(result)
        return result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo_command, "run", keep)
        outcome = CliRunner().invoke(app, ["demo", "--data-dir", str(data_dir)])
    assert len(results) == 1, outcome.output + repr(outcome.exception)
    (result,) = results
    yield outcome, result, data_dir


@pytest.fixture(scope="module")
def repository(demo: tuple[Any, DemoResult, Path]) -> Iterator[Repository]:
    _, result, _ = demo
    model, _ = compile_library()
    repo = Repository(create_engine(f"sqlite:///{result.database}"), model)
    yield repo
    repo.engine.dispose()


def test_the_cli_runs_the_demo_and_exits_0(demo: tuple[Any, DemoResult, Path]) -> None:
    outcome, result, data_dir = demo
    assert outcome.exit_code == 0, outcome.output
    assert result.database == data_dir / "demo.sqlite" and result.database.is_file()
    for step in ("model library", "database", "seed data", "onboarding", "energy data"):
        assert f"✓ {step}:" in outcome.output
    assert "Billing preview" in outcome.output


def test_every_metering_point_is_onboarded_with_abschluss(repository: Repository) -> None:
    with repository.unit_of_work(tenant="demo", actor="test") as uow:
        participations = uow.find("Participation", first=1000).items
        points = uow.find("MeteringPoint", first=1000).items
        assert len(participations) == 18 and len(points) == 17
        assert {p["status"] for p in participations} == {"active"}
        assert all(p["consent"]["consent_id"] for p in participations)
        joined: set[str] = set()
        for process in uow.find(
            "EdaProcess",
            where={"attr": "process_code", "op": "eq", "value": "ec_req_onl"},
            first=1000,
        ).items:
            assert process["process_state"] == "completed"
            codes = {
                m["message_code"]
                for m in uow.find(
                    "EdaMessage", where={"attr": "process", "op": "eq", "value": process["id"]}
                ).items
            }
            assert codes == {
                "ANFORDERUNG_ECON",
                "ANTWORT_ECON",
                "ZUSTIMMUNG_ECON",
                "ABSCHLUSS_ECON",
            }
            joined.update(
                link["id"] for link in uow.links("EdaProcess", process["id"], "participations")
            )
    assert joined == {p["id"] for p in participations}


def test_a_month_of_energy_data_with_the_dst_day(demo: tuple[Any, DemoResult, Path]) -> None:
    _, result, _ = demo
    energy = result.energy
    assert energy is not None
    assert len(energy.days) == 31 and energy.days[0] == date(2026, 3, 1)
    assert energy.intervals[date(2026, 3, 29)] == 92
    assert {n for d, n in energy.intervals.items() if d != date(2026, 3, 29)} == {96}
    assert energy.messages["DATEN_CRMSG"] == 31 * 18
    assert result.messages[("DATEN_CRMSG", "inbound")] == 31 * 18


def test_the_allocation_conserves_energy(demo: tuple[Any, DemoResult, Path]) -> None:
    _, result, _ = demo
    assert result.allocations
    for allocation in result.allocations:
        frame = allocation.result.with_columns(pl.col("value").cast(pl.Decimal(18, 6)))

        def per_interval(code: MeterCode, frame: pl.DataFrame = frame) -> pl.DataFrame:
            return (
                frame.filter(pl.col("meter_code") == code.value)
                .group_by("start")
                .agg(pl.col("value").sum().alias(code.name))
            )

        joined = (
            per_interval(MeterCode.GENERATION_COUNTED)
            .join(per_interval(MeterCode.COVERED), on="start", how="full", coalesce=True)
            .join(per_interval(MeterCode.SURPLUS), on="start", how="full", coalesce=True)
            .fill_null(0)
        )
        unbalanced = joined.filter(
            pl.col("COVERED") + pl.col("SURPLUS") != pl.col("GENERATION_COUNTED")
        )
        assert unbalanced.height == 0
        assert allocation.conserved
        # The community's own calculation matches the DSO's within rounding (the simulated DSO
        # rounds every step to Wh, the engine works in mWh with largest remainders).
        assert allocation.compared > 0
        assert allocation.largest_difference <= Decimal("0.002")
    eeg = next(a for a in result.allocations if a.community.entity["ec_number"] == "RC105970")
    assert eeg.totals.community_share > 0


def test_every_member_has_a_billing_document(demo: tuple[Any, DemoResult, Path]) -> None:
    _, result, _ = demo
    assert len(result.runs) == len(result.allocations) == 2
    for allocation, billing_run in zip(result.allocations, result.runs, strict=True):
        members = {p["member_number"] for p in allocation.community.participants}
        assert {d.recipient.participant_id for d in billing_run.documents} == members
        assert not billing_run.problems
    assert sum(run.summary.documents for run in result.runs) == 13


def test_energy_data_goes_through_the_message_store_into_the_series_store(
    demo: tuple[Any, DemoResult, Path], repository: Repository
) -> None:
    """Every DATEN_CRMSG is stored raw, processed once, and its values are in the series store
    with the MessageId as source; the allocation read exactly those values back."""
    import sqlalchemy as sa

    from meshkit.runtime.content import CONTENT_PREFIX

    _, result, _ = demo
    assert result.energy is not None
    with repository.engine.connect() as connection:
        work = dict(
            connection.execute(
                sa.text(
                    "SELECT state, count(*) FROM meshkit_eda_work "
                    "WHERE tenant = 'demo' AND direction = 'inbound' AND processed_count = 1 "
                    "GROUP BY state"
                )
            ).all()
        )
        stored = connection.execute(
            sa.text(
                "SELECT count(*), count(DISTINCT source) FROM meshkit_series_value "
                "WHERE tenant = 'demo'"
            )
        ).one()
    daten = 31 * 18
    assert work["done"] >= daten  # the month's DATEN_CRMSG and the onboarding answers
    readings = sum(f.height for f in result.energy.readings.values())
    assert tuple(stored) == (readings, daten)
    with repository.unit_of_work(tenant="demo", actor="test") as uow:
        daten_messages = uow.find(
            "EdaMessage",
            where={"attr": "message_code", "op": "eq", "value": "DATEN_CRMSG"},
            first=1000,
        ).items
        assert len(daten_messages) == daten
        assert {m["status"] for m in daten_messages} == {"processed"}
        assert all(str(m["payload"]).startswith(CONTENT_PREFIX) for m in daten_messages)
        process = uow.get("EdaProcess", daten_messages[0]["process"])
        assert process["process_code"] == "cr_msg" and process["process_state"] == "completed"
        assert len(uow.links("EdaProcess", process["id"], "metering_points")) == 1
