"""`EnergyCommunity.kpis(period)`: the community's key figures of a period.

Computed from the daily sums of the community's own calculation (series
`MeteringPoint.calculated`, the default) or of the grid operator's values (`energy`); the
definitions and formulas are in docs/allocation.md ("Key figures").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

import polars as pl

from meshkit.models.energy_community.allocation import MeterCode
from meshkit.runtime import UnitOfWork
from meshkit.runtime.behaviours import Behaviour, BehaviourError, CommandContext, command

from .allocation import EnergyTotals, percent, totals_of
from .annual_report import AnnualReport, annual_report
from .assets import AssetReport, asset_report
from .energy_data import (
    CALCULATED_SERIES,
    OPERATOR_SERIES,
    Participations,
    daily,
    find_all,
    kwh,
    participations,
    store_of,
)
from .periods import Period

Basis = Literal["calculated", "operator"]
_SERIES: dict[str, str] = {"calculated": CALCULATED_SERIES, "operator": OPERATOR_SERIES}
_PERCENT = Decimal("0.01")  # kW of the peak residual load
_GRAM = Decimal("0.001")


@dataclass(frozen=True)
class MemberKpis:
    """One member's (Participant's) figures of the period, over the metering points it brings in."""

    participant: str  # entity id
    member_number: str | None
    name: str
    consumption: Decimal  # 1.9.0 G.01
    counted_consumption: Decimal  # 1.9.0 G.01T
    received: Decimal  # G.03: energy received from the community
    generation: Decimal  # 2.9.0 G.01
    counted_generation: Decimal  # 2.9.0 G.01T
    delivered: Decimal  # 2.9.0 G.01T − P.01T: generation that stayed in the community
    share_of_received: Decimal | None  # received / the community's Σ G.03, %
    share_of_delivered: Decimal | None  # delivered / the community's Σ delivered, %
    self_sufficiency: Decimal | None  # received / counted_consumption, %


@dataclass(frozen=True)
class KpiReport:
    """A community's key figures of a period (percentages to two places, None when their
    denominator is 0)."""

    community: str  # EC number
    first_day: date
    last_day: date
    basis: str  # calculated (the community's own allocation) or operator (the DSO's values)
    totals: EnergyTotals
    self_consumption_rate: Decimal | None  # Σ G.03 / Σ 2.9.0 G.01T
    self_sufficiency: Decimal | None  # Σ G.03 / Σ 1.9.0 G.01T (autarky)
    community_share: Decimal | None  # Σ G.03 / Σ 1.9.0 G.01: share of measured consumption
    surplus: Decimal  # Σ P.01T, kWh
    surplus_rate: Decimal | None  # Σ P.01T / Σ 2.9.0 G.01T
    active_participants: int  # members with a participation that counts on a day of the period
    members: tuple[MemberKpis, ...]
    # Grid interaction: what the members still draw from the grid for the community's part
    # of their consumption (Σ 1.9.0 G.01T − Σ G.03), and its highest quarter hour in kW.
    residual_draw: Decimal
    peak_residual_kw: Decimal | None  # None without quarter-hour values in the period
    peak_residual_at: datetime | None  # start of that quarter hour (the first, on a tie)
    # Avoided CO2: the shared energy times the emission factor the caller gives (kg per kWh of
    # the grid energy it replaced); None without a factor.
    co2_factor: Decimal | None
    avoided_co2_kg: Decimal | None


class CommunityKpis(Behaviour):
    """Key figures of a community (bound to EnergyCommunity)."""

    @command(read_only=True)
    def kpis(
        self,
        ctx: CommandContext,
        period: Annotated[date, "first day of the period (a month, unless last_day is given)"],
        last_day: Annotated[date | None, "last day included; default: the end of the month"] = None,
        basis: Annotated[
            Basis, "calculated (own allocation) or operator (DSO values)"
        ] = "calculated",
        co2_factor: Annotated[
            Decimal | None,
            "kg CO2 per kWh of grid energy the shared energy replaced (e.g. from the supplier's "
            "electricity labelling); without it no avoided CO2 is given",
        ] = None,
    ) -> KpiReport:
        """Self-consumption rate, self-sufficiency, community share of consumption, surplus,
        per-member shares, the number of active participants, the residual draw from the grid
        with its peak, and avoided CO2 of a period."""
        if co2_factor is not None and co2_factor < 0:
            raise BehaviourError(
                f"the CO2 factor is {co2_factor} kg/kWh; give a factor >= 0",
                code="co2-factor",
                path=("co2_factor",),
            )
        uow, community = ctx.uow, ctx.entity
        span = Period.of(period, last_day)
        members = participations(uow, community, span)
        values = daily(
            uow, store_of(uow), _SERIES[basis], members.ec_number, span, members.time_zone
        )
        totals = totals_of(values)
        delivered_total = totals.counted_generation - totals.surplus
        per_member = _per_member(values, members.frame)
        people = {
            p["id"]: p
            for p in find_all(
                uow, "Participant", {"attr": "community", "value": str(community["id"])}
            )
        }
        rows = []
        for participant in sorted(set(members.frame["participant"].to_list())):
            sums = per_member.get(participant, {})
            mine = EnergyTotals(
                consumption=kwh(sums.get(MeterCode.CONSUMPTION.value)),
                counted_consumption=kwh(sums.get(MeterCode.CONSUMPTION_COUNTED.value)),
                generation=kwh(sums.get(MeterCode.GENERATION.value)),
                counted_generation=kwh(sums.get(MeterCode.GENERATION_COUNTED.value)),
                shared=kwh(sums.get(MeterCode.COVERED.value)),
                surplus=kwh(sums.get(MeterCode.SURPLUS.value)),
            )
            delivered = mine.counted_generation - mine.surplus
            person = people.get(participant, {})
            rows.append(
                MemberKpis(
                    participant=participant,
                    member_number=person.get("member_number"),
                    name=_name(person),
                    consumption=mine.consumption,
                    counted_consumption=mine.counted_consumption,
                    received=mine.shared,
                    generation=mine.generation,
                    counted_generation=mine.counted_generation,
                    delivered=delivered,
                    share_of_received=percent(mine.shared, totals.shared),
                    share_of_delivered=percent(delivered, delivered_total),
                    self_sufficiency=percent(mine.shared, mine.counted_consumption),
                )
            )
        rows.sort(key=lambda m: (m.member_number or "", m.name, m.participant))
        peak = _peak_residual(uow, _SERIES[basis], members, span)
        return KpiReport(
            community=members.ec_number,
            first_day=span.first,
            last_day=span.last,
            basis=basis,
            totals=totals,
            self_consumption_rate=percent(totals.shared, totals.counted_generation),
            self_sufficiency=percent(totals.shared, totals.counted_consumption),
            community_share=percent(totals.shared, totals.consumption),
            surplus=totals.surplus,
            surplus_rate=percent(totals.surplus, totals.counted_generation),
            active_participants=len(rows),
            members=tuple(rows),
            residual_draw=totals.counted_consumption - totals.shared,
            peak_residual_kw=None if peak is None else peak[1],
            peak_residual_at=None if peak is None else peak[0],
            co2_factor=co2_factor,
            avoided_co2_kg=(
                None if co2_factor is None else (totals.shared * co2_factor).quantize(_GRAM)
            ),
        )

    @command
    def assets(
        self,
        ctx: CommandContext,
        period: Annotated[date, "first day of the period (a month, unless last_day is given)"],
        last_day: Annotated[date | None, "last day included; default: the end of the month"] = None,
        basis: Annotated[
            Basis, "operator (the DSO's measured values, default) or calculated"
        ] = "operator",
        min_outage_quarter_hours: Annotated[
            int, "quarter hours without generation while peers produce that make a day an outage"
        ] = 4,
    ) -> AssetReport:
        """Each generation point's specific yield (kWh/kWp) against the same period a year
        before and its peers of the same technology, and the days it produced nothing while
        its peers did (outages)."""
        if min_outage_quarter_hours < 1:
            raise BehaviourError(
                f"min_outage_quarter_hours is {min_outage_quarter_hours}; give 1 or more",
                code="min-outage",
                path=("min_outage_quarter_hours",),
            )
        span = Period.of(period, last_day)
        members = participations(ctx.uow, ctx.entity, span)
        return asset_report(ctx.uow, members, span, _SERIES[basis], basis, min_outage_quarter_hours)

    @command
    def annual_report(
        self,
        ctx: CommandContext,
        year: Annotated[int, "the calendar year"],
        basis: Annotated[
            Basis, "operator (the DSO's values, default) or calculated (own allocation)"
        ] = "operator",
    ) -> AnnualReport:
        """The year's report: members, metering points, energy per month, generation by
        technology; stored as an xlsx and a PDF Document of the community."""
        if not 2000 <= year <= 2100:
            raise BehaviourError(
                f"year {year}: give a calendar year such as 2026", code="year", path=("year",)
            )
        span = Period(date(year, 1, 1), date(year, 12, 31))
        members = participations(ctx.uow, ctx.entity, span)
        return annual_report(ctx.uow, ctx.entity, members, year, _SERIES[basis], basis)


def _peak_residual(
    uow: UnitOfWork, series: str, members: Participations, span: Period
) -> tuple[datetime, Decimal] | None:
    """The quarter hour in which the community's consumers drew the most from the grid for its
    part of their consumption (Σ 1.9.0 G.01T − Σ G.03), as (start, kW)."""
    if not members.keys:
        return None
    start, end = span.bounds(members.time_zone)
    counted, covered = MeterCode.CONSUMPTION_COUNTED.value, MeterCode.COVERED.value
    sums = store_of(uow).read(
        series,
        members.keys,
        [counted, covered],
        start,
        end,
        "PT15M",
        members.time_zone,
        tenant=uow.tenant,
        by_key=False,
        connection=uow.connection,
    )
    if sums.is_empty():
        return None
    residual = (
        sums.group_by("start")
        .agg(
            (
                pl.col("value").filter(pl.col("code") == counted).sum()
                - pl.col("value").filter(pl.col("code") == covered).sum()
            ).alias("residual")
        )
        .sort(["residual", "start"], descending=[True, False])
    )
    at, kwh_value = residual.row(0)
    return at, (kwh(kwh_value) * 4).quantize(_PERCENT)  # kWh per quarter hour -> kW


def _per_member(values: pl.DataFrame, frame: pl.DataFrame) -> dict[str, dict[str, object]]:
    """Σ value per participant and meter code: each day's values go to the member whose
    participation of that metering point counts on that day (a point may change hands)."""
    attributed = (
        values.join(
            frame.select("metering_point", "participant", "valid_from", "valid_to"),
            on="metering_point",
        )
        .filter(
            (pl.col("day") >= pl.col("valid_from"))
            & (pl.col("valid_to").is_null() | (pl.col("day") <= pl.col("valid_to")))
        )
        .group_by("participant", "meter_code")
        .agg(pl.col("value").sum())
    )
    result: dict[str, dict[str, object]] = {}
    for participant, code, value in attributed.iter_rows():
        result.setdefault(participant, {})[code] = value
    return result


def _name(person: dict[str, object] | object) -> str:
    if not isinstance(person, dict):
        return ""
    if person.get("company_name"):
        return str(person["company_name"])
    return " ".join(str(person[k]) for k in ("first_name", "last_name") if person.get(k))
