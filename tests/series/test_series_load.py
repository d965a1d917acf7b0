"""Loading values: exact round trips, monthly partitions, revisions, idempotence, tenants."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import polars as pl
import sqlalchemy as sa
from series_frames import G01, G01T, MP1, MP2, VIENNA, readings

from meshkit.runtime.database import is_postgresql
from meshkit.runtime.series import HISTORY_TABLE, VALUE_TABLE, SeriesStore

T = "tenant-a"
JAN = datetime(2026, 1, 10, tzinfo=UTC)


def test_series_round_trip_keeps_exact_decimals(store: SeriesStore) -> None:
    values = ["0.000001", "123456789012.345678", "1.1", "0", "2.500000", "-0.25"]
    result = store.write_readings(readings(JAN, values), tenant=T, source="MSG-1")
    assert (result.inserted, result.replaced, result.unchanged) == (6, 0, 0)

    frame = store.read("energy", [MP1], [G01], JAN, datetime(2026, 1, 11, tzinfo=UTC), tenant=T)
    assert frame.columns == [
        "key", "code", "start", "end", "value", "quality", "source", "recorded_at", "revision"
    ]  # fmt: skip
    assert frame["value"].to_list() == [Decimal(v) for v in values]
    assert frame.schema["value"] == pl.Decimal(18, 6)
    assert frame["start"].dt.convert_time_zone("UTC").to_list()[0] == JAN
    assert frame.schema["start"] == pl.Datetime("us", "Europe/Vienna")
    assert (frame["end"] - frame["start"]).dt.total_minutes().to_list() == [15] * 6
    assert set(frame["source"]) == {"MSG-1"} and set(frame["revision"]) == {1}
    assert set(frame["quality"]) == {"L1"}


def test_series_read_filters_by_keys_codes_and_range(store: SeriesStore) -> None:
    frame = pl.concat(
        [
            readings(JAN, [1, 2, 3, 4]),
            readings(JAN, [5, 6, 7, 8], meter_code=G01T),
            readings(JAN, [9, 10, 11, 12], metering_point=MP2),
        ]
    )
    store.write_readings(frame, tenant=T, source="MSG-1")
    end = datetime(2026, 1, 11, tzinfo=UTC)
    assert len(store.read("energy", None, None, JAN, end, tenant=T)) == 12
    assert store.read("energy", MP2, None, JAN, end, tenant=T)["value"].sum() == Decimal(42)
    only = store.read("energy", [MP1], [G01T], JAN, end, tenant=T)
    assert only["value"].to_list() == [Decimal(v) for v in (5, 6, 7, 8)]
    window = store.read(
        "energy", [MP1], [G01], JAN.replace(minute=15), JAN.replace(minute=45), tenant=T
    )
    assert window["value"].to_list() == [Decimal(2), Decimal(3)]
    assert store.read("energy", [], None, JAN, end, tenant=T).is_empty()


def test_series_load_spanning_two_months_creates_partitions(store: SeriesStore) -> None:
    # 2026-01-31 23:00 .. 2026-02-01 01:00 UTC: partitions are UTC months, so this spans two.
    start = datetime(2026, 1, 31, 23, 0, tzinfo=UTC)
    result = store.write_readings(readings(start, [1] * 8), tenant=T, source="MSG-1")
    assert result.inserted == 8
    if not is_postgresql(store.engine):
        assert result.partitions_created == () and store.partitions() == []
        return
    assert set(result.partitions_created) == {
        f"{t}_y2026m{m:02d}" for t in (VALUE_TABLE, HISTORY_TABLE) for m in (1, 2)
    }
    with store.engine.connect() as conn:
        partitioned = conn.execute(
            sa.text(
                "SELECT c.relname, p.partstrat FROM pg_partitioned_table p "
                "JOIN pg_class c ON c.oid = p.partrelid "
                "WHERE c.oid IN (CAST(:v AS regclass), CAST(:h AS regclass))"
            ),
            {"v": VALUE_TABLE, "h": HISTORY_TABLE},
        ).all()
        assert sorted(partitioned) == [(HISTORY_TABLE, "r"), (VALUE_TABLE, "r")]
        children = dict(
            conn.execute(
                sa.text(
                    "SELECT c.relname, count(*) OVER () FROM pg_inherits i "
                    "JOIN pg_class c ON c.oid = i.inhrelid "
                    "WHERE i.inhparent = CAST(:v AS regclass)"
                ),
                {"v": VALUE_TABLE},
            ).all()
        )
        assert set(children) == {f"{VALUE_TABLE}_y2026m01", f"{VALUE_TABLE}_y2026m02"}
        per_partition = dict(
            conn.execute(
                sa.text(f"SELECT tableoid::regclass::text, count(*) FROM {VALUE_TABLE} GROUP BY 1")
            ).all()
        )
    assert per_partition == {f"{VALUE_TABLE}_y2026m01": 4, f"{VALUE_TABLE}_y2026m02": 4}
    assert store.partitions() == sorted(children)
    again = store.write_readings(readings(start, [2] * 8), tenant=T, source="MSG-2")
    assert again.partitions_created == () and again.replaced == 8


def test_series_replaced_value_keeps_history_and_current_wins(store: SeriesStore) -> None:
    store.write_readings(readings(JAN, ["1.5", "2.5"]), tenant=T, source="MSG-1")
    result = store.write_readings(
        readings(JAN, ["1.5", "2.75"], quality=["L1", "L1"]), tenant=T, source="MSG-2"
    )
    assert (result.inserted, result.replaced, result.unchanged) == (0, 1, 1)
    third = store.write_readings(readings(JAN.replace(minute=15), ["3"]), tenant=T, source="MSG-3")
    assert third.replaced == 1

    end = datetime(2026, 1, 11, tzinfo=UTC)
    current = store.read("energy", [MP1], [G01], JAN, end, tenant=T)
    assert current["value"].to_list() == [Decimal("1.5"), Decimal(3)]
    assert current["source"].to_list() == ["MSG-1", "MSG-3"]
    assert current["revision"].to_list() == [1, 3]

    history = store.history("energy", MP1, G01, JAN.replace(minute=15), tenant=T)
    assert history["revision"].to_list() == [1, 2, 3]
    assert history["value"].to_list() == [Decimal("2.5"), Decimal("2.75"), Decimal(3)]
    assert history["source"].to_list() == ["MSG-1", "MSG-2", "MSG-3"]
    assert history["current"].to_list() == [False, False, True]
    assert history["superseded_at"].null_count() == 1
    recorded = history["recorded_at"].to_list()
    superseded = history["superseded_at"].to_list()
    assert recorded[0] <= superseded[0] == recorded[1] <= superseded[1] == recorded[2]
    untouched = store.history("energy", MP1, G01, JAN, tenant=T)
    assert untouched["revision"].to_list() == [1] and untouched["current"].to_list() == [True]


def test_series_quality_change_alone_is_a_revision(store: SeriesStore) -> None:
    store.write_readings(readings(JAN, ["4"], quality="L2"), tenant=T, source="MSG-1")
    result = store.write_readings(readings(JAN, ["4.000"], quality="L1"), tenant=T, source="MSG-2")
    assert result.replaced == 1
    history = store.history("energy", MP1, G01, JAN, tenant=T)
    assert history["quality"].to_list() == ["L2", "L1"]


def test_series_reload_is_idempotent(store: SeriesStore) -> None:
    frame = readings(JAN, ["1.25", "2", "3"])
    first = store.write_readings(frame, tenant=T, source="MSG-1")
    again = store.write_readings(frame, tenant=T, source="MSG-1")
    assert (again.inserted, again.replaced, again.unchanged) == (0, 0, 3)
    # The same values resent in a new message are not a revision either.
    resent = store.write_readings(frame, tenant=T, source="MSG-9")
    assert (resent.inserted, resent.replaced, resent.unchanged) == (0, 0, 3)
    assert first.inserted == 3
    stored = store.history("energy", MP1, G01, JAN, datetime(2026, 2, 1, tzinfo=UTC), tenant=T)
    assert stored["revision"].to_list() == [1, 1, 1]
    assert set(stored["source"]) == {"MSG-1"}


def test_series_replaying_an_old_message_does_not_undo_a_correction(store: SeriesStore) -> None:
    original = readings(JAN, ["1", "2"])
    store.write_readings(original, tenant=T, source="MSG-1")
    store.write_readings(readings(JAN, ["1", "2.2"]), tenant=T, source="MSG-2")
    replay = store.write_readings(original, tenant=T, source="MSG-1")
    assert (replay.inserted, replay.replaced, replay.unchanged) == (0, 0, 2)
    values = store.read("energy", [MP1], [G01], JAN, JAN.replace(hour=1), tenant=T)["value"]
    assert values.to_list() == [Decimal(1), Decimal("2.2")]
    # A new message going back to the first value is a genuine change.
    back = store.write_readings(readings(JAN, ["1", "2"]), tenant=T, source="MSG-3")
    assert back.replaced == 1


def test_series_tenants_are_isolated(store: SeriesStore) -> None:
    store.write_readings(readings(JAN, ["1", "2"]), tenant="a", source="MSG-1")
    store.write_readings(readings(JAN, ["7", "8"]), tenant="b", source="MSG-1")
    end = datetime(2026, 1, 11, tzinfo=UTC)
    a = store.read("energy", None, None, JAN, end, tenant="a")
    b = store.read("energy", None, None, JAN, end, tenant="b")
    assert a["value"].to_list() == [Decimal(1), Decimal(2)]
    assert b["value"].to_list() == [Decimal(7), Decimal(8)]
    # A change in one tenant is no revision in the other.
    changed = store.write_readings(readings(JAN, ["1", "3"]), tenant="a", source="MSG-2")
    assert changed.replaced == 1
    assert store.history("energy", MP1, G01, JAN, end, tenant="b")["revision"].to_list() == [1, 1]
    assert store.read("energy", None, None, JAN, end, "P1D", tenant="c").is_empty()
    daily = store.read("energy", None, None, JAN, end, "P1D", tenant="b")
    assert daily["value"].to_list() == [Decimal(15)]


def test_series_load_joins_the_callers_transaction(store: SeriesStore) -> None:
    end = datetime(2026, 1, 11, tzinfo=UTC)
    with store.engine.connect() as conn:
        conn.begin()
        store.write_readings(readings(JAN, ["1"]), tenant=T, source="MSG-1", connection=conn)
        assert len(store.read("energy", None, None, JAN, end, tenant=T, connection=conn)) == 1
        conn.rollback()
    assert store.read("energy", None, None, JAN, end, tenant=T).is_empty()


def test_series_generic_write_and_series_references(store: SeriesStore) -> None:
    frame = pl.DataFrame(
        {
            "key": [MP1],
            "code": [G01],
            "start": [datetime(2026, 1, 10, 1, tzinfo=VIENNA)],
            "value": [Decimal("0.5")],
            "quality": ["L2"],
        }
    ).with_columns(pl.col("start").dt.convert_time_zone("Europe/Vienna"))
    result = store.write(frame, series="MeteringPoint.energy", tenant=T, source="manual")
    assert result.inserted == 1
    qid, _ = store.series("energy_community/MeteringPoint.energy")
    assert store.series("energy")[0] == qid == "energy_community/MeteringPoint.energy"
    read = store.read(qid, None, None, JAN, datetime(2026, 1, 11, tzinfo=UTC), tenant=T)
    assert read["start"].dt.convert_time_zone("UTC").to_list() == [JAN]


def test_series_load_mixing_new_and_stored_intervals(store: SeriesStore) -> None:
    store.write_readings(readings(JAN, ["1", "2"]), tenant=T, source="MSG-1")
    result = store.write_readings(readings(JAN, ["1", "2.5", "3", "4"]), tenant=T, source="MSG-2")
    assert (result.inserted, result.replaced, result.unchanged) == (2, 1, 1)
    read = store.read("energy", [MP1], [G01], JAN, JAN.replace(hour=1), tenant=T)
    assert read["value"].to_list() == [Decimal(v) for v in ("1", "2.5", "3", "4")]
    assert read["revision"].to_list() == [1, 2, 1, 1]
    assert read["source"].to_list() == ["MSG-1", "MSG-2", "MSG-2", "MSG-2"]
