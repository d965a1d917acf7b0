"""PostgreSQL's binary COPY format, written from a polars frame column-wise (numpy, no Python
object per value).

    for block in binary_copy_blocks(frame, {"key": TEXT, "start": TIMESTAMPTZ, ...}):
        copy.write(block)                  # COPY t (...) FROM STDIN (FORMAT binary)

Why: the database parses CSV text into timestamptz and numeric for every row, which was about
a third of its CPU time in a series load (bench/series_load.py, docs/series.md); binary values
need no parsing. psycopg's own binary rows (`Copy.write_row`) build each row in Python, which
cost more on the client than the database saved, hence this encoder.

The format (PostgreSQL docs, "COPY", Binary Format): a signature and two int32 header fields,
then per row an int16 field count and per field an int32 byte length (-1: NULL) and the value's
binary form, then an int16 -1. The rows of a group whose text fields have the same byte lengths
all have the same layout, so each group is one 2-D uint8 array filled a column slice at a time;
the order of rows in a COPY does not matter to a table.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import Enum

import numpy as np
import polars as pl

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
#: Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 00:00 UTC).
_PG_EPOCH_US = 946_684_800 * 1_000_000
#: numeric(18, 6) as 5 base-10000 digits: weight 2 (10^8 .. 10^-8); PostgreSQL strips the
#: leading and trailing zero digits itself (numeric_recv -> make_result).
_NUMERIC_DIGITS = 5
_NUMERIC_SCALE = 6
_NUMERIC_NEG = 0x4000


class FieldType(Enum):
    TEXT = "text"  # varchar / text: UTF-8 bytes; NULL allowed
    TIMESTAMPTZ = "timestamptz"  # a UTC Datetime("us")
    NUMERIC = "numeric"  # a Decimal of scale <= 6 whose integer part has at most 12 digits
    INT4 = "int4"


TEXT, TIMESTAMPTZ, NUMERIC, INT4 = FieldType
_FIXED_SIZE = {TIMESTAMPTZ: 8, NUMERIC: 8 + 2 * _NUMERIC_DIGITS, INT4: 4}


def binary_copy_blocks(
    frame: pl.DataFrame, fields: Mapping[str, FieldType], *, rows_per_block: int = 250_000
) -> Iterator[bytes | memoryview]:
    """The COPY data of `frame`'s columns `fields` (in that order), in the frame's row order:
    the signature, blocks of rows, the trailer. The connection's client encoding must be
    UTF-8 (the text bytes are sent as they are).

    The order matters to the database when the frame is sorted by the table's primary key
    (measured: the same rows as two groups each sorted on their own cost it 20 % more), so
    the groups' rows are put back in order as runs: slices of consecutive rows of one group."""
    yield SIGNATURE
    texts = [name for name, kind in fields.items() if kind is TEXT]
    for start in range(0, frame.height, rows_per_block):
        yield _block(frame.slice(start, rows_per_block).select(list(fields)), fields, texts)
    yield TRAILER


def _block(
    rows: pl.DataFrame, fields: Mapping[str, FieldType], texts: list[str]
) -> bytes | memoryview:
    if not texts:
        return _rows(rows, fields, {}).data
    lengths = rows.select(
        pl.col(name).str.len_bytes().cast(pl.Int64).fill_null(-1) for name in texts
    )
    group, starts = _groups(lengths)
    encoded: list[memoryview] = []
    sizes: list[int] = []
    position = np.empty(len(group), dtype=np.int64)  # each row's index within its group
    for g in range(int(group.max()) + 1):
        members = np.flatnonzero(group == g)
        position[members] = np.arange(len(members))
        first = int(members[0])
        known = {name: int(lengths[name][first]) for name in texts}
        data = _rows(rows if len(members) == len(group) else rows[members], fields, known)
        encoded.append(data.data)
        sizes.append(data.shape[1])
    if len(encoded) == 1:
        return encoded[0].cast("B")
    # Runs of consecutive rows of one group are consecutive in that group's bytes too.
    ends = np.append(starts[1:], len(group))
    parts = []
    for begin, end in zip(starts.tolist(), ends.tolist(), strict=True):
        g = int(group[begin])
        flat, size = encoded[g].cast("B"), sizes[g]
        parts.append(flat[int(position[begin]) * size : int(position[end - 1] + 1) * size])
    return b"".join(parts)


def _groups(lengths: pl.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each row's group (one per combination of text lengths, numbered from 0) and the first
    row of each run of one group."""
    if lengths.width <= 6 and lengths.select(pl.max_horizontal(pl.all().max())).item() < 1022:
        # The lengths (+1 for NULL's -1) as digits of one integer, base 1024.
        signature = lengths.select(
            pl.sum_horizontal((pl.col(c) + 1) * 1024**i for i, c in enumerate(lengths.columns))
        )
    else:
        signature = lengths.select(pl.struct(lengths.columns).rank("dense").cast(pl.Int64))
    values = signature.to_series().to_numpy()
    starts = np.concatenate(([0], np.flatnonzero(np.diff(values)) + 1))
    _, run_group = np.unique(values[starts], return_inverse=True)
    group = np.repeat(run_group, np.diff(np.append(starts, len(values))))
    return group, starts


def _rows(
    group: pl.DataFrame, fields: Mapping[str, FieldType], text_lengths: Mapping[str, int]
) -> np.ndarray:
    """Rows whose text fields have the byte lengths `text_lengths` (-1: NULL), one layout:
    an (n, row size) uint8 array."""
    n = group.height
    sizes = [
        4 + (max(text_lengths[name], 0) if kind is TEXT else _FIXED_SIZE[kind])
        for name, kind in fields.items()
    ]
    # Columns with one value (the tenant, the series, the load's time) are encoded once.
    constant = group.select(
        ((pl.col(name) == pl.col(name).first()).all() & (pl.col(name).null_count() == 0))
        for name in fields
    ).row(0)
    # One template row holds the field count, every length and the constant values; the
    # other columns are then written over it (a few wide copies instead of one per field).
    template = np.zeros(2 + sum(sizes), dtype=np.uint8)
    template[0:2] = np.frombuffer(np.array([len(fields)], dtype=">i2").tobytes(), np.uint8)
    varying: list[tuple[str, FieldType, int, int]] = []
    at = 2
    for (name, kind), size, same in zip(fields.items(), sizes, constant, strict=True):
        length = text_lengths[name] if kind is TEXT else size - 4
        template[at : at + 4] = np.frombuffer(np.array([length], ">i4").tobytes(), np.uint8)
        at += 4
        if length > 0:
            if same:
                template[at : at + length] = _values(group[name].head(1), kind, length)[0]
            else:
                varying.append((name, kind, at, length))
            at += length
    out = np.empty((n, len(template)), dtype=np.uint8)
    out[:] = template
    for name, kind, at, length in varying:
        out[:, at : at + length] = _values(group[name], kind, length)
    return out


def _values(column: pl.Series, kind: FieldType, length: int) -> np.ndarray:
    """The column's binary values as an (n, length) uint8 array."""
    n = column.len()
    if kind is TEXT:
        data = column.str.join("").item().encode("utf-8")
        return np.frombuffer(data, dtype=np.uint8).reshape(n, length)
    if kind is TIMESTAMPTZ:
        micros = column.dt.convert_time_zone("UTC").dt.epoch("us").to_numpy() - _PG_EPOCH_US
        return micros.astype(">i8").view(np.uint8).reshape(n, length)
    if kind is INT4:
        return column.cast(pl.Int32).to_numpy().astype(">i4").view(np.uint8).reshape(n, length)
    return _numeric(column).view(np.uint8).reshape(n, length)


def _numeric(column: pl.Series) -> np.ndarray:
    """numeric binary form of each value: ndigits, weight, sign, dscale, 5 digits (int16s)."""
    scaled = (column.cast(pl.Decimal(38, _NUMERIC_SCALE)) * 10**_NUMERIC_SCALE).cast(pl.Int64)
    values = scaled.to_numpy()
    magnitude = np.abs(values)
    whole, fraction = np.divmod(magnitude, 10**_NUMERIC_SCALE)
    words = np.empty((len(values), 4 + _NUMERIC_DIGITS), dtype=">i2")
    words[:, 0] = _NUMERIC_DIGITS
    words[:, 1] = 2  # weight: the first digit counts 10000^2
    words[:, 2] = np.where(values < 0, _NUMERIC_NEG, 0)
    words[:, 3] = _NUMERIC_SCALE
    words[:, 4] = whole // 10**8
    words[:, 5] = (whole // 10**4) % 10**4
    words[:, 6] = whole % 10**4
    words[:, 7] = fraction // 100
    words[:, 8] = (fraction % 100) * 100
    return words
