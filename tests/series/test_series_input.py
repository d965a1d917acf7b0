"""Bad input is refused with errors that say what is wrong; the readings frames stay in step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from series_frames import readings

from meshkit.adapters.readings import READINGS_SCHEMA as ADAPTER_READINGS_SCHEMA
from meshkit.adapters.readings import empty_readings
from meshkit.ck.model import Location, SeriesDef
from meshkit.runtime import create_engine
from meshkit.runtime.series import (
    READINGS_SCHEMA,
    SERIES_SCHEMA,
    SeriesError,
    SeriesInputError,
    SeriesStore,
    UnknownSeriesError,
)

T = "tenant-a"
JAN = datetime(2026, 1, 10, tzinfo=UTC)


def test_series_readings_schema_matches_the_adapters() -> None:
    assert list(READINGS_SCHEMA) == list(ADAPTER_READINGS_SCHEMA)
    assert READINGS_SCHEMA == ADAPTER_READINGS_SCHEMA
    for name in ("start", "value", "quality"):
        assert SERIES_SCHEMA[name] == ADAPTER_READINGS_SCHEMA[name]


def test_series_empty_readings_load_nothing(store: SeriesStore) -> None:
    result = store.write_readings(empty_readings(), tenant=T, source="MSG-1")
    assert (result.inserted, result.replaced, result.unchanged) == (0, 0, 0)


def test_series_wrong_columns_are_refused(store: SeriesStore) -> None:
    frame = readings(JAN, ["1"])
    with pytest.raises(SeriesInputError, match=r"missing \['unit'\]"):
        store.write_readings(frame.drop("unit"), tenant=T, source="M")
    with pytest.raises(SeriesInputError, match=r"unexpected \['note'\]"):
        store.write_readings(frame.with_columns(note=pl.lit("x")), tenant=T, source="M")
    with pytest.raises(SeriesInputError, match="floats are refused"):
        store.write_readings(
            frame.with_columns(pl.col("value").cast(pl.Float64)), tenant=T, source="M"
        )
    with pytest.raises(SeriesInputError, match="column 'metering_point' must be String"):
        store.write_readings(frame.with_columns(metering_point=pl.lit(1)), tenant=T, source="M")


def test_series_naive_datetimes_are_refused(store: SeriesStore) -> None:
    naive = readings(JAN, ["1"]).with_columns(pl.col("start").dt.replace_time_zone(None))
    with pytest.raises(SeriesInputError, match="column 'start' holds naive datetimes"):
        store.write_readings(naive, tenant=T, source="M")


def test_series_other_zones_are_converted_to_utc(store: SeriesStore) -> None:
    local = readings(JAN, ["1"]).with_columns(
        pl.col("start", "end").dt.convert_time_zone("Europe/Vienna")
    )
    assert store.write_readings(local, tenant=T, source="M").inserted == 1
    read = store.read("energy", None, None, JAN, JAN + timedelta(hours=1), tz="UTC", tenant=T)
    assert read["start"].to_list() == [JAN]


def test_series_unknown_codes_and_qualities_are_refused(store: SeriesStore) -> None:
    with pytest.raises(SeriesInputError, match=r"unknown code\(s\) \['1-1:9.9.9 X'\]"):
        store.write_readings(readings(JAN, ["1"], meter_code="1-1:9.9.9 X"), tenant=T, source="M")
    with pytest.raises(SeriesInputError, match=r"unknown quality\(s\) \['03'\].*L1"):
        store.write_readings(readings(JAN, ["1"], quality="03"), tenant=T, source="M")
    no_quality = readings(JAN, ["1"]).with_columns(quality=pl.lit(None, dtype=pl.String))
    with pytest.raises(SeriesInputError, match="'quality' has 1 empty values"):
        store.write_readings(no_quality, tenant=T, source="M")


def test_series_bad_values_and_intervals_are_refused(store: SeriesStore) -> None:
    frame = readings(JAN, ["1"])
    finer = frame.with_columns(pl.lit(Decimal("1.0000001")).cast(pl.Decimal(18, 7)).alias("value"))
    with pytest.raises(SeriesInputError, match=r"fit Decimal\(18, 6\) exactly.*1.0000001"):
        store.write_readings(finer, tenant=T, source="M")
    hour = frame.with_columns(pl.col("end") + timedelta(minutes=45))
    with pytest.raises(SeriesInputError, match="one PT15M interval"):
        store.write_readings(hour, tenant=T, source="M")
    shifted = readings(JAN + timedelta(minutes=5), ["1"])
    with pytest.raises(SeriesInputError, match="whole PT15M boundaries"):
        store.write_readings(shifted, tenant=T, source="M")
    with pytest.raises(SeriesInputError, match=r"unit\(s\) \['MWH'\].*kWh"):
        store.write_readings(readings(JAN, ["1"], unit="MWH"), tenant=T, source="M")
    twice = pl.concat([frame, frame])
    with pytest.raises(SeriesInputError, match="2 rows repeat a"):
        store.write_readings(twice, tenant=T, source="M")
    empty_value = frame.with_columns(value=pl.lit(None, dtype=pl.Decimal(18, 6)))
    with pytest.raises(SeriesInputError, match="'value' has 1 empty"):
        store.write_readings(empty_value, tenant=T, source="M")


def test_series_bad_references_and_identity(store: SeriesStore) -> None:
    frame = readings(JAN, ["1"])
    with pytest.raises(UnknownSeriesError, match="no series 'power'"):
        store.write_readings(frame, tenant=T, source="M", series="power")
    with pytest.raises(UnknownSeriesError, match="no class 'Meter'"):
        store.read("Meter.energy", None, None, JAN, JAN + timedelta(hours=1), tenant=T)
    with pytest.raises(SeriesError, match="source"):
        store.write_readings(frame, tenant=T, source="")
    with pytest.raises(SeriesError, match="tenant"):
        store.write_readings(frame, tenant="", source="M")


def test_series_without_codes_or_qualities(tmp_path: Path) -> None:
    """A generic series declared without codes and qualities takes any code, no mix columns."""
    definition = SeriesDef(
        name="temperature",
        unit="°C",
        interval="PT1H",
        interval_seconds=3600,
        declared_in="demo/Sensor",
        location=Location(file="demo.yaml", line=1, column=1),
    )
    store = SeriesStore(create_engine(f"sqlite:///{tmp_path}/s.sqlite"), series=[definition])
    store.create_tables()
    frame = pl.DataFrame(
        {
            "key": ["sensor-1"] * 3,
            "code": ["air"] * 3,
            "start": [JAN + timedelta(hours=h) for h in range(3)],
            "value": [Decimal("-1.5"), Decimal("0.25"), Decimal(2)],
            "quality": [None, None, None],
        },
        schema_overrides={"value": pl.Decimal(18, 6)},
    )
    assert store.write(frame, series="temperature", tenant=T, source="api").inserted == 3
    daily = store.read("temperature", None, None, JAN, JAN + timedelta(days=1), "P1D", tenant=T)
    assert daily.columns == ["key", "code", "start", "end", "value", "count", "expected"]
    assert daily["value"].to_list() == [Decimal("0.75")] and daily["expected"].to_list() == [24]
    with pytest.raises(SeriesError, match="finer than the interval PT1H"):
        store.read("temperature", None, None, JAN, JAN + timedelta(days=1), "PT15M", tenant=T)
    with pytest.raises(SeriesInputError, match="whole PT1H boundaries"):
        store.write(
            frame.with_columns(pl.col("start") + timedelta(minutes=15)),
            series="temperature",
            tenant=T,
            source="api",
        )
