"""Plausible 15-minute energy data for a simulated community day, as the DSO computes it.

Consumers follow a household day profile, producers a PV bell curve between sunrise and sunset
(Vienna); both are deterministic for (seed, metering point, day). The allocation is the DSO's:
generation counted for the community (G.01T of the producers) is offered to the consumers
(G.02: in proportion to their counted consumption in the dynamic model, equally in the static
one), each receives at most its counted consumption (G.03), and what is left is the producers'
surplus (P.01T) in proportion to their counted generation. Rounding to watt-hours happens before
the minimum, so G.03 <= G.02 and G.03 <= G.01T <= G.01 hold exactly.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from meshkit.adapters.eda.transport.simulator_registry import (
    Participation,
    SimulatedCommunity,
    SimulatedMeteringPoint,
    SimulatorRegistry,
)
from meshkit.adapters.eda.xml import (
    ConsumptionRecord,
    DistributionModel,
    ECType,
    Energy,
    EnergyData,
    EnergyDirection,
    EnergyPosition,
    MessageHeader,
    MeteringInterval,
)

VIENNA = ZoneInfo("Europe/Vienna")
QUARTER = timedelta(minutes=15)
WH = Decimal("0.001")

CONSUMED = "1-1:1.9.0 G.01"
CONSUMED_FACTORED = "1-1:1.9.0 G.01T"
OFFERED = "1-1:2.9.0 G.02"
COVERED = "1-1:2.9.0 G.03"
GENERATED = "1-1:2.9.0 G.01"
GENERATED_FACTORED = "1-1:2.9.0 G.01T"
SURPLUS = "1-1:2.9.0 P.01T"
COVERED_RENEWABLE = "1-1:2.9.0 G.03R"
SURPLUS_LEGACY = "1-1:2.9.0 P.01"
_RENEWABLE = (ECType.RENEWABLE_LOCAL, ECType.RENEWABLE_REGIONAL)
CONSUMER_CODES = (CONSUMED, CONSUMED_FACTORED, OFFERED, COVERED)
PRODUCER_CODES = (GENERATED, GENERATED_FACTORED, SURPLUS)

_VIENNA_SOLAR_NOON_UTC = 12 - 16.37 / 15  # hours; longitude 16.37° E


def quarter_hours(day: date) -> list[datetime]:
    """UTC starts of the day's quarter-hours in Vienna: 96, or 92 / 100 on DST days."""
    start = datetime.combine(day, time(0), VIENNA).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), VIENNA).astimezone(UTC)
    count = int((end - start) / QUARTER)
    return [start + i * QUARTER for i in range(count)]


def _rng(seed: int, metering_point: str, day: date) -> random.Random:
    # A str seed is hashed with SHA-512, so the series is the same in every process.
    return random.Random(f"{seed}:{metering_point}:{day.isoformat()}")


def _season(day: date) -> float:
    """-1 at the winter solstice, +1 at the summer solstice (roughly)."""
    return math.sin(2 * math.pi * (day.timetuple().tm_yday - 80) / 365)


def consumption(point: SimulatedMeteringPoint, day: date, seed: int) -> list[float]:
    """kWh per quarter-hour: base load, morning and evening peaks, more in winter, noisy."""
    rng = _rng(seed, point.metering_point, day)
    daily = point.annual_consumption_kwh / 365 * (1 - 0.2 * _season(day))
    shape = []
    for start in quarter_hours(day):
        local = start.astimezone(VIENNA)
        h = local.hour + local.minute / 60 + 0.125
        level = (
            0.5
            + 0.9 * math.exp(-(((h - 7.5) / 1.3) ** 2))
            + 0.4 * math.exp(-(((h - 12.5) / 1.5) ** 2))
            + 1.4 * math.exp(-(((h - 19.0) / 2.0) ** 2))
        )
        shape.append(level * rng.uniform(0.75, 1.25))
    per_unit = daily / (sum(shape) * 96 / len(shape))  # a 96-quarter day carries `daily`
    return [value * per_unit for value in shape]


def generation(point: SimulatedMeteringPoint, day: date, seed: int) -> list[float]:
    """kWh per quarter-hour from a PV plant: a sine bell between sunrise and sunset; nothing on
    the plant's outage days (an inverter fault, for the asset check to find)."""
    if day in point.outage_days:
        return [0.0 for _ in quarter_hours(day)]
    rng = _rng(seed, point.metering_point, day)
    season = _season(day)
    length = 12.2 + 3.9 * season  # hours of daylight in Vienna
    sunrise = _VIENNA_SOLAR_NOON_UTC - length / 2
    weather = rng.uniform(0.3, 1.0)  # a cloudy or a clear day
    peak = point.peak_power_kw * (0.65 + 0.3 * season) * weather
    values = []
    for start in quarter_hours(day):
        hour = start.hour + start.minute / 60 + 0.125  # UTC, middle of the quarter-hour
        x = (hour - sunrise) / length
        if not 0 < x < 1:
            values.append(0.0)
            continue
        clouds = 1 - (1 - weather) * rng.random()
        values.append(peak * math.sin(math.pi * x) ** 1.5 * clouds * 0.25)
    return values


def _kwh(value: float | Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    return Decimal(str(value)).quantize(WH, rounding=rounding)


@dataclass(frozen=True, slots=True)
class MeterCodes:
    """Codes some grid operators send besides (or instead of) the usual ones (DOMAIN.md)."""

    #: consumers of a renewable community (RC_L, RC_R) also get G.03R, the coverage from
    #: renewable generation: all of G.03, as every simulated producer is a PV plant.
    renewable_coverage: bool = False
    #: producers get the older P.01 instead of P.01T (the same values).
    legacy_surplus: bool = False


#: The codes every grid operator sends, nothing optional.
USUAL_CODES = MeterCodes()


@dataclass(frozen=True, slots=True)
class PointDay:
    """One participation's series for a day: meter code -> kWh per quarter-hour."""

    participation: Participation
    series: dict[str, list[Decimal]]


def community_day(
    community: SimulatedCommunity,
    members: list[tuple[Participation, SimulatedMeteringPoint]],
    day: date,
    seed: int,
    codes: MeterCodes = USUAL_CODES,
) -> list[PointDay]:
    """Measured values and the DSO's allocation for the community's active members on `day`."""
    n = len(quarter_hours(day))
    consumers, producers = [], []
    for participation, point in members:
        share = Decimal(participation.factor_on(day)) / 100
        if participation.direction is EnergyDirection.GENERATION:
            measured = [_kwh(v) for v in generation(point, day, seed)]
            producers.append((participation, measured, [_kwh(v * share) for v in measured]))
        else:
            measured = [_kwh(v) for v in consumption(point, day, seed)]
            consumers.append((participation, measured, [_kwh(v * share) for v in measured]))
    offered = [[Decimal(0)] * n for _ in consumers]
    covered = [[Decimal(0)] * n for _ in consumers]
    surplus = [[Decimal(0)] * n for _ in producers]
    for k in range(n):
        pool = sum((counted[k] for _, _, counted in producers), Decimal(0))
        demand = sum((counted[k] for _, _, counted in consumers), Decimal(0))
        for i, (_, _, counted) in enumerate(consumers):
            if community.distribution_model is DistributionModel.STATIC:
                part = pool / len(consumers)
            else:
                part = pool * counted[k] / demand if demand else Decimal(0)
            offered[i][k] = _kwh(part)
            covered[i][k] = min(offered[i][k], counted[k])
        left = pool - sum((c[k] for c in covered), Decimal(0))
        for j, (_, _, counted) in enumerate(producers):
            part = left * counted[k] / pool if pool else Decimal(0)
            surplus[j][k] = min(_kwh(part, ROUND_DOWN), counted[k])
    renewable = codes.renewable_coverage and community.ec_type in _RENEWABLE
    result = []
    for i, (p, m, t) in enumerate(consumers):
        series = {CONSUMED: m, CONSUMED_FACTORED: t, OFFERED: offered[i], COVERED: covered[i]}
        if renewable:
            series[COVERED_RENEWABLE] = covered[i]
        result.append(PointDay(p, series))
    surplus_code = SURPLUS_LEGACY if codes.legacy_surplus else SURPLUS
    result += [
        PointDay(p, {GENERATED: m, GENERATED_FACTORED: t, surplus_code: surplus[j]})
        for j, (p, m, t) in enumerate(producers)
    ]
    return result


def members_day(
    registry: SimulatorRegistry,
    community: SimulatedCommunity,
    day: date,
    seed: int,
    codes: MeterCodes = USUAL_CODES,
) -> list[PointDay]:
    """`community_day` for the members the registry has active in `community` on `day`."""
    members = [
        (p, registry.points[p.metering_point])
        for p in registry.of_community(community.ec_id)
        if p.active_on(day) and p.metering_point in registry.points
    ]
    return community_day(community, members, day, seed, codes)


def consumption_record(
    header: MessageHeader,
    community: SimulatedCommunity,
    now: datetime,
    days: list[tuple[date, PointDay]],
) -> ConsumptionRecord:
    """DATEN_CRMSG with one metering point's values for `days`, an Energy block per day."""
    blocks = []
    for day, point_day in days:
        starts = quarter_hours(day)
        blocks.append(
            Energy(
                period_start=starts[0].astimezone(VIENNA),
                period_end=(starts[-1] + QUARTER).astimezone(VIENNA),
                interval=MeteringInterval.QUARTER_HOUR,
                number_of_intervals=len(starts),
                metering_reason="00",
                data=tuple(
                    EnergyData(
                        meter_code=code,
                        unit="KWH",
                        positions=tuple(
                            EnergyPosition(s, s + QUARTER, "L1", q)
                            for s, q in zip(starts, values, strict=True)
                        ),
                    )
                    for code, values in point_day.series.items()
                ),
            )
        )
    return ConsumptionRecord(
        header=header,
        process_date=now.astimezone(VIENNA).date(),
        metering_point=days[0][1].participation.metering_point,
        ec_id=community.ec_id,
        energy=tuple(blocks),
    )
