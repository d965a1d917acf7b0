"""Has the energy data arrived? Per metering point of a community, whether the grid operator's
measured values of a day are complete, partial or missing (the dashboard's "yesterday" card).

A point counts on a day when one of its participations counts (energy_data.participations); its
measured channel is the one of its direction (1-1:1.9.0 G.01 for consumers, 1-1:2.9.0 G.01 for
producers). Complete means every quarter hour of the local day: 96, or 92 / 100 on the days
daylight saving time starts / ends. The last day with data looks back `lookback_days`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

import polars as pl

from meshkit.runtime.behaviours import Behaviour, BehaviourError, CommandContext, command

from .energy_data import (
    MEASURED_CODE,
    OPERATOR_SERIES,
    metering_point_of,
    participations,
    store_of,
)
from .periods import Period

Completeness = Literal["complete", "partial", "missing"]


@dataclass(frozen=True)
class PointDataStatus:
    metering_point: str  # the 33-character id
    direction: str  # consumption or generation
    participant: str | None  # the member's entity id
    status: Completeness
    quarter_hours: int  # measured quarter hours present on the day
    expected: int  # quarter hours of the local day (92, 96 or 100)
    last_day: date | None  # the last day with any measured value, within the lookback


@dataclass(frozen=True)
class DataStatus:
    community: str  # the EC number
    day: date
    expected_points: int  # points whose participation counts on the day
    complete: int
    partial: int
    missing: int
    last_day: date | None  # the last day on which any point of the community has values
    points: list[PointDataStatus]  # missing first, then partial, then complete


def data_status(ctx: CommandContext, day: date, lookback_days: int) -> DataStatus:
    community = ctx.entity
    span = Period(day - timedelta(days=lookback_days), day)
    members = participations(ctx.uow, community, Period(day, day))
    zone = ZoneInfo(members.time_zone)
    expected = _quarter_hours(day, zone)
    codes = sorted({str(MEASURED_CODE[str(p["direction"])]) for p in members.points.values()})
    start, end = span.bounds(members.time_zone)
    sums = (
        store_of(ctx.uow).read(
            OPERATOR_SERIES,
            members.keys,
            codes,
            start,
            end,
            "P1D",
            members.time_zone,
            tenant=ctx.uow.tenant,
            connection=ctx.uow.connection,
        )
        if members.points
        else pl.DataFrame()
    )
    present: dict[str, int] = {}
    last: dict[str, date] = {}
    if not sums.is_empty():
        per_day = sums.select(
            metering_point_of(pl.col("key")).alias("metering_point"),
            "code",
            pl.col("start").dt.date().alias("day"),
            pl.col("count").cast(pl.Int64),
        ).filter(pl.col("count") > 0)
        for point, code, when, count in per_day.iter_rows():
            entity = members.points.get(point)
            if entity is None or str(MEASURED_CODE[str(entity["direction"])]) != code:
                continue  # the other direction's channel
            if when == day:
                present[point] = count
            if point not in last or when > last[point]:
                last[point] = when
    participant_of = dict(
        members.frame.filter(
            (pl.col("valid_from") <= day)
            & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= day))
        )
        .select("metering_point", "participant")
        .iter_rows()
    )
    points = []
    for point_id, entity in members.points.items():
        count = present.get(point_id, 0)
        status: Completeness = (
            "missing" if count == 0 else "complete" if count >= expected else "partial"
        )
        points.append(
            PointDataStatus(
                metering_point=point_id,
                direction=str(entity["direction"]),
                participant=participant_of.get(point_id),
                status=status,
                quarter_hours=count,
                expected=expected,
                last_day=last.get(point_id),
            )
        )
    order = {"missing": 0, "partial": 1, "complete": 2}
    points.sort(key=lambda p: (order[p.status], p.metering_point))
    return DataStatus(
        community=str(community["ec_number"]),
        day=day,
        expected_points=len(points),
        complete=sum(p.status == "complete" for p in points),
        partial=sum(p.status == "partial" for p in points),
        missing=sum(p.status == "missing" for p in points),
        last_day=max(last.values(), default=None),
        points=points,
    )


def _quarter_hours(day: date, zone: ZoneInfo) -> int:
    start = datetime.combine(day, datetime.min.time(), zone)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone)
    return int((end.timestamp() - start.timestamp()) // 900)


class CommunityDataStatus(Behaviour):
    """Whether the grid operator's energy data of a day is complete (bound to EnergyCommunity)."""

    @command(read_only=True)
    def data_status(
        self,
        ctx: CommandContext,
        day: Annotated[
            date | None, "the day to check; default: yesterday in the community's zone"
        ] = None,
        lookback_days: Annotated[int, "how far back to look for the last day with data"] = 31,
    ) -> DataStatus:
        """Per metering point whose participation counts on the day: whether the grid
        operator's measured quarter hours of that day are complete, partial or missing, and
        the last day with any values."""
        if not 0 <= lookback_days <= 366:
            raise BehaviourError(
                f"lookback_days is {lookback_days}; give 0 to 366",
                code="lookback",
                path=("lookback_days",),
            )
        if day is None:
            zone = str(ctx.entity.get("time_zone") or "Europe/Vienna")
            day = datetime.now(ZoneInfo(zone)).date() - timedelta(days=1)
        return data_status(ctx, day, lookback_days)
