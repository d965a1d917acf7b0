"""`EnergyCommunity.allocate(period)`: the community's own allocation, stored beside the grid
operator's values.

It reads the period's measured G.01 of the participating metering points (series
`MeteringPoint.energy`, as EDA ingestion stores them), the participations from the repository,
runs the pure engine (`meshkit.models.energy_community.allocation`) and writes the result to
the series `MeteringPoint.calculated`, never into the operator's series: a difference between
the two is a finding (reconciliation), not something to overwrite. See docs/allocation.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

import polars as pl

from meshkit.models.energy_community.allocation import (
    AllocationInputError,
    AllocationModel,
    MeterCode,
    allocate,
)
from meshkit.runtime.behaviours import Behaviour, BehaviourError, CommandContext, command

from .energy_data import (
    CALCULATED_SERIES,
    daily,
    kwh,
    measured,
    metering_point_of,
    participations,
    store_of,
)
from .periods import Period

#: The `source` of calculated values: one per run (see `run_source`).
SOURCE_PREFIX = "meshkit-allocation"


@dataclass(frozen=True)
class EnergyTotals:
    """kWh of a community and period, summed over its metering points and quarter hours."""

    consumption: Decimal  # measured at the consumers (1.9.0 G.01)
    counted_consumption: Decimal  # × participation factor (1.9.0 G.01T)
    generation: Decimal  # measured at the producers (2.9.0 G.01)
    counted_generation: Decimal  # × participation factor (2.9.0 G.01T)
    shared: Decimal  # received by the consumers from the community (G.03)
    surplus: Decimal  # left over, to the grid (P.01T)

    @property
    def conserved(self) -> bool:
        """Σ G.03 + Σ P.01T equals the generation counted for the community."""
        return self.shared + self.surplus == self.counted_generation


@dataclass(frozen=True)
class AllocationSummary:
    """What one run of `allocate` computed and stored."""

    community: str  # EC number
    first_day: date
    last_day: date
    model: str  # static or dynamic
    metering_points: int  # with a participation that counts in the period
    quarter_hours: int  # intervals with at least one measured value
    totals: EnergyTotals
    conserved: bool
    source: str  # the `source` the values were stored with
    inserted: int  # values stored for the first time
    replaced: int  # values that changed (the old ones are in the series history)
    unchanged: int  # values equal to the stored ones
    stale: int  # stored values of the period this run no longer produces (left as they are)


def totals_of(readings: pl.DataFrame, code: str = "meter_code") -> EnergyTotals:
    """The totals per meter code of a frame with `code` and `value` columns."""
    sums = dict(readings.group_by(code).agg(pl.col("value").cast(pl.Decimal(38, 6)).sum()).rows())

    def total(meter_code: MeterCode) -> Decimal:
        return kwh(sums.get(meter_code.value))

    return EnergyTotals(
        consumption=total(MeterCode.CONSUMPTION),
        counted_consumption=total(MeterCode.CONSUMPTION_COUNTED),
        generation=total(MeterCode.GENERATION),
        counted_generation=total(MeterCode.GENERATION_COUNTED),
        shared=total(MeterCode.COVERED),
        surplus=total(MeterCode.SURPLUS),
    )


def run_source(ec_number: str, period: Period, now: datetime) -> str:
    """A source unique to one run. The store drops a value that *replays* what the same source
    delivered before and was since replaced, so a constant source would leave a recomputation
    that returns to an earlier value unstored."""
    return f"{SOURCE_PREFIX}/{ec_number}/{period}/{now.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}"


class CommunityAllocation(Behaviour):
    """The community's own allocation of a period (bound to EnergyCommunity)."""

    @command
    def allocate(
        self,
        ctx: CommandContext,
        period: Annotated[date, "first day of the period (a month, unless last_day is given)"],
        last_day: Annotated[date | None, "last day included; default: the end of the month"] = None,
    ) -> AllocationSummary:
        """Allocate the period's measured energy among the community's metering points and
        store the result beside the grid operator's values (series MeteringPoint.calculated).

        Running it again replaces what changed (keeping the old values as history) and leaves
        equal values alone.
        """
        uow, community = ctx.uow, ctx.entity
        span = Period.of(period, last_day)
        members = participations(uow, community, span)
        if members.frame.is_empty():
            raise BehaviourError(
                f"no participation of community {community['ec_number']} counts in {span}",
                code="no-participations",
                path=("period",),
            )
        model = AllocationModel(str(community["allocation_model"]))
        store = store_of(uow)
        try:
            result = allocate(
                measured(uow, store, members, span),
                members.engine_input(static=model is AllocationModel.STATIC),
                model,
                time_zone=members.time_zone,
            )
        except AllocationInputError as exc:
            raise BehaviourError(
                f"cannot allocate {span}: {exc}", code="allocation-input", path=("period",)
            ) from exc
        keyed = result.with_columns(
            pl.concat_str(pl.lit(f"{members.ec_number}/"), "metering_point").alias("metering_point")
        )
        source = run_source(members.ec_number, span, datetime.now(UTC))
        # The partitions of these months exist (the measured values are in them), so the load
        # creates none: it must not, while this transaction has read the series table.
        loaded = store.write_readings(
            keyed,
            tenant=uow.tenant,
            source=source,
            series=CALCULATED_SERIES,
            connection=uow.connection,
        )
        totals = totals_of(result)
        return AllocationSummary(
            community=members.ec_number,
            first_day=span.first,
            last_day=span.last,
            model=model.value,
            metering_points=len(members.points),
            quarter_hours=result["start"].n_unique(),
            totals=totals,
            conserved=totals.conserved,
            source=source,
            inserted=loaded.inserted,
            replaced=loaded.replaced,
            unchanged=loaded.unchanged,
            stale=_stale(ctx, keyed, span, members.ec_number, members.time_zone),
        )


def _stale(
    ctx: CommandContext, produced: pl.DataFrame, span: Period, ec_number: str, time_zone: str
) -> int:
    """Stored calculated values of the period that this run did not produce (e.g. of a
    participation that no longer counts): counted per metering point, code and day, since the
    store keeps no deletion. They stay until a run produces those intervals again."""
    stored = daily(ctx.uow, store_of(ctx.uow), CALCULATED_SERIES, ec_number, span, time_zone)
    if stored.is_empty():
        return 0
    ours = (
        produced.with_columns(
            metering_point_of(pl.col("metering_point")).alias("metering_point"),
            pl.col("start").dt.convert_time_zone(time_zone).dt.date().alias("day"),
        )
        .group_by("metering_point", "meter_code", "day")
        .agg(pl.len().cast(pl.Int64).alias("produced"))
    )
    joined = stored.join(ours, on=["metering_point", "meter_code", "day"], how="left")
    extra = (pl.col("count") - pl.col("produced").fill_null(0)).clip(lower_bound=0)
    return int(joined.select(extra.sum()).item() or 0)


_HUNDREDTH = Decimal("0.01")


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole in percent, to two places (halves up); None when whole is 0."""
    if whole == 0:
        return None
    return (part * 100 / whole).quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)


__all__ = [
    "SOURCE_PREFIX",
    "AllocationSummary",
    "CommunityAllocation",
    "EnergyTotals",
    "percent",
    "run_source",
    "totals_of",
]
