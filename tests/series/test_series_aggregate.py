"""Aggregation in the database: hours, days, months and years of Europe/Vienna, quality mix."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import polars as pl
import pytest
from series_frames import G01, G01T, MP1, MP2, QH, VIENNA, local_day, quarter_hours, readings

from meshkit.runtime.series import SeriesError, SeriesStore

T = "tenant-a"


def _values(count: int, seed: int = 1) -> list[Decimal]:
    """Distinct, exact, non-round values so sums show every interval counted once."""
    return [
        Decimal(f"{(i * 37 + seed) % 1000}.{(i * 7919 + seed) % 1_000_000:06d}")
        for i in range(count)
    ]


def _local_sums(start: datetime, values: list[Decimal], fmt: str) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for i, value in enumerate(values):
        sums[(start.astimezone(UTC) + i * QH).astimezone(VIENNA).strftime(fmt)] += value
    return dict(sums)


@pytest.mark.parametrize(
    ("day", "intervals"),
    [((2026, 3, 29), 92), ((2026, 10, 25), 100)],
    ids=["spring-92", "autumn-100"],
)
def test_series_dst_day_is_one_day(
    store: SeriesStore, day: tuple[int, int, int], intervals: int
) -> None:
    first, _ = local_day(day[0], day[1], day[2] - 1)
    _, last = local_day(*day[:2], day[2] + 1)
    count = quarter_hours(first, last)
    assert count == 96 + intervals + 96
    values = _values(count)
    store.write_readings(readings(first, values), tenant=T, source="MSG-1")

    daily = store.read("energy", [MP1], [G01], first, last, "P1D", tenant=T)
    assert daily["count"].to_list() == [96, intervals, 96]
    assert daily["expected"].to_list() == [96, intervals, 96]
    expected = _local_sums(first, values, "%Y-%m-%d")
    assert (
        dict(zip(daily["start"].dt.strftime("%Y-%m-%d"), daily["value"], strict=True)) == expected
    )
    assert daily["start"].dt.hour().to_list() == [0, 0, 0]  # local midnights
    assert daily.schema["start"] == pl.Datetime("us", "Europe/Vienna")
    assert (daily["end"].to_list()[:2]) == daily["start"].to_list()[1:]
    assert sum(daily["value"]) == sum(values)

    dst_start, dst_end = local_day(*day)
    hourly = store.read("energy", [MP1], [G01], dst_start, dst_end, "PT1H", tenant=T)
    assert len(hourly) == intervals // 4  # 23 or 25 hours
    assert set(hourly["count"]) == {4} and set(hourly["expected"]) == {4}
    assert sum(hourly["value"]) == expected[dst_start.strftime("%Y-%m-%d")]
    utc_hours = hourly["start"].dt.convert_time_zone("UTC").to_list()
    assert utc_hours == [dst_start.astimezone(UTC) + timedelta(hours=h) for h in range(len(hourly))]
    local_hours = hourly["start"].dt.hour().to_list()
    if intervals == 100:  # 02:00 CEST and 02:00 CET are two buckets
        assert local_hours.count(2) == 2
    else:  # 02:00 does not exist
        assert 2 not in local_hours


def test_series_month_and_year_follow_vienna(store: SeriesStore) -> None:
    # 2026-02-28 23:00 UTC is 1 March 00:00 in Vienna; the load runs into 1 April (CEST).
    first = datetime(2026, 3, 1, tzinfo=VIENNA)
    last = datetime(2026, 4, 1, 2, tzinfo=VIENNA)
    count = quarter_hours(first, last)
    values = _values(count, seed=5)
    store.write_readings(readings(first, values), tenant=T, source="MSG-1")
    before = readings(first - QH, ["1000"])  # 28 February 23:45 Vienna
    store.write_readings(before, tenant=T, source="MSG-0")

    start, end = datetime(2026, 2, 1, tzinfo=VIENNA), datetime(2026, 5, 1, tzinfo=VIENNA)
    monthly = store.read("energy", [MP1], [G01], start, end, "P1M", tenant=T)
    months = monthly["start"].dt.strftime("%Y-%m").to_list()
    assert months == ["2026-02", "2026-03", "2026-04"]
    sums = _local_sums(first, values, "%Y-%m")
    assert monthly["value"].to_list() == [Decimal(1000), sums["2026-03"], sums["2026-04"]]
    assert monthly["count"].to_list() == [1, 2972, 8]  # March has 31 * 96 - 4 quarter-hours
    assert monthly["expected"].to_list() == [28 * 96, 2972, 30 * 96]

    yearly = store.read("energy", None, None, start, end, "P1Y", tenant=T)
    assert yearly["start"].dt.strftime("%Y-%m-%d %H:%M").to_list() == ["2026-01-01 00:00"]
    assert yearly["value"].to_list() == [sum(values) + 1000]
    assert yearly["expected"].to_list() == [365 * 96]


def test_series_quality_mix_per_bucket(store: SeriesStore) -> None:
    first, last = local_day(2026, 5, 4)
    qualities = ["L1"] * 90 + ["L2"] * 4 + ["L3"] * 2
    values = _values(96, seed=3)
    store.write_readings(readings(first, values, quality=qualities), tenant=T, source="MSG-1")
    daily = store.read("energy", [MP1], [G01], first, last, "P1D", tenant=T)
    assert daily.columns == [
        "key", "code", "start", "end", "value", "count", "expected",
        "value_L1", "count_L1", "value_L2", "count_L2", "value_L3", "count_L3",
    ]  # fmt: skip
    row = daily.row(0, named=True)
    assert (row["count_L1"], row["count_L2"], row["count_L3"]) == (90, 4, 2)
    assert row["value_L1"] == sum(values[:90])
    assert row["value_L2"] == sum(values[90:94])
    assert row["value_L3"] == sum(values[94:])
    assert row["value_L1"] + row["value_L2"] + row["value_L3"] == row["value"]
    assert daily.schema["value_L2"] == pl.Decimal(38, 6)


def test_series_sum_over_keys_and_codes(store: SeriesStore) -> None:
    first, last = local_day(2026, 6, 1)
    frame = pl.concat(
        [
            readings(first, ["1"] * 96),
            readings(first, ["2"] * 96, metering_point=MP2),
            readings(first, ["0.5"] * 96, meter_code=G01T),
        ]
    )
    store.write_readings(frame, tenant=T, source="MSG-1")
    per_key = store.read("energy", None, None, first, last, "P1D", tenant=T)
    assert per_key.select("key", "code", "value").rows() == [
        (MP1, G01, Decimal(96)),
        (MP1, G01T, Decimal(48)),
        (MP2, G01, Decimal(192)),
    ]
    total = store.read("energy", None, None, first, last, "P1D", tenant=T, by_key=False)
    assert "key" not in total.columns
    assert total.select("code", "value", "count").rows() == [
        (G01, Decimal(288), 192),
        (G01T, Decimal(48), 96),
    ]
    quarter = store.read("energy", [MP1], [G01], first, last, "PT15M", tenant=T)
    raw = store.read("energy", [MP1], [G01], first, last, tenant=T)
    assert quarter["start"].to_list() == raw["start"].to_list()
    assert quarter["value"].to_list() == raw["value"].to_list()
    assert set(quarter["count"]) == {1}


def test_series_resolution_and_range_errors(store: SeriesStore) -> None:
    first, last = local_day(2026, 6, 1)
    with pytest.raises(SeriesError, match="unknown resolution 'PT5H'"):
        store.read("energy", None, None, first, last, "PT5H", tenant=T)
    with pytest.raises(SeriesError, match="naive datetime"):
        store.read("energy", None, None, datetime(2026, 6, 1), last, tenant=T)
    with pytest.raises(SeriesError, match="empty range"):
        store.read("energy", None, None, last, first, tenant=T)
    with pytest.raises(SeriesError, match="unknown time zone 'Europe/Vien'"):
        store.read("energy", None, None, first, last, "P1D", tz="Europe/Vien", tenant=T)


def test_series_other_time_zone(store: SeriesStore) -> None:
    """Days of another zone (London is an hour behind Vienna) and of UTC."""
    first, _ = local_day(2026, 6, 1)
    store.write_readings(readings(first, ["1"] * 96), tenant=T, source="MSG-1")
    end = first + timedelta(days=1)
    london = store.read("energy", None, None, first, end, "P1D", tz="Europe/London", tenant=T)
    assert london["count"].to_list() == [4, 92]  # 00:00-01:00 Vienna is 31 May in London
    utc = store.read("energy", None, None, first, end, "P1D", tz="UTC", tenant=T)
    assert utc["count"].to_list() == [8, 88]
