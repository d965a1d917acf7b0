"""Energy data in batches: the fast reader equals the codec; a bad message is quarantined alone;
a later message of the same batch replaces the value and keeps the history."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from eda_processing_support import (
    CONSUMED,
    COVERED,
    EEG,
    POINT,
    TENANT,
    VIENNA,
    World,
    daten_crmsg,
    fake_point,
    xsd_dir,
)

from meshkit.adapters.eda.processing import process_pending, series_key, store_inbound
from meshkit.adapters.eda.processing import tables as t
from meshkit.adapters.eda.processing.fast_record import read_energy
from meshkit.adapters.eda.xml import ConsumptionRecord, consumption_record_readings, read_document

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "eda" / "samples"
needs_xsd = pytest.mark.skipif(xsd_dir() is None, reason="no EDA XSD folder")


def _codec(payload: bytes) -> tuple[ConsumptionRecord, object]:
    record = read_document(payload, xsd_dir=xsd_dir())
    assert isinstance(record, ConsumptionRecord)
    return record, consumption_record_readings(record)


@needs_xsd
@pytest.mark.parametrize(
    ("day", "value"),
    [
        (date(2026, 3, 2), "0.125"),
        (date(2026, 3, 29), "9999999999.999999"),
        (date(2026, 10, 25), "-1.000001"),
    ],
)
def test_fast_reader_reads_what_the_codec_reads(day: date, value: str) -> None:
    payload = daten_crmsg("F1", day=day, codes=(CONSUMED, COVERED), value=value, quality="L2")
    found = read_energy(payload, xsd_dir=xsd_dir())
    assert found is not None
    shell, readings = found
    record, expected = _codec(payload)
    assert readings.equals(expected)  # type: ignore[arg-type]
    assert readings.height == 2 * {29: 92, 25: 100}.get(day.day, 96)
    assert (shell.header, shell.process_date, shell.metering_point, shell.ec_id) == (
        record.header,
        record.process_date,
        record.metering_point,
        record.ec_id,
    )
    assert [e.number_of_intervals for e in shell.energy] == [
        e.number_of_intervals for e in record.energy
    ]


@needs_xsd
def test_fast_reader_reads_the_real_samples_like_the_codec() -> None:
    files = sorted((SAMPLES / "consumptionrecord").rglob("*.xml"))
    if not files:
        pytest.skip("no ConsumptionRecord samples")
    for path in files:
        payload = path.read_bytes()
        found = read_energy(payload, xsd_dir=xsd_dir())
        assert found is not None, path.name
        assert found[1].equals(_codec(payload)[1]), path.name  # type: ignore[arg-type]
    quarter = read_energy(
        (
            SAMPLES / "consumptionrecord" / "_01p41" / "consumptionrecord_quater-hourly.xml"
        ).read_bytes(),
        xsd_dir=xsd_dir(),
    )
    assert quarter is not None and quarter[1].height == 96


@needs_xsd
def test_fast_reader_leaves_the_unusual_to_the_codec() -> None:
    payload = daten_crmsg("F2", intervals=2)
    no_end = re.sub(rb"<(\w+:)?DTT>[^<]*</(\w+:)?DTT>", b"", payload)  # DTT is optional
    assert read_energy(no_end, xsd_dir=xsd_dir()) is None
    seven = daten_crmsg("F3", intervals=2, value="1.0000001")
    assert read_energy(seven, xsd_dir=xsd_dir()) is None
    assert read_energy(b"<not-xml", xsd_dir=xsd_dir()) is None
    assert read_energy(payload.replace(b"MeteringPoint>", b"Bogus>"), xsd_dir=xsd_dir()) is None


def test_a_bad_message_is_quarantined_without_failing_the_batch(world: World) -> None:
    store_inbound(world.ctx, daten_crmsg("G1", point=fake_point(1), intervals=4))
    bad = daten_crmsg("G2", point=fake_point(2), intervals=4, codes=("1-1:9.9.9 X.99",))
    store_inbound(world.ctx, bad)
    store_inbound(
        world.ctx, daten_crmsg("G3", point=fake_point(3), intervals=4, receiver="RC999999")
    )
    store_inbound(world.ctx, daten_crmsg("G4", point=fake_point(4), intervals=4))
    report = process_pending(world.ctx)
    assert (report.processed, report.quarantined) == (2, 2)
    with world.repository.engine.connect() as connection:
        states = dict(
            connection.execute(
                sa.select(t.work.c.message_id, t.work.c.state).where(
                    t.work.c.tenant == TENANT, t.work.c.direction == "inbound"
                )
            ).all()
        )
        sources = connection.execute(
            sa.text("SELECT source, count(*) FROM meshkit_series_value GROUP BY source")
        ).all()
    assert states == {"G1": "done", "G2": "quarantined", "G3": "quarantined", "G4": "done"}
    assert dict(sources) == {"G1": 4, "G4": 4}
    with world.ctx.unit_of_work() as uow:
        reasons = {
            m["message_id"]: [e["code"] for e in m["errors"] or []]
            for m in uow.find("EdaMessage", first=100).items
            if m["direction"] == "inbound"
        }
    assert reasons["G2"] == ["energy-data"] and reasons["G3"] == ["unknown-community"]


def test_a_later_message_in_the_same_batch_replaces_and_keeps_history(world: World) -> None:
    """Three messages for the same interval in one batch: message order decides."""
    for number, value in enumerate(("1.0", "2.0", "1.5"), start=1):
        store_inbound(
            world.ctx,
            daten_crmsg(f"S{number}", intervals=1, value=value),
            received_at=datetime(2026, 3, 3, 6, number, tzinfo=UTC),
        )
    assert process_pending(world.ctx).processed == 3
    start = datetime.combine(date(2026, 3, 2), datetime.min.time(), VIENNA)
    history = world.ctx.series.history(
        "energy", series_key(EEG, POINT), CONSUMED, start, tenant=TENANT
    )
    assert history["source"].to_list() == ["S1", "S2", "S3"]
    assert [str(v) for v in history["value"].to_list()] == ["1.000000", "2.000000", "1.500000"]
    assert history["current"].to_list() == [False, False, True]
    with world.ctx.unit_of_work() as uow:
        processes = uow.find("EdaProcess", first=10).items
        assert {p["process_state"] for p in processes} == {"completed"} and len(processes) == 3
        (link,) = uow.links("EdaProcess", processes[0]["id"], "metering_points")
        assert link["id"] == world.points[POINT]


def test_processing_tables_can_join_another_metadata() -> None:
    """What the migration planner would need: the same tables, columns, keys and indexes."""
    import sqlalchemy as sa

    from meshkit.adapters.eda.processing.tables import add_processing_tables, metadata

    target = add_processing_tables(sa.MetaData())
    add_processing_tables(target)  # twice is harmless
    assert sorted(target.tables) == ["meshkit_eda_phase", "meshkit_eda_work"]
    for name, table in target.tables.items():
        original = metadata.tables[name]
        assert [c.name for c in table.columns] == [c.name for c in original.columns]
        assert {i.name for i in table.indexes} == {i.name for i in original.indexes}
        assert table.primary_key.name == original.primary_key.name


def test_a_batch_that_fails_inside_its_transaction_is_rolled_back_and_done_singly(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from meshkit.adapters.eda.processing import batch

    for number in range(3):
        store_inbound(world.ctx, daten_crmsg(f"R{number}", point=fake_point(number), intervals=2))
    calls: list[int] = []
    original = batch._bookkeeping

    def failing(*args: object) -> None:
        calls.append(1)
        original(*args)  # type: ignore[arg-type]
        raise RuntimeError("the database refused the batch")

    monkeypatch.setattr(batch, "_bookkeeping", failing)
    report = process_pending(world.ctx)
    assert calls == [1] and (report.processed, report.quarantined) == (3, 0)
    with world.repository.engine.connect() as connection:
        counts = connection.execute(
            sa.select(t.work.c.processed_count).where(t.work.c.tenant == TENANT)
        ).scalars()
        assert sorted(counts) == [1, 1, 1]  # the rolled-back batch left no trace
        values = connection.execute(
            sa.text("SELECT count(*), count(DISTINCT source) FROM meshkit_series_value")
        ).one()
        assert tuple(values) == (6, 3)
    with world.ctx.unit_of_work() as uow:
        assert uow.count("EdaProcess") == 3
