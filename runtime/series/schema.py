"""The frames the series store takes and gives, and the checks a load goes through.

The runtime does not import the adapters (imports point down), so the readings frame the EDA
readers produce is described here a second time, column for column; a test keeps the two equal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl

from meshkit.ck.model import SeriesDef
from meshkit.runtime.series.errors import SeriesError, SeriesInputError
from meshkit.runtime.series.readings import READINGS_SCHEMA

#: Values are exact decimals: NUMERIC(18,6) on PostgreSQL, value × 10^6 as BIGINT on SQLite.
VALUE_PRECISION = 18
VALUE_SCALE = 6
VALUE_DTYPE = pl.Decimal(VALUE_PRECISION, VALUE_SCALE)
#: Sums may outgrow 18 digits; aggregated values are Decimal(38, 6).
SUM_DTYPE = pl.Decimal(38, VALUE_SCALE)
TIME_DTYPE = pl.Datetime("us", "UTC")

KEY_LENGTH = 64
CODE_LENGTH = 64
QUALITY_LENGTH = 8
SOURCE_LENGTH = 200

#: The generic load frame: one row per series owner (`key`), code and interval start.
SERIES_SCHEMA: dict[str, pl.DataType] = {
    "key": pl.String(),  # the series owner: an entity id or a natural key (metering point id)
    "code": pl.String(),  # the channel, e.g. a meter code; must be declared if the series has codes
    "start": TIME_DTYPE,  # interval start, tz-aware (any zone; stored as UTC)
    "value": VALUE_DTYPE,
    "quality": pl.String(),  # one of the series' qualities, if it declares any
}


@dataclass(frozen=True)
class Resolution:
    """A bucket size for reads: sub-day buckets are fixed lengths, the others calendar periods."""

    name: str  # ISO 8601 duration as the API takes it
    seconds: int | None  # fixed length, or None for calendar periods
    calendar: str | None  # date_trunc field for calendar periods: day, month, year
    offset: str  # polars offset to the next bucket start (calendar-aware in a time zone)


RESOLUTIONS: Mapping[str, Resolution] = {
    r.name: r
    for r in (
        Resolution("PT15M", 900, None, "15m"),
        Resolution("PT1H", 3600, None, "1h"),
        Resolution("P1D", None, "day", "1d"),
        Resolution("P1M", None, "month", "1mo"),
        Resolution("P1Y", None, "year", "1y"),
    )
}


def resolution(name: str, definition: SeriesDef) -> Resolution:
    """The resolution called `name`, if it is not finer than the series' interval."""
    found = RESOLUTIONS.get(name)
    if found is None:
        raise SeriesError(f"unknown resolution '{name}': use one of {', '.join(RESOLUTIONS)}")
    if found.seconds is not None and found.seconds < definition.interval_seconds:
        raise SeriesError(
            f"resolution {name} is finer than the interval {definition.interval} of series "
            f"'{definition.name}'"
        )
    if found.seconds is not None and found.seconds % definition.interval_seconds:
        raise SeriesError(
            f"resolution {name} is not a whole number of {definition.interval} intervals"
        )
    return found


def utc_instant(value: datetime, name: str) -> datetime:
    """`value` in UTC; a naive datetime is refused, since it names no instant."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise SeriesError(
            f"{name} {value.isoformat()} is a naive datetime: give a time-zone-aware one, "
            "e.g. datetime(2026, 3, 1, tzinfo=ZoneInfo('Europe/Vienna'))"
        )
    return value.astimezone(UTC)


def _sample(
    frame: pl.DataFrame, mask: pl.Expr | pl.Series, columns: list[str], limit: int = 3
) -> str:
    rows = frame.filter(mask).select(columns).head(limit).rows()
    return "; ".join(", ".join(str(v) for v in row) for row in rows)


def _check_columns(frame: pl.DataFrame, schema: Mapping[str, pl.DataType], what: str) -> None:
    actual = set(frame.columns)
    missing = [c for c in schema if c not in actual]
    extra = [c for c in frame.columns if c not in schema]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing {missing}")
        if extra:
            parts.append(f"unexpected {extra}")
        raise SeriesInputError(
            f"{what} columns must be {list(schema)}: {' and '.join(parts)} (got {frame.columns})"
        )
    for name, dtype in schema.items():
        got = frame.schema[name]
        if isinstance(dtype, pl.Datetime):
            if not isinstance(got, pl.Datetime):
                raise SeriesInputError(f"column '{name}' must be a Datetime, got {got}")
            if got.time_zone is None:
                raise SeriesInputError(
                    f"column '{name}' holds naive datetimes: give tz-aware UTC instants, e.g. "
                    ".dt.replace_time_zone('UTC') on naive UTC times"
                )
        elif isinstance(dtype, pl.Decimal):
            if not isinstance(got, pl.Decimal):
                raise SeriesInputError(
                    f"column '{name}' must be a Decimal (exact), got {got}; floats are refused "
                    "because they cannot hold 0.1 kWh exactly"
                )
        elif got != dtype and got != pl.Null():
            raise SeriesInputError(f"column '{name}' must be {dtype}, got {got}")


def _exact_values(frame: pl.DataFrame) -> pl.Series:
    """The value column as Decimal(18, 6), refusing digits that would be lost."""
    value = frame["value"]
    converted = value.cast(VALUE_DTYPE, strict=False)
    assert isinstance(value.dtype, pl.Decimal)
    lost = converted.is_null() & value.is_not_null()
    scale = value.dtype.scale
    if not lost.any() and scale > VALUE_SCALE:
        lost = converted.cast(value.dtype, strict=False) != value
    if lost.any():
        raise SeriesInputError(
            f"values must fit Decimal({VALUE_PRECISION}, {VALUE_SCALE}) exactly; these do not: "
            + ", ".join(str(v) for v in value.filter(lost).head(3))
        )
    return converted


def prepare(
    frame: pl.DataFrame, definition: SeriesDef, *, carry: Sequence[str] = ()
) -> pl.DataFrame:
    """Check a generic load frame against the series and return it normalised
    (times UTC in microseconds, values Decimal(18, 6)), sorted by key, code, start (and the
    first of `carry`).

    `carry`: extra columns passed through unchecked; a batch of loads carries its part number
    (the first of them) and the source, and may repeat an interval in different parts."""
    _check_columns(frame.drop(carry), SERIES_SCHEMA, "series")
    frame = frame.with_columns(
        pl.col("start").dt.convert_time_zone("UTC").cast(TIME_DTYPE),
        pl.col("quality").cast(pl.String),
    ).with_columns(_exact_values(frame).alias("value"))
    for column in ("key", "code", "start", "value"):
        nulls = frame[column].null_count()
        if nulls:
            raise SeriesInputError(f"column '{column}' has {nulls} empty (null) values")
    if definition.qualities:
        frame_has_null_quality = frame["quality"].null_count()
        if frame_has_null_quality:
            raise SeriesInputError(
                f"column 'quality' has {frame_has_null_quality} empty values; series "
                f"'{definition.name}' needs one of {list(definition.qualities)}"
            )
    _check_lengths(frame)
    _check_declared(frame, "code", tuple(c.code for c in definition.codes), definition)
    _check_declared(frame, "quality", definition.qualities, definition)
    _check_alignment(frame, definition)
    # Sorted, a repeated (key, code, start) of one load (one part) is a row equal to the one
    # before it: a comparison with the previous row, cheaper than hashing for duplicates.
    frame = frame.select(*SERIES_SCHEMA, *carry).sort("key", "code", "start", *carry[:1])
    again = (
        repeats_interval() & pl.all_horizontal(pl.col(c) == pl.col(c).shift() for c in carry[:1])
    ).fill_null(False)
    duplicated = frame.select((again | again.shift(-1).fill_null(False)).alias("d"))["d"]
    if duplicated.any():
        raise SeriesInputError(
            f"{int(duplicated.sum())} rows repeat a (key, code, start) of the same load, e.g. "
            + _sample(frame, duplicated, ["key", "code", "start"])
            + "; a load may hold one value per interval"
        )
    return frame


def repeats_interval() -> pl.Expr:
    """In a frame sorted by key, code and start: whether a row has the previous row's
    interval (null for the first row)."""
    return pl.all_horizontal(pl.col(c) == pl.col(c).shift() for c in ("key", "code", "start"))


def _check_lengths(frame: pl.DataFrame) -> None:
    for column, limit in (("key", KEY_LENGTH), ("code", CODE_LENGTH), ("quality", QUALITY_LENGTH)):
        too_long = pl.col(column).str.len_chars() > limit
        if frame.select(too_long.any()).item():
            raise SeriesInputError(
                f"column '{column}' holds values longer than {limit} characters, e.g. "
                + _sample(frame, too_long, [column], 1)
            )
    empty_key = pl.col("key").str.len_chars() == 0
    if frame.select(empty_key.any()).item():
        raise SeriesInputError("column 'key' holds empty strings; every value needs its owner")


def _check_declared(
    frame: pl.DataFrame, column: str, declared: tuple[str, ...], definition: SeriesDef
) -> None:
    if not declared:
        return
    unknown = frame.filter(~pl.col(column).is_in(declared))[column].unique().sort()
    if len(unknown):
        raise SeriesInputError(
            f"unknown {column}(s) {unknown.head(5).to_list()} for series '{definition.name}' "
            f"(declared in {definition.declared_in}): use one of {list(declared)}"
        )


def _check_alignment(frame: pl.DataFrame, definition: SeriesDef) -> None:
    """Sub-hour intervals start on a multiple of the interval (the same in UTC and local time)."""
    seconds = definition.interval_seconds
    if seconds <= 0 or 3600 % seconds:
        return
    off = (pl.col("start").dt.epoch("s") % seconds) != 0
    off = off | (pl.col("start").dt.microsecond() != 0)
    if frame.select(off.any()).item():
        raise SeriesInputError(
            f"interval starts must fall on whole {definition.interval} boundaries, e.g. "
            + _sample(frame, off, ["key", "code", "start"])
        )


def readings_to_series(
    frame: pl.DataFrame, definition: SeriesDef, *, carry: Sequence[str] = ()
) -> pl.DataFrame:
    """The readings frame (metering_point, meter_code, start, end, value, unit, quality) as a
    generic load frame, after checking that each `end` is one interval after its `start` and
    that the unit is the series' unit (case-insensitive: EDA writes KWH for kWh)."""
    _check_columns(frame.drop(carry), READINGS_SCHEMA, "readings")
    length = (
        pl.col("end").dt.convert_time_zone("UTC") - pl.col("start").dt.convert_time_zone("UTC")
    ).dt.total_seconds()
    wrong = length != definition.interval_seconds
    if frame.select(wrong.any()).item():
        raise SeriesInputError(
            f"every reading must cover one {definition.interval} interval of series "
            f"'{definition.name}' (end - start = {definition.interval_seconds} s); these do not: "
            + _sample(frame, wrong, ["metering_point", "meter_code", "start", "end"])
        )
    units = frame["unit"].drop_nulls().unique().to_list()
    bad_units = sorted(u for u in units if u.casefold() != definition.unit.casefold())
    if bad_units or frame["unit"].null_count():
        shown = bad_units or ["<empty>"]
        raise SeriesInputError(
            f"unit(s) {shown} do not match series '{definition.name}', which holds "
            f"{definition.unit}; convert the values first"
        )
    return frame.select(
        pl.col("metering_point").alias("key"),
        pl.col("meter_code").alias("code"),
        "start",
        "value",
        "quality",
        *carry,
    )


def empty_series_frame() -> pl.DataFrame:
    return pl.DataFrame(schema=SERIES_SCHEMA)


__all__ = [
    "READINGS_SCHEMA",
    "RESOLUTIONS",
    "SERIES_SCHEMA",
    "Resolution",
    "empty_series_frame",
    "prepare",
    "readings_to_series",
    "resolution",
    "utc_instant",
]
