"""Producers: each producer's part of the community's surplus to the grid (P.01T)."""

from __future__ import annotations

import polars as pl

from .rounding import apportion


def share_surplus(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Add `surplus` (P.01T) = community surplus x counted generation / Σ counted generation.

    The community surplus is what no consumer took (Σ G.01T of producers − Σ G.03); largest
    remainder makes the producers' parts add up to it exactly, so per interval
    Σ G.03 + Σ P.01T = Σ G.01T of producers. Consumers get 0.
    """
    return apportion(
        frame,
        group="interval",
        amount=pl.col("community_surplus"),
        weight=pl.when(pl.col("producer")).then(pl.col("counted")).otherwise(0),
        denominator=pl.col("generation"),
        into="surplus",
    )
