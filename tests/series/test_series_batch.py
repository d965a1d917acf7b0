"""Batch loads: several sources in one load store what loading them one by one would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import polars as pl
import pytest
from series_frames import G01, MP1, MP2, readings

from meshkit.runtime.series import SeriesError, SeriesInputError, SeriesStore

T = "tenant-b"
JAN = datetime(2026, 1, 10, tzinfo=UTC)
END = JAN + timedelta(days=1)


def _state(store: SeriesStore) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Current values and the full history (without the time stamps) of both points."""
    current = store.read("energy", None, None, JAN, END, tenant=T)
    history = store.history("energy", None, None, JAN, END, tenant=T)
    columns = ["key", "code", "start", "value", "quality", "source", "revision"]
    return (
        current.select(columns).sort("key", "code", "start").rows(),
        history.select([*columns, "current"]).rows(),
    )


def _parts() -> list[tuple[str, pl.DataFrame]]:
    return [
        ("M1", readings(JAN, ["1", "2", "3"])),
        ("M2", readings(JAN, ["5", "6"], metering_point=MP2)),
        ("M3", readings(JAN + timedelta(minutes=15), ["2.5", "3"], quality=["L2", "L1"])),
        ("M4", readings(JAN + timedelta(minutes=15), ["2.75"])),
    ]


def test_series_batch_equals_loading_each_part_in_turn(
    store: SeriesStore, database_url: str
) -> None:
    """M3 and M4 correct M1's second interval within the same batch: M4 wins, M1 and M3 move
    to the history with their sources, M3's unchanged third value is no revision."""
    store.write_readings(readings(JAN, ["0.5"], metering_point=MP2), tenant=T, source="M0")
    result = store.write_readings_batch(_parts(), tenant=T)
    assert (result.inserted, result.replaced, result.unchanged) == (4, 3, 1)
    batched = _state(store)

    from meshkit.runtime import create_engine

    engine = create_engine(database_url)
    other = SeriesStore(engine, store.model)
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM meshkit_series_value")
        connection.exec_driver_sql("DELETE FROM meshkit_series_history")
    other.write_readings(readings(JAN, ["0.5"], metering_point=MP2), tenant=T, source="M0")
    for source, frame in _parts():
        other.write_readings(frame, tenant=T, source=source)
    engine.dispose()
    assert _state(store) == batched  # the batch left what the single loads leave

    current, history = batched
    values = {(row[0], row[2]): (row[3], row[5], row[6]) for row in current}
    second = JAN + timedelta(minutes=15)
    assert values[(MP1, second)] == (Decimal("2.75"), "M4", 3)
    assert values[(MP1, JAN + timedelta(minutes=30))] == (Decimal(3), "M1", 1)
    assert values[(MP2, JAN)] == (Decimal(5), "M2", 2)
    revisions = [(r[5], r[4], r[7]) for r in history if r[0] == MP1 and r[2] == second]
    assert revisions == [("M1", "L1", False), ("M3", "L2", False), ("M4", "L1", True)]


def test_series_batch_reload_changes_nothing(store: SeriesStore) -> None:
    store.write_readings_batch(_parts(), tenant=T)
    before = _state(store)
    again = store.write_readings_batch(_parts(), tenant=T)
    assert again.inserted == again.replaced == 0
    assert _state(store) == before


def test_series_batch_error_names_the_source(store: SeriesStore) -> None:
    bad = readings(JAN, ["1"], meter_code="1-1:9.9.9 X.99")
    with pytest.raises(SeriesInputError, match=r"part 2 \(source M-BAD\).*unknown code"):
        store.write_readings_batch([("M1", readings(JAN, ["1"])), ("M-BAD", bad)], tenant=T)
    assert store.read("energy", None, None, JAN, END, tenant=T).is_empty()  # nothing loaded
    good = ("M1", readings(JAN, ["1"]))
    assert store.bad_readings([good, good]) == {}
    found = store.bad_readings([good, ("M-BAD", bad), good])
    assert list(found) == [1] and "unknown code" in str(found[1])
    with pytest.raises(SeriesError, match="source"):
        store.write_readings_batch([("", readings(JAN, ["1"]))], tenant=T)


def test_series_batch_of_nothing_loads_nothing(store: SeriesStore) -> None:
    result = store.write_readings_batch([], tenant=T)
    assert result.rows == 0
    first = store.write_batch(
        [
            (
                "G1",
                pl.DataFrame(
                    {"key": [MP1], "code": [G01], "start": [JAN], "value": [Decimal(1)]},
                    schema={
                        "key": pl.String(),
                        "code": pl.String(),
                        "start": pl.Datetime("us", "UTC"),
                        "value": pl.Decimal(18, 6),
                    },
                ).with_columns(pl.lit("L1").alias("quality")),
            )
        ],
        series="energy",
        tenant=T,
    )
    assert first.inserted == 1
