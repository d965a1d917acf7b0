"""What MSCONS segments mean: from segments to readings (as text), and row-wise conversion.

Both readers (see readers.py) interpret segments here, so they cannot disagree on meaning.

Mapping (one row per QTY): metering point from the last `LOC+172`, meter code from the last
`PIA+5` (else the item number of `LIN`), value from `QTY` with the UNA decimal mark, unit from
the QTY (else the last `MEA`, else KWH), interval from the `DTM+163`/`DTM+164` following the QTY,
quality from the QTY qualifier unless a following `STS` names a quality code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from meshkit.adapters.edifact.errors import ApplicationErrorCode, MsconsContentError
from meshkit.adapters.edifact.tokenizer import Segment
from meshkit.adapters.edifact.values import parse_dtm, parse_quantity
from meshkit.adapters.readings import READINGS_SCHEMA, check_readings

#: QTY qualifier (6063) -> quality. 220 true value, 67 substitute value, 201 proposed value,
#: 20 unusable value, 187 forecast value.
QUALITY_BY_QUALIFIER = {"220": "L1", "67": "L2", "201": "L3", "20": "L3", "187": "L3"}

#: Quality codes an STS may carry in its status (C555): they override the QTY-derived quality.
STATUS_QUALITIES = frozenset({"L1", "L2", "L3", "01", "02", "03", "04", "05"})

DEFAULT_UNIT = "KWH"


@dataclass(slots=True)
class RawReadings:
    """Readings still as text, one entry per QTY, with the segments each came from."""

    decimal: str
    metering_point: list[str] = field(default_factory=list)
    meter_code: list[str] = field(default_factory=list)
    value: list[str] = field(default_factory=list)
    unit: list[str] = field(default_factory=list)
    quality: list[str] = field(default_factory=list)
    start: list[str] = field(default_factory=list)
    start_format: list[str] = field(default_factory=list)
    end: list[str] = field(default_factory=list)
    end_format: list[str] = field(default_factory=list)
    message_ref: list[str] = field(default_factory=list)
    qty_index: list[int] = field(default_factory=list)
    start_index: list[int] = field(default_factory=list)
    end_index: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.value)


@dataclass(slots=True)
class Scope:
    """Where a quantity belongs: the message, metering point, meter code and unit in force."""

    message_ref: str = ""
    point: str = ""
    code: str = ""
    unit: str = ""

    def fail(self, message: str, code: ApplicationErrorCode, at: Segment) -> MsconsContentError:
        return MsconsContentError(
            message, code=code, segment_index=at.number, tag=at.tag, message_ref=self.message_ref
        )

    def enter(self, segment: Segment) -> None:
        """Follow a LOC/LIN/PIA/MEA/UNH segment; other segments leave the scope as it is."""
        tag = segment.tag
        if tag == "LOC":
            if segment.get(1, 0) == "172":
                self.point, self.code, self.unit = segment.get(2, 0), "", ""
        elif tag == "LIN":
            self.code, self.unit = segment.get(3, 0), ""
        elif tag == "PIA":
            if segment.get(1, 0) == "5":
                self.code = segment.get(2, 0)
        elif tag == "MEA":
            self.unit = segment.get(3, 0) or self.unit
        elif tag == "UNH":
            self.message_ref, self.point, self.code, self.unit = segment.get(1, 0), "", "", ""
            kind = segment.get(2, 0)
            if kind != "MSCONS":
                raise self.fail(
                    f"message type {kind!r} is not MSCONS",
                    ApplicationErrorCode.UNSUPPORTED_CONTENT,
                    segment,
                )

    def check_quantity(self, qty: Segment) -> None:
        """Raise unless a metering point and a meter code are known for `qty`."""
        if not self.point:
            raise self.fail(
                "quantity before any LOC+172", ApplicationErrorCode.MISSING_REFERENCE, qty
            )
        if not self.code:
            raise self.fail(
                "quantity without a meter code (PIA+5 or LIN)",
                ApplicationErrorCode.MISSING_REFERENCE,
                qty,
            )


def collect_readings(segments: Sequence[Segment], decimal: str) -> RawReadings:
    """Walk the segments of a structurally valid interchange and collect one entry per QTY."""
    raw = RawReadings(decimal)
    scope = Scope()
    fail = scope.fail
    pending: Segment | None = None
    start: Segment | None = None
    end: Segment | None = None
    status = ""

    def flush() -> None:
        assert pending is not None
        if start is None or end is None:
            missing = "DTM+163 (start)" if start is None else "DTM+164 (end)"
            raise fail(f"quantity has no {missing}", ApplicationErrorCode.MISSING_INTERVAL, pending)
        qualifier = pending.get(1, 0)
        quality = status or QUALITY_BY_QUALIFIER.get(qualifier)
        if quality is None:
            raise fail(
                f"quantity qualifier {qualifier!r} is not read (known: "
                f"{', '.join(sorted(QUALITY_BY_QUALIFIER))})",
                ApplicationErrorCode.UNSUPPORTED_CONTENT,
                pending,
            )
        raw.metering_point.append(scope.point)
        raw.meter_code.append(scope.code)
        raw.value.append(pending.get(1, 1))
        raw.unit.append(pending.get(1, 2) or scope.unit or DEFAULT_UNIT)
        raw.quality.append(quality)
        raw.start.append(start.get(1, 1))
        raw.start_format.append(start.get(1, 2))
        raw.end.append(end.get(1, 1))
        raw.end_format.append(end.get(1, 2))
        raw.message_ref.append(scope.message_ref)
        raw.qty_index.append(pending.number)
        raw.start_index.append(start.number)
        raw.end_index.append(end.number)

    for segment in segments:
        tag = segment.tag
        if pending is not None:
            if tag == "DTM":
                qualifier = segment.get(1, 0)
                if qualifier == "163" or qualifier == "164":
                    if (start if qualifier == "163" else end) is not None:
                        raise fail(
                            f"quantity has a second DTM+{qualifier}",
                            ApplicationErrorCode.INCONSISTENT_INTERVAL,
                            segment,
                        )
                    if qualifier == "163":
                        start = segment
                    else:
                        end = segment
                continue
            if tag == "STS":
                candidate = segment.get(2, 0)
                if candidate in STATUS_QUALITIES:
                    status = candidate
                continue
            flush()
            pending = None
        if tag == "QTY":
            scope.check_quantity(segment)
            pending, start, end, status = segment, None, None, ""
        else:
            scope.enter(segment)
    if pending is not None:
        flush()
    return raw


def convert_row(raw: RawReadings, row: int) -> tuple[object, ...]:
    """Row `row` converted to Python values (in READINGS_SCHEMA order); raises on bad content."""
    segment_index, tag = raw.qty_index[row], "QTY"
    try:
        value = parse_quantity(raw.value[row], raw.decimal)
        segment_index, tag = raw.start_index[row], "DTM"
        start = parse_dtm(raw.start[row], raw.start_format[row])
        segment_index = raw.end_index[row]
        end = parse_dtm(raw.end[row], raw.end_format[row])
    except ValueError as error:
        code = (
            ApplicationErrorCode.INVALID_QUANTITY
            if tag == "QTY"
            else ApplicationErrorCode.INVALID_DATE
        )
        raise MsconsContentError(
            str(error),
            code=code,
            segment_index=segment_index,
            tag=tag,
            message_ref=raw.message_ref[row],
        ) from None
    if end <= start:
        raise MsconsContentError(
            f"interval end {end.isoformat()} is not after its start {start.isoformat()}",
            code=ApplicationErrorCode.INCONSISTENT_INTERVAL,
            segment_index=raw.end_index[row],
            tag="DTM",
            message_ref=raw.message_ref[row],
        )
    return (
        raw.metering_point[row],
        raw.meter_code[row],
        start,
        end,
        value,
        raw.unit[row],
        raw.quality[row],
    )


def frame_from_rows(raw: RawReadings) -> pl.DataFrame:
    """The readings frame built row by row with Python's Decimal and datetime."""
    rows = [convert_row(raw, row) for row in range(len(raw))]
    return check_readings(pl.DataFrame(rows, schema=READINGS_SCHEMA, orient="row"))
