"""Scalar conversion of MSCONS quantities and DTM values, with the patterns both readers share.

The bulk reader converts whole columns with polars but validates with these same patterns and
asks these functions for the error of the first bad row, so both readers fail alike.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from functools import cache

#: Readings carry Decimal(18, 6): at most 12 integer and 6 fraction digits, nothing is rounded.
MAX_INTEGER_DIGITS = 12
MAX_FRACTION_DIGITS = 6

#: DTM format code (2379) -> pattern of the value. 303 carries a UTC offset in hours (±HH or
#: ±HHMM); 203 and 102 carry none and are read as UTC (see docs/edifact.md).
# Years 1000..9998 only, so that a UTC shift stays inside what both Python and polars represent.
# Patterns are written for Python's re and polars' (Rust) regex alike: [0-9], not \d (Unicode),
# and no look-around; Python matches them with re.fullmatch (its "$" allows a trailing newline).
_YEAR = r"(?:[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9])"
DTM_PATTERNS = {
    "303": rf"^{_YEAR}[0-9]{{8}}[+-](?:0[0-9]|1[0-4])(?:[0-5][0-9])?$",
    "203": rf"^{_YEAR}[0-9]{{8}}$",
    "102": rf"^{_YEAR}[0-9]{{4}}$",
}


@cache
def quantity_pattern(decimal: str) -> str:
    """Regex of a valid quantity written with `decimal` as the decimal mark."""
    return (
        rf"^-?[0-9]{{1,{MAX_INTEGER_DIGITS}}}"
        rf"(?:{re.escape(decimal)}[0-9]{{1,{MAX_FRACTION_DIGITS}}})?$"
    )


def parse_quantity(raw: str, decimal: str) -> Decimal:
    """`raw` as a Decimal; ValueError (with the reason) if it is not a valid quantity."""
    if not re.fullmatch(quantity_pattern(decimal), raw):
        other = "," if decimal == "." else "."
        if other in raw and re.fullmatch(quantity_pattern(other), raw):
            raise ValueError(
                f"quantity {raw!r} uses {other!r}, the UNA decimal mark is {decimal!r}"
            )
        raise ValueError(
            f"quantity {raw!r} is not a number with at most {MAX_INTEGER_DIGITS} integer and "
            f"{MAX_FRACTION_DIGITS} fraction digits"
        )
    return Decimal(raw.replace(decimal, "."))


def parse_dtm(raw: str, fmt: str) -> datetime:
    """A DTM value in format `fmt` as a tz-aware UTC datetime; ValueError if it is not one."""
    pattern = DTM_PATTERNS.get(fmt)
    if pattern is None:
        raise ValueError(f"date format {fmt!r} is not supported (use 303, 203 or 102)")
    if not re.fullmatch(pattern, raw):
        raise ValueError(f"date {raw!r} does not match format {fmt}")
    hour = int(raw[8:10]) if fmt != "102" else 0
    minute = int(raw[10:12]) if fmt != "102" else 0
    offset = timedelta(0)
    if fmt == "303":
        zone = raw[12:]
        sign = -1 if zone[0] == "-" else 1
        offset = sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5] or 0))
    try:
        local = datetime(
            int(raw[0:4]), int(raw[4:6]), int(raw[6:8]), hour, minute, tzinfo=timezone(offset)
        )
    except (ValueError, OverflowError) as error:
        raise ValueError(f"date {raw!r} is not a calendar date/time: {error}") from None
    return local.astimezone(UTC)
