"""The synthetic data generator: calendar, determinism and plausible energy."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from meshkit.apps.cli import app
from meshkit.models.energy_community.synthetic import generate, quarter_hours
from meshkit.runtime.series.readings import check_readings


def local_days(starts: np.ndarray) -> dict[date, int]:  # type: ignore[type-arg]
    days = (
        pl.Series(starts)
        .dt.replace_time_zone("UTC")
        .dt.convert_time_zone("Europe/Vienna")
        .dt.date()
        .value_counts()
    )
    return dict(days.iter_rows())


def test_dst_days_have_92_and_100_quarter_hours() -> None:
    counts = local_days(quarter_hours(date(2026, 3, 28), 3, "Europe/Vienna"))
    assert counts == {date(2026, 3, 28): 96, date(2026, 3, 29): 92, date(2026, 3, 30): 96}
    counts = local_days(quarter_hours(date(2026, 10, 25), 1, "Europe/Vienna"))
    assert counts == {date(2026, 10, 25): 100}


def test_same_seed_same_data_other_seed_other_data() -> None:
    one = generate(5, 2, date(2026, 6, 1), 2, seed=4)
    again = generate(5, 2, date(2026, 6, 1), 2, seed=4)
    other = generate(5, 2, date(2026, 6, 1), 2, seed=5)
    assert np.array_equal(one.wh, again.wh)
    assert not np.array_equal(one.wh, other.wh)
    assert one.points == again.points
    assert all(len(point) == 33 and point.startswith("AT003000") for point in one.points)


def test_a_year_matches_the_annual_consumption_and_austrian_pv_yields() -> None:
    data = generate(40, 10, date(2026, 1, 1), 365, seed=2, business_share=0.25)
    consumers = ~data.producer
    yearly_kwh = data.wh[consumers].sum(axis=1) / 1000
    # Noise averages out over 35,040 quarter hours: within 3 % of each point's target.
    assert np.allclose(yearly_kwh, data.annual_kwh[consumers], rtol=0.03)
    specific_yield = data.wh[data.producer].sum(axis=1) / 1000 / data.peak_power_kw[data.producer]
    assert ((specific_yield > 900) & (specific_yield < 1300)).all(), specific_yield


def test_pv_is_dark_at_night_and_strongest_around_noon() -> None:
    data = generate(1, 5, date(2026, 6, 21), 1, seed=3)
    local = pl.Series(data.starts).dt.replace_time_zone("UTC").dt.convert_time_zone("Europe/Vienna")
    hours = local.dt.hour().to_numpy()
    pv = data.wh[data.producer]
    assert (pv[:, (hours < 4) | (hours >= 22)] == 0).all()
    per_hour = np.bincount(hours, weights=pv.sum(axis=0), minlength=24)
    # Solar noon at Vienna is about 12:55 in summer time.
    assert 11 <= int(per_hour.argmax()) <= 13
    assert per_hour[12] > 3 * per_hour[6] and per_hour[12] > 3 * per_hour[20]


def test_businesses_draw_more_on_working_days() -> None:
    # 2026-06-06 is a Saturday, 06-08 a Monday.
    data = generate(10, 0, date(2026, 6, 6), 3, seed=1, business_share=1.0)
    per_day = data.wh.reshape(10, 3, 96).sum(axis=(0, 2))
    saturday, sunday, monday = per_day
    assert monday > 2 * saturday and monday > 2 * sunday


def test_readings_frame_is_valid_and_keeps_the_values() -> None:
    data = generate(3, 1, date(2026, 5, 1), 1, seed=1)
    readings = data.readings()
    check_readings(readings)
    assert readings.height == data.values
    total_kwh = readings["value"].cast(pl.Float64).sum()
    assert total_kwh == pytest.approx(data.wh.sum() / 1000)
    generation = readings.filter(pl.col("meter_code") == "1-1:2.9.0 G.01")
    assert generation["metering_point"].n_unique() == 1


@pytest.mark.parametrize(
    ("consumers", "producers", "days", "business_share"),
    [(0, 0, 1, 0.2), (1, 0, 0, 0.2), (1, 0, 1, 1.5), (-1, 2, 1, 0.2)],
)
def test_bad_arguments_are_refused(
    consumers: int, producers: int, days: int, business_share: float
) -> None:
    with pytest.raises(ValueError):
        generate(consumers, producers, date(2026, 1, 1), days, business_share=business_share)


def test_cli_writes_parquet_and_csv_and_refuses_other_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    parquet = tmp_path / "data.parquet"
    result = runner.invoke(
        app,
        ["energy", "generate", str(parquet), "--consumers", "4", "--producers", "1", "--days", "2"],
    )
    assert result.exit_code == 0, result.output
    assert "5 metering points x 192 quarter hours = 960 values" in result.output
    frame = pl.read_parquet(parquet)
    check_readings(frame)
    assert frame.height == 960

    csv = tmp_path / "data.csv"
    result = runner.invoke(app, ["energy", "generate", str(csv), "--days", "1", "--seed", "9"])
    assert result.exit_code == 0, result.output
    assert pl.read_csv(csv).height == 100 * 96

    result = runner.invoke(app, ["energy", "generate", str(tmp_path / "data.xlsx")])
    assert result.exit_code == 1
    assert "write .parquet or .csv" in result.output
    result = runner.invoke(app, ["energy", "generate", str(csv), "--from", "2026-02-30"])
    assert result.exit_code == 1
    assert "YYYY-MM-DD" in result.output
