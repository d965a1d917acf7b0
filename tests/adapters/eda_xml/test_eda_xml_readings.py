"""ConsumptionRecord -> the shared readings frame: exact schema, UTC, exclusive ends, DST days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

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
from meshkit.adapters.readings import READINGS_SCHEMA, check_readings

Sample = Callable[[str], bytes]
QH = timedelta(minutes=15)
MP = "AT0030000000000000000000000123456"


def record(data: bytes, **kwargs: object) -> ConsumptionRecord:
    message = read_document(data, **kwargs)  # type: ignore[arg-type]
    assert isinstance(message, ConsumptionRecord)
    return message


def test_quarter_hourly_sample_becomes_96_readings(sample: Sample, xsd_dir: Path) -> None:
    data = sample("consumptionrecord/_01p41/consumptionrecord_quater-hourly.xml")
    frame = consumption_record_readings(record(data, xsd_dir=xsd_dir))
    assert dict(frame.schema) == READINGS_SCHEMA
    check_readings(frame)
    assert frame.height == 96
    first, last = frame.row(0, named=True), frame.row(-1, named=True)
    assert first == {
        "metering_point": "ATXXXXXX00000000000000000XXXXXXXX",
        "meter_code": "1-1:2.9.0 P.01",
        "start": datetime(2024, 3, 31, 22, 0, tzinfo=UTC),
        "end": datetime(2024, 3, 31, 22, 15, tzinfo=UTC),
        "value": Decimal("0.001000"),
        "unit": "KWH",
        "quality": "L1",
    }
    assert last["end"] == datetime(2024, 4, 1, 22, 0, tzinfo=UTC)
    assert frame["value"].sum() == Decimal("0.719")
    assert (frame["end"] - frame["start"]).unique().to_list() == [QH]


def test_daily_sample_is_one_reading(sample: Sample, xsd_dir: Path) -> None:
    data = sample("consumptionrecord/_01p41/consumptionrecord_daily.xml")
    frame = consumption_record_readings(record(data, xsd_dir=xsd_dir))
    assert frame.select("start", "end", "value").rows() == [
        (
            datetime(2024, 3, 29, 23, tzinfo=UTC),
            datetime(2024, 3, 30, 23, tzinfo=UTC),
            Decimal("36.770000"),
        )
    ]


def _day_record(first: datetime, count: int) -> ConsumptionRecord:
    positions = tuple(
        EnergyPosition(first + i * QH, first + (i + 1) * QH, "L1", Decimal(i) / 1000)
        for i in range(count)
    )
    series = (
        EnergyData("1-1:1.9.0 G.01", "KWH", positions),
        EnergyData("1-1:2.9.0 G.03", "KWH", positions[: count // 2]),
    )
    return ConsumptionRecord(
        header=MessageHeader(
            sender="AT003000",
            receiver="RC100130",
            created=datetime(2024, 11, 1, tzinfo=UTC),
            message_code="DATEN_CRMSG",
            message_id="AT003000MSG1",
            conversation_id="AT003000CONV1",
        ),
        process_date=date(2024, 11, 1),
        metering_point=MP,
        energy=(
            Energy(
                period_start=first,
                period_end=first + count * QH,
                interval=MeteringInterval.QUARTER_HOUR,
                number_of_intervals=count,
                data=series,
            ),
        ),
    )


@pytest.mark.parametrize(
    ("first_utc", "count", "local_pair"),
    [
        # 2024-03-31: 02:00 local does not exist; 01:45+01:00 is followed by 03:00+02:00.
        (
            datetime(2024, 3, 30, 23, tzinfo=UTC),
            92,
            (b"2024-03-31T01:45:00+01:00</cp:DTF>", b"2024-03-31T03:00:00+02:00</cp:DTF>"),
        ),
        # 2024-10-27: 02:00-03:00 local happens twice, first at +02:00, then at +01:00.
        (
            datetime(2024, 10, 26, 22, tzinfo=UTC),
            100,
            (b"2024-10-27T02:45:00+02:00</cp:DTF>", b"2024-10-27T02:00:00+01:00</cp:DTF>"),
        ),
    ],
    ids=["spring-92", "autumn-100"],
)
def test_dst_days_round_trip_to_exact_utc_quarter_hours(
    xsd_dir: Path, first_utc: datetime, count: int, local_pair: tuple[bytes, bytes]
) -> None:
    data = write_document(_day_record(first_utc, count), xsd_dir=xsd_dir)
    earlier, later = local_pair
    assert data.index(earlier) < data.index(later)
    frame = consumption_record_readings(record(data, xsd_dir=xsd_dir))
    consumption = frame.filter(pl.col("meter_code") == "1-1:1.9.0 G.01")
    assert consumption.height == count
    assert consumption["start"].n_unique() == count
    assert consumption["start"].min() == first_utc
    assert consumption["end"].max() == first_utc + count * QH
    assert (consumption["end"] - consumption["start"]).unique().to_list() == [QH]
    assert frame.height == count + count // 2
    assert consumption["value"].sum() == Decimal(sum(range(count))) / 1000


def test_missing_dtt_is_derived_from_the_interval_across_dst(sample: Sample) -> None:
    data = sample("consumptionrecord/_01p41/consumptionrecord_daily.xml")
    data = data.replace(
        b"<ns0:DTF>2024-03-30T00:00:00+01:00", b"<ns0:DTF>2024-03-31T00:00:00+01:00"
    )
    data = data.replace(b"<ns0:DTT>2024-03-31T00:00:00+01:00</ns0:DTT>", b"")
    (position,) = record(data, validate=False).energy[0].data[0].positions
    # The spring DST day is 23 hours long: it ends at the next local midnight (+02:00).
    assert position.start == datetime(2024, 3, 30, 23, tzinfo=UTC)
    assert position.end == datetime(2024, 3, 31, 22, tzinfo=UTC)


def test_missing_dtt_quarter_hour_is_fifteen_real_minutes(sample: Sample) -> None:
    data = sample("ponton-simulator/consumptionrecord_01p41_DATEN_CRMSG.resolved.xml")
    data = data.replace(b"<ns0:DTT>2026-03-17T00:15:00+01:00</ns0:DTT>", b"")
    (position,) = record(data, validate=False).energy[0].data[0].positions
    assert position.end - position.start == QH
