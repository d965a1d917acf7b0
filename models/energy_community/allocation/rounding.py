"""The two rounding rules of the engine, both on non-negative integers.

* `divide_half_up`: one value on its own (G.01T = G.01 x factor / 100), rounded to the nearest
  milliwatt-hour, halves up.
* `apportion`: a total shared among the rows of a group (largest remainder, Hamilton's method):
  every row gets the floor of its exact quota, and the units those floors leave over go, one
  each, to the rows with the largest remainders, ties to the smaller metering point. The parts
  then add up to the total exactly, each part is within one unit of its exact quota, and the
  result does not depend on row order.
"""

from __future__ import annotations

import polars as pl

_FLOOR = "_apportion_floor"
_LEFT = "_apportion_left"
_ORDER = "_apportion_order"
#: Tie-break keys are UInt32, so a remainder times this plus a key orders by both at once.
_KEY_SPAN = 2**32


def divide_half_up(numerator: pl.Expr, denominator: int) -> pl.Expr:
    """`numerator / denominator` to the nearest integer, halves up (for numerator >= 0)."""
    return (numerator + denominator // 2) // denominator


def apportion(
    frame: pl.LazyFrame,
    *,
    group: str,
    amount: pl.Expr,
    weight: pl.Expr,
    denominator: pl.Expr,
    into: str,
    tie_break: str = "point_key",
) -> pl.LazyFrame:
    """Add `into` = each row's part of `amount` x `weight` / `denominator`, apportioned per group.

    `amount` and `denominator` are constant within a group. The group's total is
    floor(amount x Σweight / denominator): the whole amount when the weights add up to the
    denominator (dynamic model, producers), less when they add up to less (static shares below
    100 %). A denominator of 0 gives every row 0, and so does a weight of 0. `tie_break` is an
    integer column below 2**32, unique within a group, whose smaller value wins a tie.
    """
    # Products of two energies can pass 2**63, so the exact quotas are formed in Int128.
    total = amount.cast(pl.Int128)
    share = weight.cast(pl.Int128)
    whole = denominator.cast(pl.Int128)
    has_whole = whole > 0
    remainder = pl.when(has_whole).then(total * share % whole).otherwise(0)
    quotas = frame.with_columns(
        pl.when(has_whole).then(total * share // whole).otherwise(0).alias(_FLOOR),
        # One sortable number: larger remainder first, then the smaller tie-break key.
        (remainder * _KEY_SPAN + (_KEY_SPAN - 1 - pl.col(tie_break).cast(pl.Int128))).alias(_ORDER),
        pl.when(has_whole).then(total * share.sum().over(group) // whole).otherwise(0).alias(_LEFT),
    ).with_columns(pl.col(_LEFT) - pl.col(_FLOOR).sum().over(group))
    # Fewer units are left than rows with a remainder, so only those rows get one, and at most
    # one each; ranking by value (not position) keeps the result independent of row order.
    place = pl.col(_ORDER).rank("ordinal", descending=True).over(group)
    return quotas.with_columns(
        (pl.col(_FLOOR) + (place <= pl.col(_LEFT)).cast(pl.Int128)).cast(pl.Int64).alias(into)
    ).drop(_FLOOR, _LEFT, _ORDER)
