"""The engine's arithmetic on matrices: one row per member, one column per quarter hour.

A *member* is a metering point's participation in one community. Rows are ordered by community,
then consumers before producers, then metering point, so each community's consumers and
producers are contiguous row ranges (views, not copies) and a smaller row is a smaller metering
point (the apportionment's tie-break). Absent values are 0 and contribute nothing.

Columns are independent of each other, so they are processed in chunks (a month of quarter hours
each) on a few threads: numpy releases the GIL in its loops, and a chunk's temporaries stay
small, so memory grows with the result, not with the steps.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .rounding import Matrix, apportion
from .units import SHARE_WHOLE

#: Quarter hours per chunk: a month...
CHUNK = 31 * 96
#: ...unless that makes a chunk larger than this many values (members x quarter hours).
CHUNK_VALUES = 3_000_000

Qualities = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class Block:
    """One community's rows: consumers in [start, split), producers in [split, stop)."""

    start: int
    split: int
    stop: int


@dataclass(frozen=True)
class Shared:
    """The allocation of every member and quarter hour, in integer milliwatt-hours.

    `offered` (G.02) and `covered` (G.03) are 0 on producer rows, `surplus` (P.01T) on consumer
    rows. `worst_quality` is the worst quality rank of the member's community in that quarter hour
    (what the values computed from the whole interval are worth).
    """

    offered: Matrix
    covered: Matrix
    surplus: Matrix
    worst_quality: Qualities

    def columns(self, chunk: slice) -> Shared:
        """Views of these columns."""
        return Shared(
            self.offered[:, chunk],
            self.covered[:, chunk],
            self.surplus[:, chunk],
            self.worst_quality[:, chunk],
        )


def share_generation(
    counted: Matrix,
    blocks: Sequence[Block],
    *,
    static_shares: Matrix | None = None,
    quality: Qualities | None = None,
    workers: int | None = None,
) -> Shared:
    """Share each community's counted generation (G.01T of its producers) per quarter hour.

    Dynamic model without `static_shares`: generation is offered in proportion to the consumers'
    counted consumption. Static model with `static_shares` (share units per member and quarter
    hour, 0 where absent): each consumer is offered its share. Either way a consumer is covered
    at most its counted consumption, and what no consumer took is the community's surplus, shared
    among its producers in proportion to their counted generation. See docs/allocation.md.
    """
    result = Shared(
        np.empty_like(counted),
        np.empty_like(counted),
        np.empty_like(counted),
        np.zeros(counted.shape, dtype=np.uint8),
    )
    for _ in share_chunks(
        counted, blocks, static_shares=static_shares, quality=quality, workers=workers, into=result
    ):
        pass
    return result


def share_chunks(
    counted: Matrix,
    blocks: Sequence[Block],
    *,
    static_shares: Matrix | None = None,
    quality: Qualities | None = None,
    workers: int | None = None,
    into: Shared | None = None,
) -> Iterator[tuple[slice, Shared]]:
    """`share_generation` a chunk of columns at a time, in column order: each chunk's result
    (written into `into`'s columns when given, else chunk-sized), so a caller that stores or
    sums each chunk never holds the whole result."""
    rows, columns = counted.shape
    # A month of quarter hours, fewer for very large communities: a chunk's temporaries stay
    # around CHUNK_VALUES values whatever the number of members.
    width = min(CHUNK, max(96, CHUNK_VALUES // max(rows, 1)))
    chunks = [slice(first, min(first + width, columns)) for first in range(0, columns, width)]

    def run(chunk: slice) -> tuple[slice, Shared]:
        part = _share_chunk(
            counted[:, chunk],
            blocks,
            None if static_shares is None else static_shares[:, chunk],
            None if quality is None else quality[:, chunk],
            None if into is None else into.columns(chunk),
        )
        return chunk, part

    threads = min(len(chunks), workers or os.cpu_count() or 1)
    if threads <= 1:
        yield from map(run, chunks)
        return
    with ThreadPoolExecutor(threads) as pool:
        # At most `threads` chunks in flight, so memory stays bounded by the chunk size.
        for first in range(0, len(chunks), threads):
            yield from pool.map(run, chunks[first : first + threads])


def _share_chunk(
    counted: Matrix,
    blocks: Sequence[Block],
    static_shares: Matrix | None,
    quality: Qualities | None,
    out: Shared | None,
) -> Shared:
    if out is None:
        out = Shared(
            np.empty_like(counted),
            np.empty_like(counted),
            np.empty_like(counted),
            np.zeros(counted.shape, dtype=np.uint8),
        )
    for block in blocks:
        consumers = slice(block.start, block.split)
        producers = slice(block.split, block.stop)
        generation = counted[producers].sum(axis=0)
        if static_shares is None:
            offer = apportion(generation, counted[consumers], counted[consumers].sum(axis=0))
        else:
            whole = np.full(generation.shape, SHARE_WHOLE, dtype=np.int64)
            offer = apportion(generation, static_shares[consumers], whole)
        cover = np.minimum(offer, counted[consumers])
        out.offered[consumers] = offer
        out.covered[consumers] = cover
        out.surplus[consumers] = 0
        out.offered[producers] = 0
        out.covered[producers] = 0
        out.surplus[producers] = apportion(
            generation - cover.sum(axis=0), counted[producers], generation
        )
        if quality is not None and block.stop > block.start:
            out.worst_quality[block.start : block.stop] = quality[block.start : block.stop].max(
                axis=0
            )
    return out


def count(measured: Matrix, factor: npt.NDArray[np.int64]) -> Matrix:
    """G.01T = G.01 x factor / 100 to the nearest milliwatt-hour, halves up; `factor` is per
    member (a column vector) or per member and quarter hour."""
    return (measured * factor + 50) // 100
