"""Tariffs, their validity, and how a settlement period is split where a tariff changes.

A schedule is a community's tariffs in validity order, without overlaps and without gaps
(a day without a price cannot be billed). A period that spans a change is cut into segments,
one per tariff, and everything per period (fees, free kWh) is shared by the segments' days.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import Decimal

from .errors import TariffError
from .money import HUNDRED, ZERO
from .periods import DateRange


@dataclass(frozen=True)
class Tariff:
    """A community's net prices and fees for a validity period (the model's class Tariff).

    Prices are per kWh, `membership_fee` per member and year, `base_fee` per member and period,
    `metering_point_fee` per metering point and period, `free_kwh` per member and period;
    `discount` and `vat_rate` are percent. `valid_to` None means open-ended.
    """

    name: str
    valid_from: date
    consumption_price: Decimal
    feed_in_price: Decimal
    valid_to: date | None = None
    membership_fee: Decimal = ZERO
    base_fee: Decimal = ZERO
    metering_point_fee: Decimal = ZERO
    discount: Decimal = ZERO
    free_kwh: Decimal = ZERO
    vat_rate: Decimal = Decimal(20)

    def __post_init__(self) -> None:
        where = f"tariff {self.name!r}"
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, float):
                raise TariffError(
                    f"{field.name} is a float ({value!r})",
                    where=where,
                    hint="pass money and prices as Decimal('...') so no cent is lost",
                )
            if isinstance(value, Decimal) and value < 0:
                raise TariffError(
                    f"{field.name} must not be negative (is {value})",
                    where=where,
                    hint="a credit or discount is expressed by feed_in_price or discount",
                )
        if self.discount > HUNDRED:
            raise TariffError(f"discount is {self.discount} %, more than 100 %", where=where)
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise TariffError(
                f"valid_to {self.valid_to} is before valid_from {self.valid_from}", where=where
            )

    @property
    def validity(self) -> DateRange:
        return DateRange(self.valid_from, self.valid_to or date.max)


@dataclass(frozen=True)
class TariffSegment:
    """The part `days` of a period that `tariff` prices; `weight` = its days / the period's."""

    tariff: Tariff
    days: DateRange
    period_days: int

    @property
    def whole_period(self) -> bool:
        return self.days.days == self.period_days


class TariffSchedule:
    """A community's tariffs, checked once: no overlap, no gap, in validity order."""

    def __init__(self, tariffs: Iterable[Tariff]) -> None:
        ordered = sorted(tariffs, key=lambda tariff: tariff.valid_from)
        if not ordered:
            raise TariffError("no tariff given", hint="a community needs at least one tariff")
        for before, after in itertools.pairwise(ordered):
            where = f"tariffs {before.name!r} and {after.name!r}"
            if before.valid_to is None or before.valid_to >= after.valid_from:
                raise TariffError(
                    f"validities overlap ({before.name!r} valid to "
                    f"{before.valid_to or 'open end'}, {after.name!r} valid from "
                    f"{after.valid_from})",
                    where=where,
                    hint=f"end {before.name!r} on {after.valid_from - timedelta(days=1)}",
                )
            if before.valid_to + timedelta(days=1) != after.valid_from:
                raise TariffError(
                    f"no tariff from {before.valid_to + timedelta(days=1)} to "
                    f"{after.valid_from - timedelta(days=1)}",
                    where=where,
                    hint="every day needs a price: extend one tariff or add one for the gap",
                )
        self.tariffs: tuple[Tariff, ...] = tuple(ordered)

    def segments(self, days: DateRange, own: Tariff | None = None) -> list[TariffSegment]:
        """`days` cut where the tariff changes; refused if some day has no tariff.

        `own` (a member's own tariff) prices the days it is valid; the schedule the others.
        """
        part = own.validity.intersection(days) if own is not None else None
        if own is None or part is None:
            return self._segments(days, days.days)
        segments: list[TariffSegment] = []
        if part.first > days.first:
            before = DateRange(days.first, part.first - timedelta(days=1))
            segments.extend(self._segments(before, days.days))
        segments.append(TariffSegment(own, part, days.days))
        if part.last < days.last:
            after = DateRange(part.last + timedelta(days=1), days.last)
            segments.extend(self._segments(after, days.days))
        return segments

    def _segments(self, days: DateRange, period_days: int) -> list[TariffSegment]:
        segments = [
            TariffSegment(tariff, part, period_days)
            for tariff in self.tariffs
            if (part := tariff.validity.intersection(days)) is not None
        ]
        covered = sum(segment.days.days for segment in segments)
        if covered != days.days:
            first_tariff = self.tariffs[0]
            raise TariffError(
                f"no tariff for all of {days} (tariffs cover {first_tariff.valid_from} to "
                f"{self.tariffs[-1].valid_to or 'open end'})",
                hint="add a tariff valid for the whole settlement period",
            )
        return segments
