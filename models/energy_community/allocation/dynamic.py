"""The dynamic model: the interval's generation is offered in proportion to consumption."""

from __future__ import annotations

import polars as pl

from .rounding import apportion


def offer_dynamic(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Add `offered` (G.02) = generation x counted consumption / Σ counted consumption.

    The whole generation is offered (largest remainder makes the parts add up exactly); when it
    exceeds the consumption every consumer's offer exceeds its consumption, so the caller's cap
    (G.03 = min(G.02, G.01T)) covers everyone fully. With no consumption nothing is offered.
    Producers are offered nothing.
    """
    return apportion(
        frame,
        group="interval",
        amount=pl.col("generation"),
        weight=pl.when(pl.col("producer")).then(0).otherwise(pl.col("counted")),
        denominator=pl.col("consumption"),
        into="offered",
    )
