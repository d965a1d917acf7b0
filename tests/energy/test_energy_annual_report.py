"""EnergyCommunity.annual_report: the year's figures, stored as an xlsx and a PDF."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
import pytest
from energy_world import C1, C2, CONS_G01, GEN_G01, P1, TENANT, build, readings, write_operator

from meshkit.models.energy_community.behaviours.annual_report import AnnualReport
from meshkit.models.energy_community.behaviours.billing_store import load_content
from meshkit.runtime import Repository
from meshkit.runtime.behaviours import BehaviourError
from meshkit.runtime.content import create_content_tables
from meshkit.runtime.series import SeriesStore


def test_the_year_in_figures_and_files(
    repository: Repository, store: SeriesStore, tmp_path: object
) -> None:
    create_content_tables(repository.engine)
    world = build(repository, factors={C2: 50, P1: 80})
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        uow.create(
            "GenerationUnit",
            {
                "name": "PV Dach",
                "technology": "pv",
                "peak_power": Decimal("12.5"),
                "metering_point": world.points[P1],
            },
        )
    write_operator(
        store,
        readings(
            {
                (C1, CONS_G01): ["1.0", "2.0"],
                (C2, CONS_G01): ["0.5", "0"],
                (P1, GEN_G01): ["1.2", "3.0"],
            }
        ),
    )
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        uow.call("EnergyCommunity", world.community, "allocate", period=date(2026, 3, 1))
        report: AnnualReport = uow.call(
            "EnergyCommunity", world.community, "annual_report", year=2026, basis="calculated"
        )
        xlsx = load_content(uow.connection, TENANT, uow.get("Document", report.xlsx)["content"])
        pdf = load_content(uow.connection, TENANT, uow.get("Document", report.pdf)["content"])
        kinds = {d["kind"] for d in uow.find("Document").items}

    assert (report.community, report.year, report.basis) == ("RC100130", 2026, "calculated")
    assert (report.members_at_year_end, report.members_joined, report.members_left) == (2, 2, 0)
    assert (report.consumption_points, report.generation_points) == (2, 1)
    # The figures of the KPI example (docs/allocation.md), all in March.
    t = report.totals
    assert (t.counted_consumption, t.shared, t.surplus) == (
        Decimal("3.25"),
        Decimal("2.96"),
        Decimal("0.4"),
    )
    assert report.self_sufficiency == Decimal("91.08")
    assert report.months[2].totals == t
    assert all(m.totals.consumption == 0 for m in report.months if m.month != 3)
    (source,) = report.sources
    assert (source.technology, source.units, source.peak_power_kwp, source.generation) == (
        "pv",
        1,
        Decimal("12.5"),
        Decimal("4.2"),
    )
    assert kinds == {"energy_report"}
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "report.xlsx"  # type: ignore[operator]
    path.write_bytes(xlsx)
    months = pl.read_excel(path, sheet_name="Monate")
    assert months.height == 12
    assert months.row(2)[0] == "März"
    assert months.row(2)[3] == pytest.approx(2.96)  # G.03 kWh in March


def test_an_implausible_year_is_refused(repository: Repository) -> None:
    world = build(repository)
    with (
        pytest.raises(BehaviourError) as refused,
        repository.unit_of_work(tenant=TENANT, actor="test") as uow,
    ):
        uow.call("EnergyCommunity", world.community, "annual_report", year=26)
    assert refused.value.errors[0].path == ("year",)
