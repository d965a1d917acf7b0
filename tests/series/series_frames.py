"""Readings frames for the series-store tests (shape of meshkit.adapters.readings)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import polars as pl

from meshkit.adapters.readings import READINGS_SCHEMA

VIENNA = ZoneInfo("Europe/Vienna")
QH = timedelta(minutes=15)
MP1 = "AT0030000000000000000000000000001"
MP2 = "AT0030000000000000000000000000002"
G01 = "1-1:1.9.0 G.01"
G01T = "1-1:1.9.0 G.01T"


def readings(
    start: datetime,
    values: Sequence[Decimal | str | int],
    *,
    metering_point: str = MP1,
    meter_code: str = G01,
    quality: str | Sequence[str] = "L1",
    unit: str = "KWH",
) -> pl.DataFrame:
    """Consecutive quarter-hours from `start`, one value each."""
    starts = [start.astimezone(UTC) + i * QH for i in range(len(values))]
    qualities = [quality] * len(values) if isinstance(quality, str) else list(quality)
    return pl.DataFrame(
        {
            "metering_point": [metering_point] * len(values),
            "meter_code": [meter_code] * len(values),
            "start": starts,
            "end": [s + QH for s in starts],
            "value": [Decimal(str(v)) for v in values],
            "unit": [unit] * len(values),
            "quality": qualities,
        },
        schema=READINGS_SCHEMA,
    )


def local_day(year: int, month: int, day: int) -> tuple[datetime, datetime]:
    """[start, end) of a Vienna calendar day as aware datetimes."""
    first = datetime(year, month, day, tzinfo=VIENNA)
    following = (first + timedelta(days=1, hours=12)).replace(hour=0)
    return first, following.replace(tzinfo=VIENNA)


def quarter_hours(first: datetime, end: datetime) -> int:
    return int((end.astimezone(UTC) - first.astimezone(UTC)) / QH)
