"""The grid operator's meter codes (ConsumptionRecord `EnergyData@MeterCode`) the engine emits.

The engine labels its results with the codes the DSO sends, so a community's own calculation can
be compared row by row with the DSO's data (a mismatch is a finding, see docs/allocation.md).
"""

from __future__ import annotations

from enum import StrEnum


class MeterCode(StrEnum):
    """One meter code per quantity the allocation produces."""

    #: Consumer: measured consumption.
    CONSUMPTION = "1-1:1.9.0 G.01"
    #: Consumer: consumption x participation factor (what counts for the community).
    CONSUMPTION_COUNTED = "1-1:1.9.0 G.01T"
    #: Consumer: share of the community's generation offered to it.
    OFFERED = "1-1:2.9.0 G.02"
    #: Consumer: own coverage from the community (the consumer's billing basis).
    COVERED = "1-1:2.9.0 G.03"
    #: Producer: measured generation.
    GENERATION = "1-1:2.9.0 G.01"
    #: Producer: generation x participation factor (what counts for the community).
    GENERATION_COUNTED = "1-1:2.9.0 G.01T"
    #: Producer: its part of the community's surplus that went to the grid.
    SURPLUS = "1-1:2.9.0 P.01T"


#: Codes a consumption point receives, in output order.
CONSUMER_CODES: tuple[MeterCode, ...] = (
    MeterCode.CONSUMPTION,
    MeterCode.CONSUMPTION_COUNTED,
    MeterCode.OFFERED,
    MeterCode.COVERED,
)

#: Codes a generation point receives, in output order.
PRODUCER_CODES: tuple[MeterCode, ...] = (
    MeterCode.GENERATION,
    MeterCode.GENERATION_COUNTED,
    MeterCode.SURPLUS,
)
