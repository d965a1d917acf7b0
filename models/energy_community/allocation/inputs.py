"""The engine's two input frames: what they hold, how they are checked, and their internal form.

**Measurements**: one row per metering point and quarter hour, the measured G.01.

| column | type | meaning |
|---|---|---|
| metering_point | String | the metering point id |
| start | Datetime with a time zone | start of the quarter hour (any zone; converted to UTC) |
| value | integer, or Decimal | integer: Wh; Decimal: kWh with at most 6 decimals |
| quality (optional) | String | L1, L2 or L3; L1 when the column is absent |

**Participations**: one row per metering point, community and validity period.

| column | type | meaning |
|---|---|---|
| community (optional) | String | community id; absent means one community |
| metering_point | String | the metering point id |
| direction | String | `consumption` or `generation` |
| factor | integer | participation factor, whole percent 1..100 |
| static_share (optional) | Decimal or integer | static model: percent 0..100, at most 4 decimals |
| valid_from | Date | first day it applies (included), in the market's time zone |
| valid_to | Date | last day it applies (included); null means open-ended |

Checking is done once, up front, on the whole frame, and fails with an `AllocationInputError`
naming the rows; the internal forms then hold integers only (see `units`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import polars as pl

from meshkit.runtime.series.readings import check_readings

from .errors import SHOWN_ROWS, AllocationInputError
from .meter_codes import MeterCode
from .units import (
    KWH_SCALE,
    MAX_MEASURED_KWH,
    MILLI_WH_PER_KWH,
    MILLI_WH_PER_WH,
    SHARE_PER_PERCENT,
    SHARE_SCALE,
    SHARE_WHOLE,
    kwh_to_milli_wh,
    percent_to_share,
)

#: Participation days are days in this zone (the Austrian market's); intervals stay in UTC.
MARKET_TIME_ZONE = "Europe/Vienna"
QUARTER_HOUR = timedelta(minutes=15)
CONSUMPTION = "consumption"
GENERATION = "generation"
#: At most this many communities per metering point at once (Austria, since 2024-04-08).
MAX_COMMUNITIES_PER_POINT = 5

#: Quality codes from best to worst; a derived value carries the worst of its inputs.
QUALITY_RANK: dict[str, int] = {"L1": 1, "L2": 2, "L3": 3}
MEASURED_QUALITY = "L1"

MEASUREMENT_COLUMNS = ("metering_point", "start", "value")
MEASUREMENT_OPTIONAL = ("quality",)
PARTICIPATION_COLUMNS = ("metering_point", "direction", "factor", "valid_from", "valid_to")
PARTICIPATION_OPTIONAL = ("community", "static_share")

MEASUREMENTS = "measurements"
PARTICIPATIONS = "participations"
_ROW = "__row"
_FAR_FUTURE = pl.date(9999, 12, 31)


def read_measurements(frame: pl.DataFrame) -> pl.DataFrame:
    """Check a measurements frame and return its internal form.

    Columns: metering_point, start (Datetime us UTC), measured (Int64 mWh), quality (rank).
    """
    _check_columns(MEASUREMENTS, frame, MEASUREMENT_COLUMNS, MEASUREMENT_OPTIONAL)
    schema = frame.schema
    _check_type(MEASUREMENTS, schema, "metering_point", schema["metering_point"] == pl.String)
    start_type = schema["start"]
    if not isinstance(start_type, pl.Datetime) or start_type.time_zone is None:
        raise AllocationInputError(
            MEASUREMENTS,
            f"column 'start' must be a time-zone-aware Datetime, got {start_type}",
            hint="give UTC instants, e.g. .dt.replace_time_zone('UTC') on naive UTC times",
        )
    has_quality = "quality" in frame.columns
    if has_quality:
        _check_type(MEASUREMENTS, schema, "quality", schema["quality"] in (pl.String, pl.Null))

    value_type = schema["value"]
    if value_type.is_integer():
        measured = pl.col("value").cast(pl.Int64) * MILLI_WH_PER_WH
        too_large = pl.col("value") > MAX_MEASURED_KWH * 1_000
        unit = "Wh"
    elif isinstance(value_type, pl.Decimal):
        measured = kwh_to_milli_wh(pl.col("value"))
        too_large = pl.col("value") > MAX_MEASURED_KWH
        unit = "kWh"
    else:
        raise AllocationInputError(
            MEASUREMENTS,
            f"column 'value' must be an integer (Wh) or a Decimal (kWh), got {value_type}",
            hint="floats are not exact; cast to pl.Decimal(18, 6) kWh or to integer Wh",
        )

    rows = frame.with_row_index(_ROW)
    start_utc = pl.col("start").dt.convert_time_zone("UTC")
    required = [*MEASUREMENT_COLUMNS, *(["quality"] if has_quality else [])]
    for column in required:
        _refuse(MEASUREMENTS, rows, pl.col(column).is_null(), f"'{column}' is empty", [column])
    shown = ["metering_point", "start", "value"]
    _refuse(MEASUREMENTS, rows, pl.col("value") < 0, "a measured value is negative", shown)
    _refuse(
        MEASUREMENTS,
        rows,
        too_large,
        f"a quarter-hour value is above {MAX_MEASURED_KWH:,} kWh ({unit} expected)",
        shown,
        hint="integer values are Wh and Decimal values kWh; check the unit",
    )
    if isinstance(value_type, pl.Decimal) and (value_type.scale or 0) > KWH_SCALE:
        _refuse(
            MEASUREMENTS,
            rows,
            pl.col("value") != pl.col("value").cast(pl.Decimal(38, KWH_SCALE)),
            f"a value has more than {KWH_SCALE} decimals of a kWh",
            shown,
            hint=f"the engine works in 1/{MILLI_WH_PER_KWH:,} kWh; round the input first",
        )
    _refuse(
        MEASUREMENTS,
        rows,
        start_utc.dt.truncate("15m") != start_utc,
        "'start' is not the start of a quarter hour",
        shown,
        hint="the engine allocates 15-minute values (QH); aggregate or align them first",
    )
    if has_quality:
        _refuse(
            MEASUREMENTS,
            rows,
            ~pl.col("quality").is_in(list(QUALITY_RANK)),
            f"unknown quality (known: {', '.join(QUALITY_RANK)})",
            ["metering_point", "start", "quality"],
            hint="map older quality codes to L1..L3 before allocating",
        )
    _refuse(
        MEASUREMENTS,
        rows,
        start_utc.is_duplicated().over("metering_point"),
        "a metering point has more than one value for a quarter hour",
        shown,
        hint="remove duplicate rows (e.g. a re-sent day) before allocating",
    )
    quality = (
        pl.col("quality").replace_strict(QUALITY_RANK, return_dtype=pl.UInt8)
        if has_quality
        else pl.lit(QUALITY_RANK[MEASURED_QUALITY], dtype=pl.UInt8)
    )
    return rows.select(
        pl.col("metering_point"),
        start_utc.cast(pl.Datetime("us", "UTC")).alias("start"),
        measured.alias("measured"),
        quality.alias("quality"),
    )


def read_participations(frame: pl.DataFrame, *, static: bool) -> pl.DataFrame:
    """Check a participations frame and return its internal form.

    Columns: community ("" when the frame names none), metering_point, producer (Boolean: a
    generation point), factor (Int64), share (Int64 share units, null where not given),
    valid_from, valid_to (Date, null = open-ended), and integer keys for fast grouping and
    sorting: community_key and point_key (0-based ranks of the ids in id order) and member_key
    (the pair's rank in (community, metering point) order).
    `static` adds the static model's demands: every consumer has a share, shares total <= 100 %.
    """
    _check_columns(PARTICIPATIONS, frame, PARTICIPATION_COLUMNS, PARTICIPATION_OPTIONAL)
    schema = frame.schema
    for column in ("metering_point", "direction", "community"):
        if column in schema:
            _check_type(PARTICIPATIONS, schema, column, schema[column] == pl.String)
    _check_type(PARTICIPATIONS, schema, "factor", schema["factor"].is_integer())
    _check_type(PARTICIPATIONS, schema, "valid_from", schema["valid_from"] == pl.Date)
    _check_type(PARTICIPATIONS, schema, "valid_to", schema["valid_to"] in (pl.Date, pl.Null))
    share_type = schema.get("static_share", pl.Null())
    _check_type(
        PARTICIPATIONS,
        schema,
        "static_share",
        share_type == pl.Null or share_type.is_integer() or isinstance(share_type, pl.Decimal),
    )

    rows = frame.with_row_index(_ROW).with_columns(
        pl.col("valid_to").cast(pl.Date),
        (pl.col("community") if "community" in schema else pl.lit("")).alias("community"),
        (pl.col("static_share") if "static_share" in schema else pl.lit(None)).alias(
            "static_share"
        ),
    )
    for column in ("community", "metering_point", "direction", "factor", "valid_from"):
        _refuse(PARTICIPATIONS, rows, pl.col(column).is_null(), f"'{column}' is empty", [column])
    who = ["community", "metering_point"] if "community" in schema else ["metering_point"]
    _refuse(
        PARTICIPATIONS,
        rows,
        ~pl.col("direction").is_in([CONSUMPTION, GENERATION]),
        f"'direction' must be '{CONSUMPTION}' or '{GENERATION}'",
        [*who, "direction"],
    )
    _refuse(
        PARTICIPATIONS,
        rows,
        (pl.col("factor") < 1) | (pl.col("factor") > 100),
        "the participation factor must be a whole percent from 1 to 100",
        [*who, "factor"],
    )
    _check_shares(rows, who, static=static)
    _refuse(
        PARTICIPATIONS,
        rows,
        pl.col("valid_to") < pl.col("valid_from"),
        "'valid_to' is before 'valid_from'",
        [*who, "valid_from", "valid_to"],
    )
    _check_directions(rows)
    _check_overlaps(rows, who)
    _check_factor_sums(rows)
    if static:
        _check_share_sums(rows, who)

    share = (
        percent_to_share(pl.col("static_share"))
        if share_type != pl.Null
        else pl.lit(None, dtype=pl.Int64)
    )
    community_key = pl.col("community").rank("dense").cast(pl.Int64) - 1
    point_key = pl.col("metering_point").rank("dense").cast(pl.Int64) - 1
    return rows.select(
        "community",
        "metering_point",
        (pl.col("direction") == GENERATION).alias("producer"),
        pl.col("factor").cast(pl.Int64),
        share.alias("share"),
        "valid_from",
        "valid_to",
        community_key.alias("community_key"),
        point_key.alias("point_key"),
        (community_key * (point_key.max() + 1) + point_key).alias("member_key"),
    )


def measurements_from_readings(readings: pl.DataFrame) -> pl.DataFrame:
    """The measurements frame held in a readings frame: its G.01 rows (consumption, generation).

    Other meter codes (the DSO's own G.01T, G.02, ...) are left out; they are what the engine
    computes. Values must be quarter-hour kWh.
    """
    check_readings(readings)
    measured = readings.filter(
        pl.col("meter_code").is_in([MeterCode.CONSUMPTION, MeterCode.GENERATION])
    ).with_row_index(_ROW)
    shown = ["metering_point", "meter_code", "start", "unit"]
    _refuse(
        "readings",
        measured,
        pl.col("unit") != "KWH",
        "G.01 values must be in KWH",
        shown,
    )
    _refuse(
        "readings",
        measured,
        pl.col("end") - pl.col("start") != QUARTER_HOUR,
        "G.01 values must be quarter-hour values",
        [*shown, "end"],
    )
    return measured.select("metering_point", "start", "value", "quality")


# ---------------------------------------------------------------- checks shared by both frames


def _check_columns(
    name: str, frame: pl.DataFrame, required: Sequence[str], optional: Sequence[str]
) -> None:
    expected = f"a {name} frame has {list(required)} and may have {list(optional)}"
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise AllocationInputError(name, f"missing column(s) {missing}", hint=expected)
    # Unknown columns are refused rather than ignored: a misspelt 'static_shares' would
    # otherwise silently allocate without the shares.
    unknown = [c for c in frame.columns if c not in required and c not in optional]
    if unknown:
        raise AllocationInputError(name, f"unknown column(s) {unknown}", hint=expected)


def _check_type(name: str, schema: pl.Schema, column: str, ok: bool) -> None:
    if not ok:
        raise AllocationInputError(
            name,
            f"column '{column}' has the wrong type {schema.get(column)}",
            hint="see the column table in meshkit.models.energy_community.allocation.inputs",
        )


def _refuse(
    name: str,
    rows: pl.DataFrame,
    bad: pl.Expr,
    problem: str,
    show: Sequence[str],
    *,
    hint: str = "",
) -> None:
    """Raise for the rows where `bad` holds (`rows` carries the input row numbers)."""
    offending = rows.filter(bad)
    if offending.height:
        raise AllocationInputError(
            name,
            problem,
            rows=offending[_ROW].to_list(),
            examples=offending.head(SHOWN_ROWS).select(show).to_dicts(),
            hint=hint,
        )


# ---------------------------------------------------------------- participation rules


def _check_shares(rows: pl.DataFrame, who: list[str], *, static: bool) -> None:
    share = pl.col("static_share")
    shown = [*who, "direction", "static_share"]
    if isinstance(rows.schema["static_share"], pl.Decimal):
        _refuse(
            PARTICIPATIONS,
            rows,
            share != share.cast(pl.Decimal(38, SHARE_SCALE)),
            f"a static share has more than {SHARE_SCALE} decimals of a percent",
            shown,
        )
    if rows.schema["static_share"] != pl.Null:
        _refuse(
            PARTICIPATIONS,
            rows,
            (share < 0) | (share > 100),
            "a static share must be a percent from 0 to 100",
            shown,
        )
    _refuse(
        PARTICIPATIONS,
        rows,
        (pl.col("direction") == GENERATION) & share.is_not_null(),
        "a generation point has a static share; shares are for consumers only",
        shown,
    )
    if static:
        _refuse(
            PARTICIPATIONS,
            rows,
            (pl.col("direction") == CONSUMPTION) & share.is_null(),
            "the static model needs a static share for every consumer",
            shown,
            hint="give 'static_share' in percent (0..100), or allocate with the dynamic model",
        )


def _check_directions(rows: pl.DataFrame) -> None:
    mixed = pl.col("direction").n_unique().over("metering_point") > 1
    _refuse(
        PARTICIPATIONS,
        rows,
        mixed,
        "a metering point is both a consumption and a generation point",
        ["metering_point", "community", "direction"],
        hint="a metering point has one direction; check the metering point ids",
    )


def _valid_on_first_days(rows: pl.DataFrame, on: list[str]) -> pl.DataFrame:
    """For each row, the rows sharing `on` that are valid on its first day (itself included).

    Validity periods overlap exactly when one begins inside another, so checking the first days
    finds every day on which a sum or a count is largest.
    """
    days = rows.select(*on, _ROW, pl.col("valid_from").alias("day"))
    periods = rows.select(
        *on,
        pl.col(_ROW).alias("other_row"),
        pl.col("community").alias("other_community"),
        "valid_from",
        "valid_to",
        "factor",
        pl.col("static_share").cast(pl.Decimal(38, SHARE_SCALE)).alias("share"),
    )
    return days.join(periods, on=on).filter(
        pl.col("valid_from") <= pl.col("day"),
        pl.col("day") <= pl.col("valid_to").fill_null(_FAR_FUTURE),
    )


def _refuse_concurrent(
    concurrent: pl.DataFrame, bad: pl.Expr, problem: str, show: list[str], hint: str
) -> None:
    offending = concurrent.filter(bad).sort(_ROW)
    if offending.height:
        raise AllocationInputError(
            PARTICIPATIONS,
            problem,
            rows=offending[_ROW].to_list(),
            examples=offending.head(SHOWN_ROWS).select(show).to_dicts(),
            hint=hint,
        )


def _check_overlaps(rows: pl.DataFrame, who: list[str]) -> None:
    concurrent = (
        _valid_on_first_days(rows, ["community", "metering_point"])
        .group_by(_ROW, "community", "metering_point", "day")
        .agg(pl.col("other_row").sort().alias("rows_valid_that_day"))
    )
    _refuse_concurrent(
        concurrent,
        pl.col("rows_valid_that_day").list.len() > 1,
        "duplicate or overlapping participations of a metering point in one community",
        [*who, "day", "rows_valid_that_day"],
        "keep one row per day: end the old period the day before the new one begins",
    )


def _check_factor_sums(rows: pl.DataFrame) -> None:
    concurrent = (
        _valid_on_first_days(rows, ["metering_point"])
        .group_by(_ROW, "metering_point", "day")
        .agg(
            pl.col("factor").sum().alias("factor_sum"),
            pl.col("other_community").sort().alias("communities"),
        )
    )
    shown = ["metering_point", "day", "factor_sum", "communities"]
    _refuse_concurrent(
        concurrent,
        pl.col("factor_sum") > 100,
        "a metering point's participation factors add up to more than 100 % on a day",
        shown,
        "the grid operator rejects this (response code 188) rather than scaling; lower a factor",
    )
    _refuse_concurrent(
        concurrent,
        pl.col("communities").list.len() > MAX_COMMUNITIES_PER_POINT,
        f"a metering point takes part in more than {MAX_COMMUNITIES_PER_POINT} communities",
        shown,
        "the grid operator rejects a sixth participation (response code 196)",
    )


def _check_share_sums(rows: pl.DataFrame, who: list[str]) -> None:
    consumers = rows.filter(pl.col("direction") == CONSUMPTION)
    concurrent = (
        _valid_on_first_days(consumers, ["community"])
        .group_by(_ROW, "community", "day")
        .agg(pl.col("share").sum().alias("share_sum_percent"))
    )
    limit = SHARE_WHOLE // SHARE_PER_PERCENT
    _refuse_concurrent(
        concurrent,
        pl.col("share_sum_percent") > limit,
        f"the static shares of a community's consumers add up to more than {limit} % on a day",
        [*(["community"] if "community" in who else []), "day", "share_sum_percent"],
        "lower the shares; the engine does not scale them",
    )
