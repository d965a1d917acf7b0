"""The static model: each consumer is offered its fixed share of the interval's generation."""

from __future__ import annotations

import polars as pl

from .rounding import apportion
from .units import SHARE_WHOLE


def offer_static(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Add `offered` (G.02) = share x generation per consumer, apportioned by largest remainder.

    The interval's consumers are offered floor(generation x Σshares) in total, all of it when
    the shares reach 100 %. What a consumer cannot use is surplus and is not passed on to the
    others; that cap is the caller's (G.03 = min(G.02, G.01T)). Producers are offered nothing.
    """
    return apportion(
        frame,
        group="interval",
        amount=pl.col("generation"),
        weight=pl.when(pl.col("producer")).then(0).otherwise(pl.col("share")),
        denominator=pl.lit(SHARE_WHOLE),
        into="offered",
    )
