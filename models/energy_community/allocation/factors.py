"""Participation factors: the part of each measured value that counts for a community (G.01T)."""

from __future__ import annotations

import polars as pl

from .rounding import divide_half_up

_QUARTER_HOUR_US = 15 * 60 * 1_000_000

#: Columns of the counted frame, one row per community, metering point and quarter hour.
COUNTED_COLUMNS = (
    "community",
    "metering_point",
    "producer",
    "start",
    "measured",
    "counted",
    "share",
    "quality",
    "point_key",
    "member_key",
    "slot",
    "community_key",
)


def count_for_communities(
    measured: pl.DataFrame, participating: pl.DataFrame, *, time_zone: str
) -> pl.DataFrame:
    """Pair each measured value with the participation valid on its day; G.01T = G.01 x factor.

    A value of a metering point with no participation that day counts for no community and is
    left out. `counted` is rounded to the nearest mWh, halves up (exact for integer Wh input).
    Adds `slot` (the quarter hour's number from the first one in the data: the matrix column).
    """
    # Participations change per day of the market's calendar, so the day of a UTC quarter hour
    # is taken in that zone: 2026-03-29 00:00 Vienna is 2026-03-28 23:00 UTC.
    epoch = pl.col("start").dt.epoch("us")
    slot = (epoch - epoch.min()) // _QUARTER_HOUR_US
    days = measured.lazy().with_columns(
        pl.col("start").dt.convert_time_zone(time_zone).dt.date().alias("day"),
        slot.alias("slot"),
    )
    return (
        days.join(participating.lazy(), on="metering_point", how="inner")
        .filter(
            pl.col("valid_from") <= pl.col("day"),
            pl.col("valid_to").is_null() | (pl.col("day") <= pl.col("valid_to")),
        )
        .with_columns(
            divide_half_up(pl.col("measured") * pl.col("factor"), 100).alias("counted"),
        )
        .select(COUNTED_COLUMNS)
        .collect()
    )
