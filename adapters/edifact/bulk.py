"""The bulk MSCONS path: regular readings cut by one compiled regex, converted column-wise.

`read_bulk` hides released characters (see tokenizer.py) and looks for *runs*: maximal
sequences of QTY/DTM/STS segments that start with a QTY. A run made only of regular blocks
(`QTY+q:v[:u]`, `DTM+163:value:format`, `DTM+164:value:format`, at most one `STS`) is read by
one `findall` straight into columns; a terminator count proves the blocks cover the run
exactly. Every other run and every other segment goes through a per-segment loop, the shared
`Scope` and `check_structure`, so envelope checks and segment numbers are those of the generic
path. Anything outside the shape the bulk path reads, and every error, returns None so that
the caller re-reads with the generic path, which owns the error messages: the bulk path never
changes what is accepted or reported.

Conversion (`frame_from_columns`, also used by the generic path) validates quantities and
dates with the patterns of values.py and converts whole columns with polars; when a row is
bad, the scalar converter is asked for its precise error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import repeat

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
    ServiceChars,
    has_placeholders,
    hide_released,
    piece_to_segment,
    read_service_string,
)
from meshkit.adapters.edifact.values import DTM_PATTERNS, quantity_pattern
from meshkit.adapters.readings import READINGS_SCHEMA, check_readings, empty_readings

#: The text columns conversion starts from, in this order.
TEXT_COLUMNS = (
    "metering_point",
    "meter_code",
    "value_raw",
    "unit",
    "quality",
    "start_raw",
    "start_fmt",
    "end_raw",
    "end_fmt",
)
#: Columns cut from hidden text: they may still hold placeholders of released characters.
_HIDDEN = frozenset(TEXT_COLUMNS[2:])
_TEXT_SCHEMA = dict.fromkeys(TEXT_COLUMNS, pl.String())


def _dtm(raw: str, fmt: str, formats: set[str]) -> tuple[pl.Expr, pl.Expr]:
    """(valid, UTC datetime) of a DTM value column, given the format codes that occur in it.

    Only the formats present are evaluated: a column in one format (the usual case) costs one
    pattern match and one parse. Rows in an unknown format are invalid.
    """
    value, code = pl.col(raw), pl.col(fmt)
    known = [name for name in DTM_PATTERNS if name in formats]
    if not known:
        return pl.lit(False), pl.lit(None, dtype=pl.Datetime("us", "UTC"))
    valid: pl.Expr = pl.lit(False)
    utc: pl.Expr = pl.lit(None, dtype=pl.Datetime("us", "UTC"))
    single = len(formats) == 1
    for name in known:
        matches = value.str.contains(DTM_PATTERNS[name])
        converted = _dtm_utc(value, name)
        if single:
            return matches, converted
        valid = pl.when(code == name).then(matches).otherwise(valid)
        utc = pl.when(code == name).then(converted).otherwise(utc)
    return valid, utc


def _dtm_utc(value: pl.Expr, name: str) -> pl.Expr:
    """A value already known to match DTM_PATTERNS[name] as UTC (null: not a calendar date)."""
    if name == "303":
        # ±HH or ±HHMM after the local time; chrono's %#z takes both and converts to UTC.
        return value.str.to_datetime("%Y%m%d%H%M%#z", time_unit="us", time_zone="UTC", strict=False)
    digits = value + "0000" if name == "102" else value
    return digits.str.to_datetime("%Y%m%d%H%M", time_unit="us", time_zone="UTC", strict=False)


def _typed(columns: Sequence[Sequence[str]], decimal: str, restore: dict[int, str]) -> pl.DataFrame:
    """The readings frame from text columns, with a boolean `_ok` column (False: bad row).

    One lazy query: restore released characters (only in columns that hold placeholders),
    validate with the patterns of values.py, convert, compare end with start.
    """
    text = pl.DataFrame(dict(zip(TEXT_COLUMNS, columns, strict=True)), schema=_TEXT_SCHEMA).lazy()
    if restore:
        restored = []
        for name, values in zip(TEXT_COLUMNS, columns, strict=True):
            joined = "".join(values) if name in _HIDDEN else ""
            column = pl.col(name)
            present = [code for code in restore if chr(code) in joined]
            for code in present:  # usually one: the released sign of a 303 offset
                column = column.str.replace_all(chr(code), restore[code], literal=True)
            if present:
                restored.append(column)
        if restored:
            text = text.with_columns(restored)
    # Format codes are digits, which restoring never creates or changes: the known formats
    # present can be read from the text as it is.
    start_ok, start = _dtm("start_raw", "start_fmt", set(columns[6]))
    end_ok, end = _dtm("end_raw", "end_fmt", set(columns[8]))
    value_raw = pl.col("value_raw")
    if decimal != ".":
        value_raw = value_raw.str.replace(decimal, ".", literal=True)
    valid = pl.col("value_raw").str.contains(quantity_pattern(decimal)) & start_ok & end_ok
    return (
        text.select(
            pl.col("metering_point"),
            pl.col("meter_code"),
            start.alias("start"),
            end.alias("end"),
            value_raw.cast(pl.Decimal(18, 6), strict=False).alias("value"),
            pl.col("unit"),
            pl.col("quality"),
            valid.alias("_ok"),
        )
        .with_columns((pl.col("_ok") & (pl.col("end") > pl.col("start"))).fill_null(False))
        .collect()
    )


def _readings(frame: pl.DataFrame) -> pl.DataFrame:
    return check_readings(frame.drop("_ok").cast(READINGS_SCHEMA))  # type: ignore[arg-type]


def frame_from_columns(raw: RawReadings) -> pl.DataFrame:
    """The readings frame built column-wise; raises MsconsContentError for the first bad row."""
    if not len(raw):
        return empty_readings()
    columns = (
        raw.metering_point,
        raw.meter_code,
        raw.value,
        raw.unit,
        raw.quality,
        raw.start,
        raw.start_format,
        raw.end,
        raw.end_format,
    )
    frame = _typed(columns, raw.decimal, {})
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
    return _readings(frame)


class _Irregular(Exception):
    """The text leaves the shape the bulk path reads; the generic path must read it."""


@dataclass(frozen=True, slots=True)
class _Grammar:
    """The two patterns of the bulk path, compiled for one set of service characters."""

    #: A terminator, then a run (group 1): a QTY and every QTY/DTM/STS segment after it.
    runs: re.Pattern[str]
    #: One regular block, from the terminator before its QTY to just before its last
    #: terminator (so consecutive blocks chain): q, v, u, start, start format, end, end
    #: format, STS segment ("" when absent).
    block: re.Pattern[str]


@cache
def _grammar(chars: ServiceChars) -> _Grammar:
    c, d, t = (re.escape(ch) for ch in (chars.component, chars.data, chars.terminator))
    # Possessive quantifiers (Python 3.11+): nothing here needs backtracking, and sre runs
    # about a fifth faster without the bookkeeping.
    ws = f"[{re.escape(BETWEEN_SEGMENTS)}]*+"
    rest = f"{d}[^{t}]*+{t}{ws}"  # the rest of a segment after its tag
    value = f"([^{c}{d}{t}]++)"  # one non-empty component
    return _Grammar(
        runs=re.compile(f"{t}{ws}(QTY{rest}(?:(?:QTY|DTM|STS){rest})*+)"),
        block=re.compile(
            f"{t}{ws}QTY{d}{value}{c}{value}(?:{c}{value})?+"
            f"{t}{ws}DTM{d}163{c}{value}{c}{value}"
            f"{t}{ws}DTM{d}164{c}{value}{c}{value}"
            f"(?:{t}{ws}(STS{d}[^{t}]*+))?+(?={t})"
        ),
    )


@dataclass(slots=True)
class _Reader:
    """State of one bulk read: scope, envelope segments and the text columns so far."""

    chars: ServiceChars
    restore: dict[int, str]
    scope: Scope = field(default_factory=Scope)
    others: list[Segment] = field(default_factory=list)  # for the structure check
    in_message: bool = False
    number: int = 0  # segments read so far
    columns: tuple[list[str], ...] = field(default_factory=lambda: tuple([] for _ in TEXT_COLUMNS))
    # The pending quantity of the per-segment loop: qualifier, value[, unit].
    qty: list[str] | None = None
    start: list[str] | None = None
    end: list[str] | None = None
    status: str = ""
    rows: list[tuple[str, ...]] = field(default_factory=list)

    def read(self, body: str) -> None:
        grammar = _grammar(self.chars)
        term = self.chars.terminator
        at = 0
        for run in grammar.runs.finditer(body):
            # Segments between the last run and this one; the last ends at run.start().
            self.segments(body[at : run.start()].split(term))
            begin, at = run.span(1)
            if not self.regular_run(grammar.block, body, run.start(), at):
                pieces = body[begin:at].split(term)
                pieces.pop()  # what follows the last terminator: spaces and line breaks
                self.segments(pieces)
        pieces = body[at:].split(term)
        if pieces.pop().strip(BETWEEN_SEGMENTS):
            raise _Irregular  # text after the last terminator
        self.segments(pieces)
        self.flush()

    def regular_run(self, block: re.Pattern[str], body: str, begin: int, end: int) -> bool:
        """Read the run in body[begin:end] (from the terminator before it) if it is regular."""
        scope = self.scope
        if not self.in_message or self.qty is not None or not scope.point or not scope.code:
            return False
        blocks = block.findall(body, begin, end)
        if not blocks:
            return False
        qualifier, value, unit, start, start_fmt, finish, finish_fmt, sts = zip(
            *blocks, strict=True
        )
        count = len(blocks)
        with_sts = count - sts.count("")
        # Blocks start at a terminator and end before one: if they did not cover the run
        # exactly, a skipped stretch would hold a terminator no block counted.
        if body.count(self.chars.terminator, begin, end) != 3 * count + with_sts + 1:
            return False
        self.flush()
        qualities = QUALITY_BY_QUALIFIER
        if with_sts:
            # STS segments repeat (the same status on many values): read each distinct one once.
            status = {segment: self.sts_quality(segment) for segment in set(sts)}
            quality = [
                status[segment] or qualities.get(q, "")
                for segment, q in zip(sts, qualifier, strict=True)
            ]
        else:
            quality = list(map(qualities.get, qualifier, repeat("", count)))
        if "" in quality:
            raise _Irregular  # an unknown qualifier: the generic path reports it
        default_unit = scope.unit or DEFAULT_UNIT
        if "" not in unit:
            units: Sequence[str] = unit
        elif any(unit):
            units = [u or default_unit for u in unit]
        else:
            units = [default_unit] * count
        texts: tuple[Sequence[str], ...] = (
            [scope.point] * count,
            [scope.code] * count,
            value,
            units,
            quality,
            start,
            start_fmt,
            finish,
            finish_fmt,
        )
        for column, values in zip(self.columns, texts, strict=True):
            column.extend(values)
        self.number += 3 * count + with_sts
        return True

    def sts_quality(self, segment: str) -> str:
        """The quality an STS segment (text without terminator) names, or ""."""
        elements = segment.split(self.chars.data)
        candidate = elements[2].split(self.chars.component)[0] if len(elements) > 2 else ""
        return candidate if candidate in STATUS_QUALITIES else ""

    def flush(self) -> None:
        """Move the rows of the per-segment loop into the columns."""
        self.end_quantity()
        if self.rows:
            for column, values in zip(self.columns, zip(*self.rows, strict=True), strict=True):
                column.extend(values)
            self.rows = []

    def end_quantity(self) -> None:
        qty, start, end, scope = self.qty, self.start, self.end, self.scope
        if qty is None:
            return
        if start is None or end is None:
            raise _Irregular
        quality = self.status or QUALITY_BY_QUALIFIER.get(qty[0])
        if quality is None:
            raise _Irregular
        self.rows.append(
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
            )
        )
        self.qty = None

    def segments(self, pieces: list[str]) -> None:
        """The per-segment loop: the envelope and scope segments, and irregular runs."""
        chars = self.chars
        comp, data = chars.component, chars.data
        for piece in pieces:
            self.number += 1
            if piece and piece[0] in BETWEEN_SEGMENTS:
                piece = piece.lstrip(BETWEEN_SEGMENTS)
            tag = piece[:3]
            if tag == "DTM" or tag == "QTY" or tag == "STS":
                if not self.in_message or piece[3:4] != data:
                    raise _Irregular
                if tag == "STS":
                    if self.qty is not None:
                        self.status = self.sts_quality(piece) or self.status
                    continue
                parts = piece[4:].split(comp)
                if data in piece[4:] or not parts[-1] or not all(parts[:2]):
                    raise _Irregular
                if tag == "QTY":
                    self.end_quantity()
                    if not 2 <= len(parts) <= 3 or not self.scope.point or not self.scope.code:
                        raise _Irregular
                    self.qty, self.start, self.end, self.status = parts, None, None, ""
                elif self.qty is not None and (parts[0] == "163" or parts[0] == "164"):
                    if len(parts) != 3:
                        raise _Irregular
                    if parts[0] == "163":
                        if self.start is not None:
                            raise _Irregular
                        self.start = parts
                    else:
                        if self.end is not None:
                            raise _Irregular
                        self.end = parts
                continue
            self.end_quantity()
            segment = piece_to_segment(piece, self.number, chars, self.restore)
            self.others.append(segment)
            if tag == "UNH":
                self.in_message = True
            elif tag == "UNT" or tag == "UNZ":
                self.in_message = False
            self.scope.enter(segment)


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
    body, restore = hide_released(body, chars)
    reader = _Reader(chars, restore)
    reader.read(body)
    if not check_structure(reader.others, chars, una).accepted:
        raise _Irregular
    if not reader.columns[0]:
        return empty_readings()
    frame = _typed(reader.columns, chars.decimal, restore)
    if not frame.get_column("_ok").all():
        raise _Irregular  # the generic path names the first bad row
    return _readings(frame)
