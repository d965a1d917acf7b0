"""Allocation of a community's generation per quarter hour: the steps in order.

measurements + participations -> counted (G.01T) -> interval totals -> offered (G.02, by the
model) -> covered (G.03) -> community surplus -> producers' surplus (P.01T) -> readings rows.
"""

from __future__ import annotations

from enum import StrEnum

import polars as pl

from .dynamic import offer_dynamic
from .errors import AllocationInputError
from .factors import count_for_communities
from .inputs import MARKET_TIME_ZONE, read_measurements, read_participations
from .output import to_readings
from .producers import share_surplus
from .static import offer_static


class AllocationModel(StrEnum):
    """How a community shares its generation among its consumers."""

    STATIC = "static"
    DYNAMIC = "dynamic"


def allocate(
    measurements: pl.DataFrame,
    participations: pl.DataFrame,
    model: AllocationModel | str,
    *,
    time_zone: str = MARKET_TIME_ZONE,
) -> pl.DataFrame:
    """Allocate every quarter hour of `measurements` with `model`; see docs/allocation.md.

    Returns readings rows (G.01, G.01T, G.02, G.03 per consumer; G.01, G.01T, P.01T per
    producer), with a leading `community` column when `participations` has one. `time_zone` is
    the zone whose calendar days the participations' valid_from/valid_to count in.
    Raises `AllocationInputError` for input it cannot allocate.
    """
    try:
        model = AllocationModel(model)
    except ValueError:
        raise AllocationInputError(
            "model",
            f"unknown allocation model {model!r}",
            hint=f"use one of {[m.value for m in AllocationModel]}",
        ) from None
    measured = read_measurements(measurements)
    participating = read_participations(participations, static=model is AllocationModel.STATIC)
    counted = count_for_communities(measured, participating, time_zone=time_zone)

    # One frame, consumers and producers together, so every total is a window over `interval`
    # rather than a group_by and a join back.
    producer = pl.col("producer")
    totals = counted.lazy().with_columns(
        pl.when(producer).then("counted").otherwise(0).sum().over("interval").alias("generation"),
        pl.when(producer).then(0).otherwise("counted").sum().over("interval").alias("consumption"),
        pl.col("quality").max().over("interval").alias("worst_quality"),
    )
    offer = offer_static if model is AllocationModel.STATIC else offer_dynamic
    covered = offer(totals).with_columns(
        pl.when(producer)
        .then(0)
        .otherwise(pl.min_horizontal("offered", "counted"))
        .alias("covered")
    )
    allocated = share_surplus(
        covered.with_columns(
            (pl.col("generation") - pl.col("covered").sum().over("interval")).alias(
                "community_surplus"
            )
        )
    )
    return to_readings(allocated, named_communities="community" in participations.columns)


def allocate_static(
    measurements: pl.DataFrame,
    participations: pl.DataFrame,
    *,
    time_zone: str = MARKET_TIME_ZONE,
) -> pl.DataFrame:
    """Static model: each consumer is offered its fixed share; unused offers go to the grid."""
    return allocate(measurements, participations, AllocationModel.STATIC, time_zone=time_zone)


def allocate_dynamic(
    measurements: pl.DataFrame,
    participations: pl.DataFrame,
    *,
    time_zone: str = MARKET_TIME_ZONE,
) -> pl.DataFrame:
    """Dynamic model: generation is offered in proportion to the consumers' consumption."""
    return allocate(measurements, participations, AllocationModel.DYNAMIC, time_zone=time_zone)
