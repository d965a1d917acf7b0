"""The one columnar form of metered readings: what every energy-data reader produces
(ConsumptionRecord XML, MSCONS) and what the series store and allocation consume.

It lives in the runtime, below both the adapters that write it and the models that compute on
it, so neither has to import the other. One row per metering point, meter code and interval.
"""

from __future__ import annotations

import polars as pl

#: Column name -> polars dtype. Times are tz-aware UTC; `end` is exclusive.
READINGS_SCHEMA: dict[str, pl.DataType] = {
    "metering_point": pl.String(),  # 33-character Zählpunkt id
    "meter_code": pl.String(),  # as the grid operator sends it, e.g. "1-1:1.9.0 G.01"
    "start": pl.Datetime("us", "UTC"),
    "end": pl.Datetime("us", "UTC"),
    "value": pl.Decimal(18, 6),  # energy in `unit`; Decimal so sums are exact
    "unit": pl.String(),  # e.g. "KWH"
    "quality": pl.String(),  # "L1", "L2", "L3" (or the older "01".."05")
}


class ReadingsSchemaError(ValueError):
    """A frame that claims to be readings but has the wrong columns or types."""


def empty_readings() -> pl.DataFrame:
    """A readings frame with no rows."""
    return pl.DataFrame(schema=READINGS_SCHEMA)


def check_readings(frame: pl.DataFrame) -> pl.DataFrame:
    """Return `frame` unchanged if it has exactly the readings columns and types, else raise."""
    actual = dict(frame.schema)
    if list(actual) != list(READINGS_SCHEMA):
        raise ReadingsSchemaError(
            f"readings columns must be {list(READINGS_SCHEMA)}, got {list(actual)}"
        )
    wrong = {
        name: (str(actual[name]), str(dtype))
        for name, dtype in READINGS_SCHEMA.items()
        if actual[name] != dtype
    }
    if wrong:
        details = ", ".join(f"{n}: {got} (want {want})" for n, (got, want) in wrong.items())
        raise ReadingsSchemaError(f"readings column types are wrong: {details}")
    return frame
