"""Time-zone offsets for databases without a time-zone database (SQLite).

PostgreSQL buckets by local day with `date_trunc('day', start, 'Europe/Vienna')`. SQLite knows
only UTC, so the store computes in Python where the zone's UTC offset changes within the read
range and hands SQLite a CASE expression giving each row's offset; local day, month and year are
then plain date arithmetic on `start + offset`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from meshkit.runtime.series.errors import SeriesError


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`, or a clear error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SeriesError(
            f"unknown time zone '{name}': use an IANA name such as Europe/Vienna"
        ) from exc


@dataclass(frozen=True)
class OffsetSpan:
    """From `since` (UTC, None = the beginning of the range) the zone is `seconds` ahead of UTC."""

    since: datetime | None
    seconds: int


def _offset(tz: ZoneInfo, instant: datetime) -> int:
    offset = instant.astimezone(tz).utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


def offset_spans(tz: ZoneInfo, start: datetime, end: datetime) -> list[OffsetSpan]:
    """The zone's UTC offsets over [start, end): a first span, then one per change.

    Looks day by day (no zone changes its offset twice within a day) and bisects each change to
    the second. `start` is widened by two days so the local day of the first interval is known.
    """
    low = start.astimezone(UTC).replace(microsecond=0) - timedelta(days=2)
    high = end.astimezone(UTC) + timedelta(days=2)
    spans = [OffsetSpan(None, _offset(tz, low))]
    day = timedelta(days=1)
    cursor = low
    while cursor < high:
        following = cursor + day
        before, after = _offset(tz, cursor), _offset(tz, following)
        if before != after:
            lo, hi = cursor, following  # the offset is `before` at lo and `after` at hi
            while hi - lo > timedelta(seconds=1):
                middle = lo + (hi - lo) / 2
                middle = middle.replace(microsecond=0)
                if middle <= lo:
                    middle = lo + timedelta(seconds=1)
                if _offset(tz, middle) == before:
                    lo = middle
                else:
                    hi = middle
            spans.append(OffsetSpan(hi, after))
        cursor = following
    return spans
