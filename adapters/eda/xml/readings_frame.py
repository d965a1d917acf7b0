"""ConsumptionRecord -> the shared readings frame (`meshkit.adapters.readings`)."""

from __future__ import annotations

import polars as pl

from meshkit.adapters.eda.xml.consumption_record import ConsumptionRecord
from meshkit.adapters.readings import READINGS_SCHEMA, check_readings


def consumption_record_readings(record: ConsumptionRecord) -> pl.DataFrame:
    """One row per metering point, meter code and interval; times in UTC, `end` exclusive."""
    series = [data for energy in record.energy for data in energy.data]
    positions = [p for data in series for p in data.positions]
    # polars converts the offset-carrying datetimes to UTC itself (column-wise, in Rust).
    frame = pl.DataFrame(
        {
            "metering_point": [record.metering_point] * len(positions),
            "meter_code": [d.meter_code for d in series for _ in d.positions],
            "start": [p.start for p in positions],
            "end": [p.end for p in positions],
            "value": [p.quantity for p in positions],
            "unit": [d.unit for d in series for _ in d.positions],
            "quality": [p.quality for p in positions],
        },
        schema=READINGS_SCHEMA,
    )
    return check_readings(frame)
