"""The engine's result as a readings frame, one row per metering point, meter code and interval."""

from __future__ import annotations

import polars as pl

from meshkit.runtime.series.readings import check_readings

from .inputs import QUALITY_RANK, QUARTER_HOUR
from .meter_codes import MeterCode
from .units import milli_wh_to_kwh

UNIT = "KWH"
#: Codes that depend on one metering point's value only; they keep that value's quality.
_OWN_VALUE_CODES = [
    MeterCode.CONSUMPTION,
    MeterCode.CONSUMPTION_COUNTED,
    MeterCode.GENERATION,
    MeterCode.GENERATION_COUNTED,
]
_QUALITY_CODE = {rank: code for code, rank in QUALITY_RANK.items()}
#: The codes as an Enum in text order, so a code's physical value sorts as its text does.
_CODE_ENUM = pl.Enum(sorted(code.value for code in MeterCode))
_KEYS = ["community", "metering_point", "start", "quality", "worst_quality", "member_key", "slot"]


def to_readings(allocated: pl.LazyFrame, *, named_communities: bool) -> pl.DataFrame:
    """Unpivot each point's quantities into readings rows, sort them and collect.

    Rows are sorted by community, metering point, meter code and start. With `named_communities`
    the frame starts with a `community` column; otherwise it is exactly the readings frame
    (`meshkit.runtime.series.readings`).
    """
    producer = pl.col("producer")
    consumer_rows = (
        allocated.filter(~producer)
        .select(
            *_KEYS,
            pl.col("measured").alias(MeterCode.CONSUMPTION),
            pl.col("counted").alias(MeterCode.CONSUMPTION_COUNTED),
            pl.col("offered").alias(MeterCode.OFFERED),
            pl.col("covered").alias(MeterCode.COVERED),
        )
        .unpivot(index=_KEYS, variable_name="meter_code", value_name="milli_wh")
    )
    producer_rows = (
        allocated.filter(producer)
        .select(
            *_KEYS,
            pl.col("measured").alias(MeterCode.GENERATION),
            pl.col("counted").alias(MeterCode.GENERATION_COUNTED),
            pl.col("surplus").alias(MeterCode.SURPLUS),
        )
        .unpivot(index=_KEYS, variable_name="meter_code", value_name="milli_wh")
    )
    # A value computed from the whole interval (G.02, G.03, P.01T) is only as good as the worst
    # value it was computed from.
    quality = (
        pl.when(pl.col("meter_code").is_in(_OWN_VALUE_CODES))
        .then(pl.col("quality"))
        .otherwise(pl.col("worst_quality"))
    )
    code = pl.col("meter_code").cast(_CODE_ENUM).to_physical().cast(pl.Int64)
    # One Int64 key sorts several times faster than the four columns it encodes
    # (community and metering point via member_key, meter code, start via slot).
    order = (pl.col("member_key") * len(_CODE_ENUM.categories) + code) * (
        pl.col("slot").max() + 1
    ) + pl.col("slot")
    leading = ["community"] if named_communities else []
    # Narrowed and collected before sorting: an eager sort of the few columns left was faster
    # here than the lazy sort of the whole plan (bench/allocation.py).
    rows = (
        pl.concat([consumer_rows, producer_rows])
        .select(
            *leading,
            "metering_point",
            "meter_code",
            "start",
            "milli_wh",
            quality.alias("quality"),
            order.alias("_order"),
        )
        .collect()
        .sort("_order")
    )
    frame = rows.select(
        *leading,
        "metering_point",
        "meter_code",
        "start",
        (pl.col("start") + QUARTER_HOUR).alias("end"),
        milli_wh_to_kwh(pl.col("milli_wh")).alias("value"),
        pl.lit(UNIT).alias("unit"),
        pl.col("quality").replace_strict(_QUALITY_CODE, return_dtype=pl.String),
    )
    check_readings(frame.drop(leading))
    return frame
