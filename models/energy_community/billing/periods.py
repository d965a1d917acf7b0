"""Settlement periods and day ranges; every range includes both its first and last day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from .errors import BillingError


class SettlementInterval(StrEnum):
    """How often a community bills (the model's enum SettlementInterval)."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    ANNUAL = "annual"

    @property
    def months(self) -> int:
        return {"monthly": 1, "quarterly": 3, "half_yearly": 6, "annual": 12}[self.value]


@dataclass(frozen=True, order=True)
class DateRange:
    """Days from `first` to `last`, both included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise BillingError(
                f"range ends ({self.last}) before it starts ({self.first})",
                hint="give the last day on or after the first",
            )

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def intersection(self, other: DateRange) -> DateRange | None:
        first, last = max(self.first, other.first), min(self.last, other.last)
        return DateRange(first, last) if first <= last else None

    def each_day(self) -> list[date]:
        return [self.first + timedelta(days=offset) for offset in range(self.days)]

    def __str__(self) -> str:
        return f"{self.first:%d.%m.%Y}–{self.last:%d.%m.%Y}"


@dataclass(frozen=True)
class Period:
    """One settlement period of a community: `interval` months starting on `start` (a 1st)."""

    interval: SettlementInterval
    start: date

    def __post_init__(self) -> None:
        if self.start.day != 1:
            raise BillingError(
                f"a settlement period starts on the first of a month, not {self.start}",
                hint="pass the first day of the period's first month",
            )

    @property
    def end(self) -> date:
        """The last day of the period."""
        months = self.start.month - 1 + self.interval.months
        following = date(self.start.year + months // 12, months % 12 + 1, 1)
        return following - timedelta(days=1)

    @property
    def days(self) -> DateRange:
        return DateRange(self.start, self.end)

    @property
    def year_fraction(self) -> tuple[int, int]:
        """The part of a year the period is, as (months, 12): annual fees are billed by it."""
        return self.interval.months, 12

    def __str__(self) -> str:
        return str(self.days)
