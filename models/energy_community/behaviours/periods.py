"""The period a community command works on: whole days of the community's time zone."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from meshkit.runtime.behaviours import BehaviourError


@dataclass(frozen=True)
class Period:
    """The days `first`..`last` (both included)."""

    first: date
    last: date

    @classmethod
    def of(cls, first: date, last: date | None) -> Period:
        """`first`..`last`; without `last`, to the end of `first`'s month (so a month is named
        by its first day). BehaviourError when `last` is before `first`."""
        if last is None:
            following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            last = following - timedelta(days=1)
        if last < first:
            raise BehaviourError(
                f"the period ends ({last}) before it starts ({first})",
                code="period",
                path=("last_day",),
            )
        return cls(first, last)

    def bounds(self, time_zone: str) -> tuple[datetime, datetime]:
        """[start, end): local midnight of the first day to local midnight after the last."""
        zone = ZoneInfo(time_zone)
        start = datetime.combine(self.first, time(), zone)
        end = datetime.combine(self.last + timedelta(days=1), time(), zone)
        return start, end

    def days(self) -> Iterator[date]:
        day = self.first
        while day <= self.last:
            yield day
            day += timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.first}..{self.last}"
