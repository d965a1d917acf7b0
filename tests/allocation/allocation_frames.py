"""Building the engine's input frames in tests, and reading its output back as integers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import polars as pl

#: A quarter hour of 2026-05-01 (12:00 Vienna), used when the time does not matter.
T0 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
QH = timedelta(minutes=15)
#: mWh per kWh: the engine's resolution and the readings frame's scale.
MILLI = 1_000_000

PARTICIPATION_SCHEMA: dict[str, pl.DataType] = {
    "community": pl.String(),
    "metering_point": pl.String(),
    "direction": pl.String(),
    "factor": pl.Int64(),
    "static_share": pl.Decimal(7, 4),
    "valid_from": pl.Date(),
    "valid_to": pl.Date(),
}


def mp(name: str) -> str:
    """A 33-character metering point id ending in `name` (so ids sort as their names do)."""
    return "AT0030000000000000000000" + name.rjust(9, "0")


@dataclass(frozen=True)
class Member:
    """One participation row."""

    point: str
    direction: str
    factor: int = 100
    share: Decimal | int | None = None
    community: str = "RC100130"
    valid_from: date = date(2026, 1, 1)
    valid_to: date | None = None


def participations(members: Iterable[Member], *, named: bool = False) -> pl.DataFrame:
    """A participations frame; `named` keeps the community column."""
    rows = [
        {
            "community": m.community,
            "metering_point": m.point,
            "direction": m.direction,
            "factor": m.factor,
            "static_share": None if m.share is None else Decimal(m.share),
            "valid_from": m.valid_from,
            "valid_to": m.valid_to,
        }
        for m in members
    ]
    frame = pl.DataFrame(rows, schema=PARTICIPATION_SCHEMA)
    return frame if named else frame.drop("community")


def measurements(
    values: Mapping[tuple[str, datetime], int | Decimal],
    quality: Mapping[tuple[str, datetime], str] | None = None,
) -> pl.DataFrame:
    """A measurements frame from {(point, start): value}; ints are Wh, Decimals kWh."""
    decimal = any(isinstance(v, Decimal) for v in values.values())
    schema: dict[str, pl.DataType] = {
        "metering_point": pl.String(),
        "start": pl.Datetime("us", "UTC"),
        "value": pl.Decimal(18, 6) if decimal else pl.Int64(),
    }
    data: dict[str, list[object]] = {
        "metering_point": [point for point, _ in values],
        "start": [start for _, start in values],
        "value": list(values.values()),
    }
    if quality is not None:
        schema["quality"] = pl.String()
        data["quality"] = [quality.get(key, "L1") for key in values]
    return pl.DataFrame(data, schema=schema)


@dataclass(frozen=True)
class Row:
    """One output row, value in integer mWh."""

    value: int
    quality: str


def by_key(result: pl.DataFrame) -> dict[tuple[str, str, datetime, str], Row]:
    """{(community or "", metering_point, start, meter_code): Row} of an allocation result."""
    community = result["community"] if "community" in result.columns else [""] * result.height
    return {
        (c, point, start, code): Row(int(value * MILLI), quality)
        for c, point, start, code, value, quality in zip(
            community,
            result["metering_point"],
            result["start"],
            result["meter_code"],
            result["value"],
            result["quality"],
            strict=True,
        )
    }


def values_of(result: pl.DataFrame, code: str, points: Sequence[str]) -> list[Decimal]:
    """The kWh values of `code` for `points` in one-interval results, in the order given."""
    frame = result.filter(pl.col("meter_code") == code)
    found = dict(zip(frame["metering_point"], frame["value"], strict=True))
    return [found[p] for p in points]
