"""Asset performance: how each generation metering point of a community produced in a period.

* **Specific yield**: generation (2.9.0 G.01) per kWp of the generation units behind the point,
  compared with the same period a year before and with the median of its peers (the
  community's other points of the same technology).
* **Outages**: quarter hours in which the point produced nothing (or sent no value) while at
  least half of its peers produced — a day with `min_quarter_hours` of them or more is reported
  with the first and last such quarter hour. Peers producing is the daylight test, so nights,
  snow and a community-wide cloud cover are not outages. Each outage is stored as an
  `AssetFinding` per generation unit of the point (asset_findings.py): running the check again
  updates them, and a day checked again without the outage resolves its findings.

Used by `EnergyCommunity.assets` (bound through CommunityKpis); formulas in docs/allocation.md.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from meshkit.models.energy_community.allocation import GENERATION, MeterCode
from meshkit.runtime import Entity, UnitOfWork

from .asset_findings import AssetFindingSummary, Outage, record_outages
from .energy_data import Participations, daily, find_all, series_key, store_of
from .periods import Period

_HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class AssetPerformance:
    """One generation metering point's figures of the period."""

    metering_point: str  # the 33-character id
    participant: str  # the member's entity id
    technology: str | None  # of its generation units (the first, if they differ)
    peak_power_kwp: Decimal | None  # Σ of its generation units; None without any
    generation: Decimal  # kWh, 2.9.0 G.01
    specific_yield: Decimal | None  # kWh per kWp
    specific_yield_last_year: Decimal | None  # the same days a year before
    peer_median: Decimal | None  # median specific yield of the same technology's other points
    relative_to_peers: Decimal | None  # specific_yield / peer_median, %
    outage_quarter_hours: int  # over the period


@dataclass(frozen=True)
class AssetReport:
    community: str  # EC number
    first_day: date
    last_day: date
    basis: str
    assets: tuple[AssetPerformance, ...]
    outages: tuple[Outage, ...]
    findings: AssetFindingSummary  # what this run wrote of the outages as AssetFindings


def asset_report(
    uow: UnitOfWork,
    members: Participations,
    span: Period,
    series: str,
    basis: str,
    min_quarter_hours: int,
) -> AssetReport:
    """The figures of `span` per generation point, its outages, and the outages recorded as
    AssetFindings (created, updated or resolved in `uow`)."""
    producers = members.frame.filter(pl.col("direction") == GENERATION)
    points = sorted(set(producers["metering_point"].to_list()))
    owner = dict(producers.select("metering_point", "participant").iter_rows())
    unit_entities = _unit_entities(uow, [str(members.points[p]["id"]) for p in points])
    units = {point_id: _capacity(found) for point_id, found in unit_entities.items()}
    now = _generation(uow, series, members, span, points)
    before = _generation(uow, series, members, _year_before(span), points)
    quarters = _quarter_hours(uow, series, members, span, points)
    outages = _outages(quarters, min_quarter_hours)
    findings = record_outages(
        uow,
        str(members.community["id"]),
        span,
        outages,
        _checked_days(quarters),
        {
            point: [str(u["id"]) for u in unit_entities.get(str(members.points[point]["id"]), [])]
            for point in points
        },
    )
    outage_counts: dict[str, int] = {}
    for outage in outages:
        outage_counts[outage.metering_point] = (
            outage_counts.get(outage.metering_point, 0) + outage.quarter_hours
        )

    yields: dict[str, Decimal | None] = {}
    for point in points:
        kwp = units.get(str(members.points[point]["id"]), (None, None))[1]
        yields[point] = _per_kwp(now.get(point, Decimal(0)), kwp)
    assets = []
    for point in points:
        technology, kwp = units.get(str(members.points[point]["id"]), (None, None))
        peers = [
            y
            for other, y in yields.items()
            if other != point
            and y is not None
            and units.get(str(members.points[other]["id"]), (None, None))[0] == technology
        ]
        median = _round(Decimal(statistics.median(peers))) if peers else None
        own = yields[point]
        assets.append(
            AssetPerformance(
                metering_point=point,
                participant=str(owner[point]),
                technology=technology,
                peak_power_kwp=kwp,
                generation=now.get(point, Decimal(0)),
                specific_yield=own,
                specific_yield_last_year=(
                    _per_kwp(before[point], kwp) if point in before else None
                ),
                peer_median=median,
                relative_to_peers=(
                    _round(own * 100 / median) if own is not None and median else None
                ),
                outage_quarter_hours=outage_counts.get(point, 0),
            )
        )
    return AssetReport(
        community=members.ec_number,
        first_day=span.first,
        last_day=span.last,
        basis=basis,
        assets=tuple(assets),
        outages=tuple(outages),
        findings=findings,
    )


def _unit_entities(uow: UnitOfWork, point_ids: list[str]) -> dict[str, list[Entity]]:
    """Metering point entity id -> its generation units (active ones, in id order)."""
    found: dict[str, list[Entity]] = {}
    if not point_ids:
        return found
    for unit in find_all(
        uow,
        "GenerationUnit",
        {
            "and": [
                {"attr": "metering_point", "op": "in", "value": point_ids},
                {"attr": "state", "value": "active"},
            ]
        },
    ):
        found.setdefault(str(unit["metering_point"]), []).append(unit)
    return found


def _capacity(units: list[Entity]) -> tuple[str | None, Decimal | None]:
    """(technology of the first unit, Σ kWp) of a point's generation units."""
    if not units:
        return None, None
    return str(units[0]["technology"]), sum((Decimal(u["peak_power"]) for u in units), Decimal(0))


def _generation(
    uow: UnitOfWork, series: str, members: Participations, span: Period, points: list[str]
) -> dict[str, Decimal]:
    """kWh of 2.9.0 G.01 per point over `span` (points without values are left out)."""
    if not points:
        return {}
    values = daily(
        uow,
        store_of(uow),
        series,
        members.ec_number,
        span,
        members.time_zone,
        [MeterCode.GENERATION.value],
    )
    sums = (
        values.filter(pl.col("metering_point").is_in(points))
        .group_by("metering_point")
        .agg(pl.col("value").sum())
    )
    return {p: Decimal(v or 0) for p, v in sums.iter_rows()}


def _quarter_hours(
    uow: UnitOfWork, series: str, members: Participations, span: Period, points: list[str]
) -> pl.DataFrame:
    """metering_point, start, day, value (0 where a point sent nothing) for every quarter hour
    in which any of `points` has a value."""
    if len(points) < 2:
        return pl.DataFrame()
    start, end = span.bounds(members.time_zone)
    read = store_of(uow).read(
        series,
        [series_key(members.ec_number, p) for p in points],
        [MeterCode.GENERATION.value],
        start,
        end,
        tz=members.time_zone,
        tenant=uow.tenant,
        connection=uow.connection,
    )
    if read.is_empty():
        return pl.DataFrame()
    values = read.select(
        pl.col("key").str.split_exact("/", 1).struct.field("field_1").alias("metering_point"),
        "start",
        pl.col("value").cast(pl.Float64),
    )
    return (
        pl.DataFrame({"metering_point": points})
        .join(values.select("start").unique(), how="cross")
        .join(values, on=["metering_point", "start"], how="left")
        .with_columns(pl.col("value").fill_null(0.0), pl.col("start").dt.date().alias("day"))
    )


def _checked_days(quarters: pl.DataFrame) -> dict[str, set[date]]:
    """The days the outage test ran on, per metering point (those with values of any point)."""
    if quarters.is_empty():
        return {}
    days = quarters.select("metering_point", "day").unique()
    checked: dict[str, set[date]] = {}
    for point, day in days.iter_rows():
        checked.setdefault(point, set()).add(day)
    return checked


def _outages(quarters: pl.DataFrame, min_quarter_hours: int) -> list[Outage]:
    if quarters.is_empty():
        return []
    producing = pl.col("value") > 0
    others = pl.len().over("start") - 1
    peers_producing = producing.cast(pl.Int64).sum().over("start") - producing.cast(pl.Int64)
    dark = quarters.filter(~producing & (peers_producing * 2 >= others) & (peers_producing > 0))
    days = (
        dark.group_by("metering_point", "day")
        .agg(
            pl.len().alias("quarter_hours"),
            pl.col("start").min().alias("first"),
            pl.col("start").max().alias("last"),
        )
        .filter(pl.col("quarter_hours") >= min_quarter_hours)
        .sort("metering_point", "day")
    )
    return [Outage(**row) for row in days.iter_rows(named=True)]


def _year_before(span: Period) -> Period:
    def back(day: date) -> date:
        try:
            return day.replace(year=day.year - 1)
        except ValueError:  # 29 February
            return day.replace(year=day.year - 1, day=28)

    return Period(back(span.first), back(span.last))


def _per_kwp(kwh: Decimal, kwp: Decimal | None) -> Decimal | None:
    return None if not kwp else _round(kwh / kwp)


def _round(value: Decimal) -> Decimal:
    return value.quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)


__all__ = ["AssetPerformance", "AssetReport", "Outage", "asset_report"]
