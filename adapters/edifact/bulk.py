"""The bulk MSCONS path: a tight loop over raw segment text and column-wise conversion.

`read_bulk` reads the regular shape of a bulk MSCONS (QTY, DTM+163/164, STS repeated inside
messages) straight from the split text, building columns without a Segment per value; every
other segment goes through the shared `Scope` and `check_structure`. Anything outside that
shape, and every error, returns None so the caller re-reads with the generic path, which
owns the error messages; the bulk path therefore never changes what is accepted or reported.

Quantities and dates are validated with the patterns of values.py and converted as whole
columns; when a row is bad, the scalar converter is asked for its error.
"""

from __future__ import annotations

import polars as pl

from meshkit.adapters.edifact.errors import (
    ApplicationErrorCode,
    EdifactError,
    MsconsContentError,
)
from meshkit.adapters.edifact.mscons import (
    DEFAULT_UNIT,
    QUALITY_BY_QUALIFIER,
    STATUS_QUALITIES,
    RawReadings,
    Scope,
    convert_row,
)
from meshkit.adapters.edifact.syntax import check_structure
from meshkit.adapters.edifact.tokenizer import (
    BETWEEN_SEGMENTS,
    Segment,
    has_placeholders,
    hide_released,
    piece_to_segment,
    read_service_string,
)
from meshkit.adapters.edifact.values import DTM_PATTERNS, quantity_pattern
from meshkit.adapters.readings import READINGS_SCHEMA, check_readings, empty_readings


def _dtm_valid(raw: str, fmt: str) -> pl.Expr:
    value, code = pl.col(raw), pl.col(fmt)
    valid = pl.lit(False)
    for name, pattern in DTM_PATTERNS.items():
        valid = pl.when(code == name).then(value.str.contains(pattern)).otherwise(valid)
    return valid


def _dtm_utc(raw: str, fmt: str) -> pl.Expr:
    value, code = pl.col(raw), pl.col(fmt)
    digits = pl.when(code == "102").then(value + "0000").otherwise(value.str.slice(0, 12))
    local = digits.str.to_datetime("%Y%m%d%H%M", time_unit="us", time_zone="UTC", strict=False)
    # 303 ends in the UTC offset (±HH or ±HHMM); subtracting it gives UTC.
    zone = value.str.slice(12)
    minutes = zone.str.slice(1, 2).cast(pl.Int64, strict=False).fill_null(0) * 60 + zone.str.slice(
        3, 2
    ).cast(pl.Int64, strict=False).fill_null(0)
    signed = pl.when(zone.str.starts_with("-")).then(-minutes).otherwise(minutes)
    offset = pl.when(code == "303").then(signed).otherwise(pl.lit(0, dtype=pl.Int64))
    return local - pl.duration(minutes=offset)


def frame_from_columns(raw: RawReadings, restore: dict[int, str] | None = None) -> pl.DataFrame:
    """The readings frame built column-wise; raises MsconsContentError for the first bad row."""
    if not len(raw):
        return empty_readings()
    text = pl.DataFrame(
        {
            "metering_point": raw.metering_point,
            "meter_code": raw.meter_code,
            "value_raw": raw.value,
            "unit": raw.unit,
            "quality": raw.quality,
            "start_raw": raw.start,
            "start_fmt": raw.start_format,
            "end_raw": raw.end,
            "end_fmt": raw.end_format,
        },
        schema=dict.fromkeys(
            (
                "metering_point",
                "meter_code",
                "value_raw",
                "unit",
                "quality",
                "start_raw",
                "start_fmt",
                "end_raw",
                "end_fmt",
            ),
            pl.String(),
        ),
    )
    if restore:
        # Values read by the bulk loop still hold the placeholders of released characters.
        hidden = ("value_raw", "unit", "start_raw", "start_fmt", "end_raw", "end_fmt")
        text = text.with_columns([_restored(pl.col(name), restore).alias(name) for name in hidden])
    value_raw = pl.col("value_raw")
    value = value_raw.str.replace(raw.decimal, ".", literal=True).cast(
        pl.Decimal(18, 6), strict=False
    )
    start, end = _dtm_utc("start_raw", "start_fmt"), _dtm_utc("end_raw", "end_fmt")
    ok = (
        value_raw.str.contains(quantity_pattern(raw.decimal))
        & _dtm_valid("start_raw", "start_fmt")
        & _dtm_valid("end_raw", "end_fmt")
        & (end > start)
    ).fill_null(False)
    frame = text.select(
        pl.col("metering_point"),
        pl.col("meter_code"),
        start.alias("start"),
        end.alias("end"),
        value.alias("value"),
        pl.col("unit"),
        pl.col("quality"),
        ok.alias("_ok"),
    )
    valid = frame.get_column("_ok")
    if not valid.all():
        row = int(valid.arg_min() or 0)
        convert_row(raw, row)  # raises the row's precise error
        raise MsconsContentError(
            "reading could not be converted",
            code=ApplicationErrorCode.UNSUPPORTED_CONTENT,
            segment_index=raw.qty_index[row],
            tag="QTY",
            message_ref=raw.message_ref[row],
        )
    return check_readings(frame.drop("_ok").cast(READINGS_SCHEMA))  # type: ignore[arg-type]


def _restored(column: pl.Expr, restore: dict[int, str]) -> pl.Expr:
    for code, char in restore.items():
        column = column.str.replace_all(chr(code), char, literal=True)
    return column


class _Irregular(Exception):
    """The text leaves the shape the bulk loop reads; the generic path must read it."""


def read_bulk(text: str) -> pl.DataFrame | None:
    """Readings of a regular bulk MSCONS, or None when the generic path has to read `text`."""
    try:
        return _read_bulk(text)
    except (_Irregular, EdifactError):
        return None


def _read_bulk(text: str) -> pl.DataFrame:
    chars, pos, una = read_service_string(text)
    body = text[pos:]
    if has_placeholders(body):
        raise _Irregular
    comp, data = chars.component, chars.data
    body, restore = hide_released(body, chars)
    pieces = body.split(chars.terminator)
    if pieces.pop().strip(BETWEEN_SEGMENTS):
        raise _Irregular
    rows: list[tuple[str, str, str, str, str, str, str, str, str, str, int, int, int]] = []
    scope = Scope()
    others: list[Segment] = []  # all but the bulk-read segments, for the structure check
    in_message = False
    qty: list[str] | None = None  # qualifier, value, unit of the pending quantity
    qty_number = 0
    start: list[str] | None = None
    end: list[str] | None = None
    start_number = end_number = 0
    status = ""

    def flush() -> None:
        if qty is None or start is None or end is None:
            raise _Irregular
        quality = status or QUALITY_BY_QUALIFIER.get(qty[0])
        if quality is None:
            raise _Irregular
        # One tuple per reading, transposed into columns at the end: far fewer list appends.
        rows.append(
            (
                scope.point,
                scope.code,
                qty[1],
                (qty[2] if len(qty) > 2 else "") or scope.unit or DEFAULT_UNIT,
                quality,
                start[1],
                start[2],
                end[1],
                end[2],
                scope.message_ref,
                qty_number,
                start_number,
                end_number,
            )
        )

    for number, piece in enumerate(pieces, 1):
        if piece and piece[0] in BETWEEN_SEGMENTS:
            piece = piece.lstrip(BETWEEN_SEGMENTS)
        tag = piece[:3]
        if tag == "DTM" or tag == "QTY" or tag == "STS":
            if not in_message or piece[3:4] != data:
                raise _Irregular
            if tag == "STS":
                if qty is not None:
                    elements = piece.split(data)
                    candidate = elements[2].split(comp)[0] if len(elements) > 2 else ""
                    if candidate in STATUS_QUALITIES:
                        status = candidate
                continue
            parts = piece[4:].split(comp)
            if data in piece[4:] or not parts[-1] or not all(parts[:2]):
                raise _Irregular
            if tag == "QTY":
                if qty is not None:
                    flush()
                if len(parts) > 3 or not scope.point or not scope.code:
                    raise _Irregular
                qty, qty_number, start, end, status = parts, number, None, None, ""
            elif qty is not None and (parts[0] == "163" or parts[0] == "164"):
                if len(parts) != 3:
                    raise _Irregular
                if parts[0] == "163":
                    if start is not None:
                        raise _Irregular
                    start, start_number = parts, number
                else:
                    if end is not None:
                        raise _Irregular
                    end, end_number = parts, number
            continue
        if qty is not None:
            flush()
            qty = None
        segment = piece_to_segment(piece, number, chars, restore)
        others.append(segment)
        if tag == "UNH":
            in_message = True
        elif tag == "UNT" or tag == "UNZ":
            in_message = False
        scope.enter(segment)
    if qty is not None:
        flush()
    report = check_structure(others, chars, una)
    if not report.accepted:
        raise _Irregular
    raw = RawReadings(chars.decimal)
    if rows:
        columns = list(zip(*rows, strict=True))
        raw.metering_point, raw.meter_code, raw.value, raw.unit, raw.quality = (
            list(c) for c in columns[:5]
        )
        raw.start, raw.start_format, raw.end, raw.end_format, raw.message_ref = (
            list(c) for c in columns[5:10]
        )
        raw.qty_index, raw.start_index, raw.end_index = (list(c) for c in columns[10:])
    return frame_from_columns(raw, restore)
