"""`EnergyCommunity.reconcile(period, tolerance)`: the community's own allocation compared with
the grid operator's, per metering point, meter code and day.

A day whose sums differ by more than the tolerance becomes a `ReconciliationFinding` the
operator can see, acknowledge and resolve; neither side's values are changed (DOMAIN.md: a
mismatch is a finding for the operator, not something to overwrite silently). Running it again
updates the findings: new values reopen one, agreeing values resolve it. See docs/allocation.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

import polars as pl

from meshkit.models.energy_community.allocation import MARKET_TIME_ZONE, MeterCode
from meshkit.runtime import Entity, UnitOfWork
from meshkit.runtime.behaviours import Behaviour, CommandContext, command
from meshkit.runtime.series import SeriesStore

from .energy_data import (
    CALCULATED_SERIES,
    MEASURED_CODE,
    OPERATOR_SERIES,
    daily,
    kwh,
    metering_point_of,
    series_key,
    store_of,
)
from .findings import Findings
from .periods import Period

FINDING = "ReconciliationFinding"

#: The codes both sides compute from the measured values (what reconciliation compares).
COMPARED_CODES: tuple[str, ...] = (
    MeterCode.CONSUMPTION_COUNTED.value,
    MeterCode.OFFERED.value,
    MeterCode.COVERED.value,
    MeterCode.GENERATION_COUNTED.value,
    MeterCode.SURPLUS.value,
)
_MEASURED_CODES: tuple[str, ...] = tuple(c.value for c in MEASURED_CODE.values())

Key = tuple[str, str, date]  # metering point id, meter code, day


@dataclass(frozen=True)
class Tolerance:
    """How far the two sides may differ on a day before it is a finding.

    A day is a finding when |ours − theirs| exceeds **both** `kwh` and `percent` % of the grid
    operator's value (ours when it reported none): small absolute differences of large values
    and large relative differences of tiny values are not findings. The defaults allow the
    grid operator's rounding to whole Wh per quarter hour (at most 0.05 kWh on a day of 100
    quarter hours). `interval_kwh` decides which quarter hours a finding lists.
    """

    kwh: Decimal = Decimal("0.05")
    percent: Decimal = Decimal("1")
    interval_kwh: Decimal = Decimal("0.001")

    def __post_init__(self) -> None:
        for name, value in (
            ("kwh", self.kwh),
            ("percent", self.percent),
            ("interval_kwh", self.interval_kwh),
        ):
            if value < 0:
                raise ValueError(f"tolerance {name} must not be negative")

    def exceeded(self, ours: Decimal | None, theirs: Decimal | None) -> bool:
        zero = Decimal(0)
        deviation = abs((ours or zero) - (theirs or zero))
        reference = abs(theirs if theirs is not None else (ours or zero))
        return deviation > self.kwh and deviation > reference * self.percent / 100


@dataclass(frozen=True)
class FindingLine:
    """One finding as this run left it."""

    id: str
    metering_point_number: str
    meter_code: str
    day: date
    ours: Decimal | None
    theirs: Decimal | None
    deviation: Decimal
    finding_state: str
    intervals: int  # quarter hours listed
    change: str  # opened, reopened, updated, unchanged, resolved


@dataclass(frozen=True)
class ReconciliationSummary:
    """What one run of `reconcile` compared and found."""

    community: str  # EC number
    first_day: date
    last_day: date
    tolerance: Tolerance
    compared: int  # day values compared (metering point × meter code × day)
    within_tolerance: int
    opened: int  # new findings
    reopened: int  # resolved findings found again with other values
    updated: int  # open or acknowledged findings whose values changed
    resolved: int  # findings whose values now agree
    open_findings: int  # findings of the period open after the run
    outdated: int  # days whose measured G.01 changed since the allocation: run allocate again
    days_without_operator_data: int  # days we calculated that the operator has not reported
    findings: tuple[FindingLine, ...] = field(default=())


class CommunityReconciliation(Behaviour):
    """Reconciliation of the community's allocation with the grid operator's (EnergyCommunity)."""

    @command
    def reconcile(
        self,
        ctx: CommandContext,
        period: Annotated[date, "first day of the period (a month, unless last_day is given)"],
        tolerance: Annotated[Tolerance, "kwh and percent a day may differ by"] = Tolerance(),
        last_day: Annotated[date | None, "last day included; default: the end of the month"] = None,
    ) -> ReconciliationSummary:
        """Compare the community's own allocation with the grid operator's values per metering
        point, meter code and day, and record the days that differ by more than the tolerance
        as findings (ReconciliationFinding)."""
        uow, community = ctx.uow, ctx.entity
        span = Period.of(period, last_day)
        ec_number = str(community["ec_number"])
        time_zone = str(community.get("time_zone") or MARKET_TIME_ZONE)
        store = store_of(uow)
        codes = [*COMPARED_CODES, *_MEASURED_CODES]
        ours = daily(uow, store, CALCULATED_SERIES, ec_number, span, time_zone, codes)
        theirs = daily(uow, store, OPERATOR_SERIES, ec_number, span, time_zone, codes)
        pairs = _pairs(ours, theirs)
        deviating = {k: v for k, v in pairs.items() if tolerance.exceeded(*v)}
        intervals = _intervals(
            uow, store, ec_number, span, time_zone, deviating, tolerance.interval_kwh
        )
        writer = _FindingWriter(uow, community, span, datetime.now(UTC))
        lines = [
            writer.found(key, values, intervals.get(key, []))
            for key, values in sorted(deviating.items())
        ]
        agreeing = pairs.keys() - deviating.keys()
        lines += writer.agreeing(agreeing)
        calculated_days, reported_days = _days(ours), _days(theirs)
        return ReconciliationSummary(
            community=ec_number,
            first_day=span.first,
            last_day=span.last,
            tolerance=tolerance,
            compared=len(pairs),
            within_tolerance=len(agreeing),
            opened=writer.count["opened"],
            reopened=writer.count["reopened"],
            updated=writer.count["updated"],
            resolved=writer.count["resolved"],
            open_findings=writer.findings.open_count(),
            outdated=_outdated(ours, theirs),
            days_without_operator_data=len(calculated_days - reported_days),
            findings=tuple(
                sorted(lines, key=lambda f: (f.day, f.metering_point_number, f.meter_code))
            ),
        )


def _pairs(
    ours: pl.DataFrame, theirs: pl.DataFrame
) -> dict[Key, tuple[Decimal | None, Decimal | None]]:
    """(ours, theirs) per metering point, compared code and day. A missing value counts only
    on days its side has compared values for at all: the grid operator sends a day after it
    ended (and measured values may come before the community's), so a day it has not reported
    yet is not a finding."""
    keys = ["metering_point", "meter_code", "day"]
    compared = pl.col("meter_code").is_in(COMPARED_CODES)
    joined = (
        ours.filter(compared)
        .select(*keys, pl.col("value").alias("ours"))
        .join(
            theirs.filter(compared).select(*keys, pl.col("value").alias("theirs")),
            on=keys,
            how="full",
            coalesce=True,
        )
    )
    calculated_days, reported_days = _days(ours), _days(theirs)
    result: dict[Key, tuple[Decimal | None, Decimal | None]] = {}
    for point, code, day, mine, other in joined.iter_rows():
        if mine is None and day not in calculated_days:
            continue
        if other is None and day not in reported_days:
            continue
        result[(point, code, day)] = (
            None if mine is None else kwh(mine),
            None if other is None else kwh(other),
        )
    return result


def _days(values: pl.DataFrame) -> set[date]:
    """The days with values of a compared code."""
    return set(values.filter(pl.col("meter_code").is_in(COMPARED_CODES))["day"].to_list())


def _outdated(ours: pl.DataFrame, theirs: pl.DataFrame) -> int:
    """Days whose measured G.01, as the calculation used it, differs from what the grid
    operator holds now (a correction arrived after the allocation)."""
    keys = ["metering_point", "meter_code", "day"]
    measured = pl.col("meter_code").is_in(_MEASURED_CODES)
    joined = ours.filter(measured).join(theirs.filter(measured), on=keys, suffix="_theirs")
    return joined.filter(pl.col("value") != pl.col("value_theirs")).height


def _intervals(
    uow: UnitOfWork,
    store: SeriesStore,
    ec_number: str,
    span: Period,
    time_zone: str,
    deviating: Mapping[Key, object],
    threshold: Decimal,
) -> dict[Key, list[dict[str, Any]]]:
    """The quarter hours of each deviating day whose values differ by more than `threshold`
    (or are present on one side only)."""
    if not deviating:
        return {}
    keys = sorted({series_key(ec_number, point) for point, _, _ in deviating})
    codes = sorted({code for _, code, _ in deviating})
    start, end = span.bounds(time_zone)

    def values(series: str, name: str) -> pl.DataFrame:
        frame = store.read(
            series,
            keys,
            codes,
            start,
            end,
            None,
            time_zone,
            tenant=uow.tenant,
            connection=uow.connection,
        )
        return frame.select(
            metering_point_of(pl.col("key")).alias("metering_point"),
            pl.col("code").alias("meter_code"),
            "start",
            pl.col("value").alias(name),
        )

    joined = values(CALCULATED_SERIES, "ours").join(
        values(OPERATOR_SERIES, "theirs"),
        on=["metering_point", "meter_code", "start"],
        how="full",
        coalesce=True,
    )
    found: dict[Key, list[dict[str, Any]]] = {}
    for point, code, start_, mine, other in joined.sort("start").iter_rows():
        key = (point, code, start_.date())
        if key not in deviating:
            continue
        if mine is not None and other is not None and abs(mine - other) <= threshold:
            continue
        entry = {"start": start_.astimezone(UTC), "ours": mine, "theirs": other}
        found.setdefault(key, []).append({k: v for k, v in entry.items() if v is not None})
    return found


class _FindingWriter:
    """Creates and updates the findings of one community and period (findings.py)."""

    def __init__(self, uow: UnitOfWork, community: Mapping[str, Any], span: Period, now: datetime):
        self.uow = uow
        self.findings: Findings[Key] = Findings(
            uow,
            FINDING,
            str(community["id"]),
            span,
            now,
            key_of=lambda f: (f["metering_point_number"], f["meter_code"], f["day"]),
        )
        self.count = self.findings.count
        self._points: dict[str, str | None] = {}

    def found(
        self,
        key: Key,
        values: tuple[Decimal | None, Decimal | None],
        intervals: list[dict[str, Any]],
    ) -> FindingLine:
        ours, theirs = values
        point, code, day = key
        figures = {
            "ours": ours,
            "theirs": theirs,
            "deviation": (ours or Decimal(0)) - (theirs or Decimal(0)),
            "intervals": intervals,
        }
        identity = {
            "metering_point": self._point(point),
            "metering_point_number": point,
            "meter_code": code,
            "day": day,
        }
        entity, change = self.findings.found(key, figures, identity, ("ours", "theirs"))
        return self._line(entity, change)

    def agreeing(self, keys: Iterable[Key]) -> list[FindingLine]:
        """Resolve the open and acknowledged findings whose day now agrees."""
        return [self._line(entity, "resolved") for _, entity in self.findings.fine(keys)]

    def _point(self, metering_point_id: str) -> str | None:
        """The id of the MeteringPoint entity with this metering point id, if any."""
        if metering_point_id not in self._points:
            found = self.uow.find(
                "MeteringPoint",
                {
                    "and": [
                        {"attr": "metering_point_id", "value": metering_point_id},
                        {"attr": "state", "value": "active"},
                    ]
                },
                first=1,
            ).items
            self._points[metering_point_id] = str(found[0]["id"]) if found else None
        return self._points[metering_point_id]

    def _line(self, entity: Entity, change: str) -> FindingLine:
        return FindingLine(
            id=str(entity["id"]),
            metering_point_number=str(entity["metering_point_number"]),
            meter_code=str(entity["meter_code"]),
            day=entity["day"],
            ours=entity["ours"],
            theirs=entity["theirs"],
            deviation=entity["deviation"],
            finding_state=str(entity["finding_state"]),
            intervals=len(entity["intervals"] or []),
            change=change,
        )
