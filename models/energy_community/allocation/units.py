"""The engine's integer units, and the conversions in and out of them.

All energy is held as integer milliwatt-hours (1 mWh = 10⁻⁶ kWh, exactly the scale of the readings
frame's Decimal(18, 6) kWh), so every sum is exact and an integer Wh input times a whole-percent
factor stays an integer. Static shares are held in millionths of the generation (a percent with
the four decimals of EDA's ECShare).
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

#: Integer milliwatt-hours in one kWh (the readings frame's scale of 6).
MILLI_WH_PER_KWH = 1_000_000
#: Integer milliwatt-hours in one Wh (the integer input unit).
MILLI_WH_PER_WH = 1_000
#: Decimals of a kWh the engine keeps; finer input would be rounded, so it is refused.
KWH_SCALE = 6

#: A static share of 100 % in share units (millionths of the generation).
SHARE_WHOLE = 1_000_000
#: Share units in one percent (so a share has the four decimals of a percent as ECShare has).
SHARE_PER_PERCENT = 10_000
#: Decimals of a percent a static share may have.
SHARE_SCALE = 4

#: A quarter-hour value above this is not a measurement; the bound keeps integer sums far from
#: overflow (Int64 sums, Int128 products in the apportionment).
MAX_MEASURED_KWH = 1_000_000_000

#: The readings frame's value type.
KWH_DTYPE = pl.Decimal(18, KWH_SCALE)

_ONE_MILLI_WH_IN_KWH = Decimal(1).scaleb(-KWH_SCALE)


def kwh_to_milli_wh(kwh: pl.Expr) -> pl.Expr:
    """Decimal kWh (at most 6 decimals, checked by the caller) -> integer milliwatt-hours."""
    return (kwh.cast(pl.Decimal(38, KWH_SCALE)) * MILLI_WH_PER_KWH).cast(pl.Int64)


def percent_to_share(percent: pl.Expr) -> pl.Expr:
    """Decimal or integer percent (at most 4 decimals, checked by the caller) -> share units."""
    return (percent.cast(pl.Decimal(38, SHARE_SCALE)) * SHARE_PER_PERCENT).cast(pl.Int64)


def milli_wh_to_kwh(milli_wh: pl.Expr) -> pl.Expr:
    """Integer milliwatt-hours -> the readings frame's Decimal(18, 6) kWh, exactly."""
    return (milli_wh.cast(pl.Decimal(38, 0)) * pl.lit(_ONE_MILLI_WH_IN_KWH)).cast(KWH_DTYPE)
