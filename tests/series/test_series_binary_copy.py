"""PostgreSQL binary COPY data written column-wise: every value, NULL and row order exact
(decoded here by a reader written from the format's description), and exact through the store."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import polars as pl
import pytest
from series_frames import G01, G01T, MP1, readings

from meshkit.ck.model import CompiledModel
from meshkit.runtime import create_engine
from meshkit.runtime.series import SeriesStore
from meshkit.runtime.series.binary_copy import (
    INT4,
    NUMERIC,
    SIGNATURE,
    TEXT,
    TIMESTAMPTZ,
    binary_copy_blocks,
)

PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
SERIES = "energy_community/MeteringPoint.energy"
EXTREMES = [
    "999999999999.999999",
    "-999999999999.999999",
    "-0.000001",
    "0",
    "0.5",
    "12.3456",
    "100000000",
    "-7",
]


def _numeric(data: bytes) -> Decimal:
    ndigits, weight, sign, dscale = struct.unpack(">hhHh", data[:8])
    digits = struct.unpack(f">{ndigits}h", data[8 : 8 + 2 * ndigits])
    value = sum(Decimal(d) * Decimal(10000) ** (weight - i) for i, d in enumerate(digits))
    value = value.quantize(Decimal(1).scaleb(-dscale))
    return -value if sign == 0x4000 else value


def _decode(data: bytes, kinds: list[str]) -> list[tuple[object, ...]]:
    """The rows of binary COPY data (PostgreSQL docs, COPY, "Binary Format")."""
    assert data.startswith(SIGNATURE) and data.endswith(b"\xff\xff")
    at, rows = len(SIGNATURE), []
    while True:
        (count,) = struct.unpack(">h", data[at : at + 2])
        at += 2
        if count == -1:
            assert at == len(data)
            return rows
        assert count == len(kinds)
        row: list[object] = []
        for kind in kinds:
            (length,) = struct.unpack(">i", data[at : at + 4])
            at += 4
            if length == -1:
                row.append(None)
                continue
            raw = data[at : at + length]
            at += length
            if kind == "text":
                row.append(raw.decode("utf-8"))
            elif kind == "timestamptz":
                row.append(PG_EPOCH + timedelta(microseconds=struct.unpack(">q", raw)[0]))
            elif kind == "int4":
                row.append(struct.unpack(">i", raw)[0])
            else:
                row.append(_numeric(raw))
        rows.append(tuple(row))


def test_rows_come_out_exact_and_in_order() -> None:
    n = len(EXTREMES) * 3
    start = datetime(2026, 10, 25, 0, 45, tzinfo=UTC)
    frame = pl.DataFrame(
        {
            # Text lengths change from row to row (runs of layouts, interleaved), some bytes
            # are multi-byte UTF-8, quality is sometimes NULL or empty, tenant is constant.
            "tenant": ["t1"] * n,
            "key": [["Zählpunkt-1", "k2", "AT003/ß"][i % 3] for i in range(n)],
            "code": [[G01, G01T][(i // 2) % 2] for i in range(n)],
            "start": [start + timedelta(minutes=15 * i) for i in range(n)],
            "value": [Decimal(v) for v in EXTREMES * 3],
            "quality": [["L1", None, "", "L22"][i % 4] for i in range(n)],
            "revision": list(range(n)),
        },
        schema_overrides={"value": pl.Decimal(18, 6), "revision": pl.Int32()},
    )
    fields = {
        "tenant": TEXT,
        "key": TEXT,
        "code": TEXT,
        "start": TIMESTAMPTZ,
        "value": NUMERIC,
        "quality": TEXT,
        "revision": INT4,
    }
    for block_rows in (250_000, 5):  # one block, and blocks cutting through the runs
        data = b"".join(
            bytes(b) for b in binary_copy_blocks(frame, fields, rows_per_block=block_rows)
        )
        decoded = _decode(data, [kind.value for kind in fields.values()])
        assert decoded == frame.rows()


def test_an_empty_frame_is_the_signature_and_the_trailer() -> None:
    frame = pl.DataFrame(schema={"key": pl.String(), "value": pl.Decimal(18, 6)})
    data = b"".join(bytes(b) for b in binary_copy_blocks(frame, {"key": TEXT, "value": NUMERIC}))
    assert _decode(data, ["text", "numeric"]) == []


def test_the_store_keeps_every_value_exactly(store: SeriesStore) -> None:
    """Loads through COPY on PostgreSQL (new values and, the second time, staging and merge)."""
    start = datetime(2026, 3, 29, 0, 0, tzinfo=UTC)  # the spring DST day in Vienna
    first = pl.concat(
        [
            readings(start, EXTREMES, meter_code=G01),
            readings(start, EXTREMES[::-1], meter_code=G01T, quality="L2"),
            readings(
                start, EXTREMES, metering_point="AT00300000000000000000000000ÄÖÜ", quality="L3"
            ),
        ]
    )
    store.write_readings(first, tenant="t1", source="MSG-1", series=SERIES)
    changed = readings(start, ["1.000001", *EXTREMES[1:]], meter_code=G01)
    result = store.write_readings(changed, tenant="t1", source="MSG-2", series=SERIES)
    assert (result.inserted, result.replaced, result.unchanged) == (0, 1, len(EXTREMES) - 1)
    end = start + timedelta(hours=3)
    stored = store.read(SERIES, None, None, start, end, tz="UTC", tenant="t1")
    expected = {
        (MP1, G01): ["1.000001", *EXTREMES[1:]],
        (MP1, G01T): EXTREMES[::-1],
        ("AT00300000000000000000000000ÄÖÜ", G01): EXTREMES,
    }
    for (key, code), values in expected.items():
        rows = stored.filter(pl.col("key") == key, pl.col("code") == code).sort("start")
        assert rows["value"].to_list() == [Decimal(v) for v in values], (key, code)
        assert rows["start"].dt.convert_time_zone("UTC").to_list() == [
            start + timedelta(minutes=15 * i) for i in range(len(values))
        ]
    assert stored.filter(pl.col("code") == G01T)["quality"].unique().to_list() == ["L2"]
    history = store.history(SERIES, MP1, G01, start, tz="UTC", tenant="t1")
    assert history["value"].to_list() == [Decimal(EXTREMES[0]), Decimal("1.000001")]
    assert history["source"].to_list() == ["MSG-1", "MSG-2"]


@pytest.mark.parametrize("value", ["1000000000000", "0.0000001"])
def test_values_outside_numeric_18_6_never_reach_the_copy(store: SeriesStore, value: str) -> None:
    start = datetime(2026, 3, 2, tzinfo=UTC)
    frame = readings(start, ["1"]).with_columns(
        pl.lit(Decimal(value), pl.Decimal(38, 7)).alias("value")
    )
    with pytest.raises(ValueError, match="Decimal"):
        store.write_readings(frame, tenant="t1", source="MSG-X", series=SERIES)


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_a_connection_in_another_client_encoding_stores_the_text_as_it_was(
    database_url: str, energy_model: CompiledModel
) -> None:
    """COPY data goes to the server as bytes in the client encoding: a LATIN1 connection
    switches to UTF-8 for the COPY, so the umlauts arrive as they were (and a second load of
    the key finds the first one's values instead of colliding with a garbled key)."""
    engine = create_engine(database_url + "%20-cclient_encoding%3DLATIN1")
    try:
        store = SeriesStore(engine, energy_model)
        store.create_tables()
        start = datetime(2026, 3, 2, tzinfo=UTC)
        point = "AT00300000000000000000000000ÄÖÜ"
        first = readings(start, ["1.5", "2"], metering_point=point)
        store.write_readings(first, tenant="t1", source="MSG-Ä", series=SERIES)
        second = readings(start, ["1.25", "2"], metering_point=point)
        store.write_readings(second, tenant="t1", source="MSG-Ö", series=SERIES)  # merged
        stored = store.read(SERIES, [point], None, start, start + timedelta(hours=1), tenant="t1")
        assert stored.select("key", "value", "source").rows() == [
            (point, Decimal("1.25"), "MSG-Ö"),
            (point, Decimal(2), "MSG-Ä"),
        ]
    finally:
        engine.dispose()
