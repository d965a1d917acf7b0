"""Allocation of a community's generation per quarter hour: the steps in order.

measurements + participations -> counted (G.01T) -> interval totals -> offered (G.02, by the
model) -> covered (G.03) -> community surplus -> producers' surplus (P.01T) -> readings rows.

Checking the input, pairing values with participations and building the readings rows are
polars; the per-quarter-hour sharing runs on matrices (`matrix`), where a community's sums and
its largest-remainder apportionment are column operations.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from .errors import AllocationInputError
from .factors import count_for_communities
from .inputs import MARKET_TIME_ZONE, read_measurements, read_participations
from .matrix import Block, share_generation
from .output import to_readings


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
    allocated = _share(counted, static=model is AllocationModel.STATIC)
    return to_readings(allocated.lazy(), named_communities="community" in participations.columns)


def _share(counted: pl.DataFrame, *, static: bool) -> pl.DataFrame:
    """The counted rows with offered, covered, surplus and worst_quality, computed on matrices.

    Each row's member (community, consumer/producer, metering point) is a matrix row, its slot a
    column; the results are read back at the same places.
    """
    order = (pl.col("community_key") * 2 + pl.col("producer").cast(pl.Int64)) * (
        pl.col("point_key").max() + 1
    ) + pl.col("point_key")
    keyed = counted.with_columns((order.rank("dense") - 1).cast(pl.Int64).alias("_row"))
    members = (
        keyed.group_by("_row")
        .agg(pl.col("community_key").first(), pl.col("producer").first())
        .sort("_row")
    )
    blocks = _blocks(members)
    slots = int(keyed.select(pl.col("slot").max().fill_null(-1)).item()) + 1
    shape = (members.height, slots)
    row = keyed["_row"].to_numpy()
    slot = keyed["slot"].to_numpy()

    def matrix(column: str, dtype: type[np.generic]) -> npt.NDArray[Any]:
        values = np.zeros(shape, dtype=dtype)
        values[row, slot] = keyed[column].fill_null(0).to_numpy()
        return values

    shared = share_generation(
        matrix("counted", np.int64),
        blocks,
        static_shares=matrix("share", np.int64) if static else None,
        quality=matrix("quality", np.uint8),
    )
    return counted.with_columns(
        pl.Series("offered", shared.offered[row, slot]),
        pl.Series("covered", shared.covered[row, slot]),
        pl.Series("surplus", shared.surplus[row, slot]),
        pl.Series("worst_quality", shared.worst_quality[row, slot]),
    )


def _blocks(members: pl.DataFrame) -> list[Block]:
    """Each community's row ranges (members are sorted by community, then producers last)."""
    spans = (
        members.with_row_index("_index")
        .group_by("community_key")
        .agg(
            pl.col("_index").min().alias("start"),
            pl.col("_index").filter(pl.col("producer")).min().alias("split"),
            (pl.col("_index").max() + 1).alias("stop"),
        )
        .sort("start")
    )
    return [
        Block(start, stop if split is None else split, stop)
        for start, split, stop in spans.select("start", "split", "stop").iter_rows()
    ]


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
