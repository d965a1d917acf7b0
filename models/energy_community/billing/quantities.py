"""What is billed per metering point: energy from the grid operator's data, with its quality.

Consumers are billed for G.03 (energy received from the community); producers are credited for
G.01T − P.01T (generation that stayed in the community). Values come per quarter hour
(`IntervalValue`), per day or as a total over several days (`EnergyValue`). Producer values are
netted slot by slot (the same interval or the same days), and the net takes the worse quality of
its two inputs. Where a metering point has values per day (or interval), those win and totals over
several days for it are ignored; totals are otherwise shared among days pro rata.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from ..allocation.meter_codes import MeterCode
from .errors import QuantityError
from .money import HUNDRED, KWH_STEP, ZERO, round_to, split_pro_rata
from .parties import Direction, MeteringPoint
from .periods import DateRange

#: Energy days are days in Austrian local time (a day has 92, 96 or 100 quarter hours).
MARKET_TIME_ZONE = ZoneInfo("Europe/Vienna")


class Quality(StrEnum):
    """Quality of a value: measured (L1), reliable substitute (L2), unreliable substitute (L3)."""

    L1 = "L1"
    L2 = "L2"
    L3 = "L3"


@dataclass(frozen=True)
class QualityShares:
    """kWh of a quantity that rest on L1, L2 and L3 values; `total` is their sum."""

    l1: Decimal = ZERO
    l2: Decimal = ZERO
    l3: Decimal = ZERO

    @classmethod
    def of(cls, kwh: Decimal, quality: Quality) -> QualityShares:
        return cls(**{quality.value.lower(): kwh})

    @property
    def total(self) -> Decimal:
        return self.l1 + self.l2 + self.l3

    @property
    def worst(self) -> Quality:
        if self.l3:
            return Quality.L3
        return Quality.L2 if self.l2 else Quality.L1

    def __add__(self, other: QualityShares) -> QualityShares:
        return QualityShares(self.l1 + other.l1, self.l2 + other.l2, self.l3 + other.l3)

    def __neg__(self) -> QualityShares:
        return QualityShares(-self.l1, -self.l2, -self.l3)

    def percent(self) -> tuple[Decimal, Decimal, Decimal]:
        """Shares in percent (one decimal), as the model's record QualityShares holds them."""
        if not self.total:
            return HUNDRED, ZERO, ZERO
        step = Decimal("0.1")
        l2 = round_to(self.l2 * HUNDRED / self.total, step)
        l3 = round_to(self.l3 * HUNDRED / self.total, step)
        return HUNDRED - l2 - l3, l2, l3

    def split(self, weights: Sequence[int]) -> list[QualityShares]:
        """Pro rata by `weights`; each part's shares add up exactly across the parts."""
        columns = [
            split_pro_rata(value, weights, KWH_STEP) for value in (self.l1, self.l2, self.l3)
        ]
        return [QualityShares(*parts) for parts in zip(*columns, strict=True)]


@dataclass(frozen=True)
class EnergyValue:
    """kWh of one meter code on one day, or on `first_day`..`last_day` if only a total exists."""

    metering_point: str
    meter_code: MeterCode
    first_day: date
    kwh: Decimal
    quality: Quality = Quality.L1
    last_day: date | None = None

    @property
    def days(self) -> DateRange:
        return DateRange(self.first_day, self.last_day or self.first_day)


@dataclass(frozen=True)
class IntervalValue:
    """kWh of one meter code in the interval (e.g. quarter hour) starting at `start` (tz-aware)."""

    metering_point: str
    meter_code: MeterCode
    start: datetime
    kwh: Decimal
    quality: Quality = Quality.L1


#: Which codes make the billed and the measured series of a metering point.
_BILLED: Mapping[Direction, tuple[MeterCode, ...]] = {
    Direction.CONSUMPTION: (MeterCode.COVERED,),
    Direction.GENERATION: (MeterCode.GENERATION_COUNTED, MeterCode.SURPLUS),
}
_MEASURED: Mapping[Direction, MeterCode] = {
    Direction.CONSUMPTION: MeterCode.CONSUMPTION,
    Direction.GENERATION: MeterCode.GENERATION,
}


class Series(StrEnum):
    """BILLED: what a line bills (G.03, or G.01T − P.01T). MEASURED: G.01, shown in charts."""

    BILLED = "billed"
    MEASURED = "measured"


@dataclass(frozen=True)
class _Chunk:
    days: DateRange
    shares: QualityShares


class Quantities:
    """Energy per metering point and series, ready to be cut into tariff segments or chart bars.

    Build it with `collect`; `problems` lists what was ignored (totals where daily values exist).
    """

    def __init__(
        self, chunks: Mapping[tuple[str, Series], Sequence[_Chunk]], problems: Sequence[str]
    ) -> None:
        self._chunks = {key: tuple(value) for key, value in chunks.items()}
        self.problems: tuple[str, ...] = tuple(problems)

    def by_range(
        self, metering_point: str, ranges: Sequence[DateRange], series: Series = Series.BILLED
    ) -> list[QualityShares]:
        """The energy in each of `ranges` (disjoint); totals over several days pro rata by days."""
        result = [QualityShares() for _ in ranges]
        for chunk in self._chunks.get((metering_point, series), ()):
            overlaps = [
                overlap.days if (overlap := chunk.days.intersection(r)) else 0 for r in ranges
            ]
            if not any(overlaps):
                continue
            outside = chunk.days.days - sum(overlaps)
            # The part outside all ranges comes first, so the exact remainder stays inside.
            parts = chunk.shares.split([outside, *overlaps]) if chunk.days.days > 1 else None
            for index, days in enumerate(overlaps):
                if days:
                    result[index] += parts[index + 1] if parts else chunk.shares
        return result

    def covered_days(self, metering_point: str, days: DateRange) -> int:
        """How many days of `days` have billed values for the metering point."""
        covered: set[date] = set()
        for chunk in self._chunks.get((metering_point, Series.BILLED), ()):
            if (overlap := chunk.days.intersection(days)) is not None:
                covered.update(overlap.each_day())
        return len(covered)


def _slot(value: EnergyValue | IntervalValue) -> tuple[object, DateRange]:
    """The key values are paired by for netting, and the days the slot belongs to."""
    if isinstance(value, IntervalValue):
        if value.start.tzinfo is None:
            raise QuantityError(
                f"interval start {value.start} has no time zone",
                where=f"metering point {value.metering_point}",
                hint="pass aware datetimes (UTC or Europe/Vienna)",
            )
        day = value.start.astimezone(MARKET_TIME_ZONE).date()
        return value.start, DateRange(day, day)
    return value.days, value.days


def _check(value: EnergyValue | IntervalValue) -> None:
    if not isinstance(value.kwh, Decimal):
        raise QuantityError(
            f"kwh is {type(value.kwh).__name__} ({value.kwh!r})",
            where=f"metering point {value.metering_point}",
            hint="pass energy as Decimal so sums are exact",
        )
    if value.kwh < 0:
        raise QuantityError(
            f"negative energy {value.kwh} kWh for {value.meter_code}",
            where=f"metering point {value.metering_point}, {_slot(value)[1]}",
            hint="energy values are never negative; check the data the grid operator sent",
        )


def collect(
    values: Iterable[EnergyValue | IntervalValue], metering_points: Iterable[MeteringPoint]
) -> Quantities:
    """Group `values` into the billed and measured series of each known metering point."""
    directions = {point.id: point.direction for point in metering_points}
    # (point, series) -> slot key -> code -> (days, shares)
    slots: dict[tuple[str, Series], dict[object, dict[MeterCode, tuple[DateRange, QualityShares]]]]
    slots = defaultdict(dict)
    for value in values:
        direction = directions.get(value.metering_point)
        if direction is None:
            continue  # another community's point, or one not billed in this run
        if value.meter_code in _BILLED[direction]:
            series = Series.BILLED
        elif value.meter_code == _MEASURED[direction]:
            series = Series.MEASURED
        else:
            continue
        _check(value)
        key, days = _slot(value)
        by_code = slots[value.metering_point, series].setdefault(key, {})
        if value.meter_code in by_code:
            raise QuantityError(
                f"two values for {value.meter_code} in the same slot ({days})",
                where=f"metering point {value.metering_point}",
                hint="pass each value once; corrections replace the earlier value",
            )
        by_code[value.meter_code] = (days, QualityShares.of(value.kwh, value.quality))

    chunks: dict[tuple[str, Series], list[_Chunk]] = {}
    problems: list[str] = []
    for (point, series), by_slot in sorted(slots.items(), key=lambda item: item[0]):
        found = [
            _Chunk(days, shares)
            for by_code in by_slot.values()
            for days, shares in [_net(point, directions[point], series, by_code)]
        ]
        if any(chunk.days.days == 1 for chunk in found) and any(c.days.days > 1 for c in found):
            ignored = sorted(str(c.days) for c in found if c.days.days > 1)
            problems.append(
                f"metering point {point}: daily values used, "
                f"totals for {', '.join(ignored)} ignored"
            )
            found = [chunk for chunk in found if chunk.days.days == 1]
        chunks[point, series] = found
    return Quantities(chunks, problems)


def _net(
    point: str,
    direction: Direction,
    series: Series,
    by_code: Mapping[MeterCode, tuple[DateRange, QualityShares]],
) -> tuple[DateRange, QualityShares]:
    """One slot's quantity: the value itself, or G.01T − P.01T for a producer's billed series."""
    if series is Series.MEASURED or direction is Direction.CONSUMPTION:
        return next(iter(by_code.values()))
    generated = by_code.get(MeterCode.GENERATION_COUNTED)
    surplus = by_code.get(MeterCode.SURPLUS)
    days = (generated or surplus or (DateRange(date.min, date.min), QualityShares()))[0]
    kept = (generated[1].total if generated else ZERO) - (surplus[1].total if surplus else ZERO)
    if kept < 0:
        raise QuantityError(
            f"surplus P.01T exceeds generation G.01T by {-kept} kWh on {days}",
            where=f"metering point {point}",
            hint="pass G.01T and P.01T for the same intervals or days",
        )
    # The net rests on both values, so it is only as good as the worse of the two.
    qualities = [pair[1].worst for pair in (generated, surplus) if pair is not None]
    return days, QualityShares.of(kept, max(qualities, key=_QUALITY_RANK.index))


_QUALITY_RANK = [Quality.L1, Quality.L2, Quality.L3]
