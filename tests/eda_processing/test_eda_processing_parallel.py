"""Parsing in worker processes: the same documents, readings, rows and quarantines as parsing in
the main process, also when a worker dies; and the series fast path for keys with nothing
stored, next to keys that are merged, in one load."""

from __future__ import annotations

import os
import signal
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa
from eda_processing_support import (
    CONSUMED,
    EEG,
    TENANT,
    VIENNA,
    World,
    daten_crmsg,
    fake_point,
    xsd_dir,
)

from meshkit.adapters.eda.processing import parsing as parsing_module
from meshkit.adapters.eda.processing import (
    pending_messages,
    process_pending,
    series_key,
    store_inbound,
)
from meshkit.adapters.eda.processing.parsing import ParsedPayload, PayloadParser
from meshkit.adapters.eda.processing.processor import problems_of
from meshkit.adapters.eda.xml import CMNotification, read_document

SAMPLES = (
    Path(__file__).resolve().parents[2].parent / "shared" / "eda" / "samples" / "cmnotification"
)
needs_xsd = pytest.mark.skipif(xsd_dir() is None, reason="no EDA XSD folder")


def _store_mix(world: World) -> dict[str, tuple[str, bytes]]:
    """Energy messages, one invalid against the XSD, one for a community that is not ours;
    MessageId -> (EdaMessage id, payload)."""
    payloads = {
        f"P{n}": daten_crmsg(f"P{n}", point=fake_point(n), intervals=8, value=f"0.{n}25")
        for n in range(1, 9)
    }
    payloads["BAD-XSD"] = daten_crmsg("BAD-XSD", point=fake_point(10), intervals=2).replace(
        b"<cp:MM>L1</cp:MM>", b"<cp:MM>L1</cp:MM><cp:Bogus/>", 1
    )
    payloads["OTHER"] = daten_crmsg("OTHER", point=fake_point(11), intervals=2, receiver="RC999999")
    stored: dict[str, tuple[str, bytes]] = {}
    for number, (message_id, payload) in enumerate(payloads.items()):
        received = datetime(2026, 3, 3, 6, number, tzinfo=UTC)
        stored[message_id] = (
            store_inbound(world.ctx, payload, received_at=received).message,
            payload,
        )
    return stored


def _same(found: list[ParsedPayload], expected: list[ParsedPayload]) -> None:
    assert [(p.message, p.content, p.document) for p in found] == [
        (p.message, p.content, p.document) for p in expected
    ]
    for mine, theirs in zip(found, expected, strict=True):
        if theirs.readings is None:
            assert mine.readings is None
        else:
            assert mine.readings is not None and mine.readings.equals(theirs.readings)


@needs_xsd
def test_workers_parse_what_the_main_process_parses(world: World) -> None:
    stored = _store_mix(world)
    notification = next(SAMPLES.rglob("*.xml")).read_bytes()  # not energy: the codec reads it
    answer = store_inbound(world.ctx, notification).message
    ids = pending_messages(world.ctx)
    inline = PayloadParser(world.ctx, workers=0).parsed(ids)
    parallel = PayloadParser(world.ctx, workers=1)
    parallel.prefetch(ids[5:])  # prefetched and asked-for ones come back in the asked order
    found = parallel.parsed(ids)
    _same(found, inline)
    names = {entity: message_id for message_id, (entity, _) in stored.items()}
    names[answer] = "ANSWER"
    by_name = {names[p.message]: p for p in found}
    assert list(by_name) == [*stored, "ANSWER"]
    # BAD-XSD is unreadable: the single path reads it again and says why.
    assert [m for m, p in by_name.items() if p.document is None] == ["BAD-XSD"]
    # The CMNotification went to the codec, the energy messages the fast path (8 or 2 values).
    assert isinstance(by_name["ANSWER"].document, CMNotification)
    assert by_name["ANSWER"].readings is None
    fast = {m: len(p.readings) for m, p in by_name.items() if p.readings is not None}
    assert fast == {**{f"P{n}": 8 for n in range(1, 9)}, "OTHER": 2}


@needs_xsd
def test_a_dead_worker_costs_time_not_results(world: World) -> None:
    _store_mix(world)
    ids = pending_messages(world.ctx)
    inline = PayloadParser(world.ctx, workers=0).parsed(ids)
    PayloadParser(world.ctx, workers=1).parsed(ids[:1])  # the pool of one worker is up
    pool = parsing_module._pools[1]
    (pid,) = list(pool._processes)
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while not pool._broken and time.monotonic() < deadline:
        time.sleep(0.05)
    # The broken pool is replaced by a new one (or the task parsed here): the same results.
    _same(PayloadParser(world.ctx, workers=1).parsed(ids), inline)
    assert parsing_module._pools[1] is not pool
    (new,) = list(parsing_module._pools[1]._processes)
    assert new != pid


def _outcome(world: World, stored: dict[str, tuple[str, bytes]]) -> dict[str, Any]:
    """What processing left: message states and errors (by the MessageId we gave them), the
    stored values per source."""
    names = {entity: message_id for message_id, (entity, _) in stored.items()}
    with world.ctx.unit_of_work() as uow:
        messages = {
            names[m["id"]]: (m["status"], m["errors"])
            for m in uow.find("EdaMessage", first=100).items
            if m["direction"] == "inbound"
        }
    start = datetime.combine(date(2026, 3, 2), datetime.min.time(), VIENNA)
    values = world.ctx.series.read(
        "energy", None, None, start, start + timedelta(days=1), tenant=TENANT
    )
    return {
        "messages": messages,
        "values": values.select("key", "code", "start", "value", "quality", "source").sort(
            "key", "code", "start"
        ),
    }


@needs_xsd
@pytest.mark.parametrize("workers", [0, 1, 2])
def test_processing_with_workers_stores_and_quarantines_as_inline(
    world: World, workers: int
) -> None:
    stored = _store_mix(world)
    report = process_pending(world.ctx, batch=4, parse_workers=workers)  # prefetch across chunks
    assert (report.processed, report.quarantined, report.skipped) == (8, 2, 0)
    found = _outcome(world, stored)
    statuses = {m: status for m, (status, _) in found["messages"].items()}
    assert statuses == {
        **{f"P{n}": "processed" for n in range(1, 9)},
        "BAD-XSD": "quarantined",
        "OTHER": "quarantined",
    }
    # The reasons are the codec's own, as inline processing gives them.
    with pytest.raises(Exception) as raised:
        read_document(stored["BAD-XSD"][1], xsd_dir=xsd_dir())
    errors = found["messages"]["BAD-XSD"][1]
    assert [(e["code"], e["message"]) for e in errors] == [
        (p["code"], p["message"]) for p in problems_of(raised.value)
    ]
    assert [e["code"] for e in found["messages"]["OTHER"][1]] == ["unknown-community"]
    values: pl.DataFrame = found["values"]
    assert values.group_by("source").len().sort("source").rows() == [
        (f"P{n}", 8) for n in range(1, 9)
    ]
    row = values.filter(pl.col("source") == "P3").row(0, named=True)
    assert row["key"] == series_key(EEG, fake_point(3)) and str(row["value"]) == "0.325000"


def test_parse_workers_must_not_be_negative(world: World) -> None:
    with pytest.raises(ValueError, match="parse workers must be 0"):
        process_pending(world.ctx, parse_workers=-1)


# -- the series fast path per key --------------------------------------------------------------


def _readings(point: str, value: str, intervals: int = 4) -> pl.DataFrame:
    start = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
    times = [start + timedelta(minutes=15 * i) for i in range(intervals)]
    return pl.DataFrame(
        {
            "metering_point": [series_key(EEG, point)] * intervals,
            "meter_code": [CONSUMED] * intervals,
            "start": times,
            "end": [t + timedelta(minutes=15) for t in times],
            "value": [value] * intervals,
            "unit": ["KWH"] * intervals,
            "quality": ["L1"] * intervals,
        }
    ).with_columns(pl.col("value").str.to_decimal(scale=6))


def test_new_keys_are_copied_and_stored_keys_merged_in_one_load(world: World) -> None:
    series = world.ctx.series
    old, new, twice = fake_point(1), fake_point(2), fake_point(3)
    series.write_readings(_readings(old, "1.0"), tenant=TENANT, source="M1")
    result = series.write_readings_batch(
        [
            ("M2", _readings(old, "2.0", intervals=2)),  # stored key: merged, 2 replaced
            ("M3", _readings(new, "3.0")),  # nothing stored: 4 new
            ("M4", _readings(twice, "4.0")),  # new key, but twice in the batch: merged
            ("M5", _readings(twice, "5.0", intervals=1)),
        ],
        tenant=TENANT,
    )
    assert (result.inserted, result.replaced, result.unchanged) == (8, 3, 0)
    start = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
    values = series.read("energy", None, CONSUMED, start, start + timedelta(hours=1), tenant=TENANT)
    by_key = {
        key: [(str(v), s) for v, s in zip(part["value"], part["source"], strict=True)]
        for (key,), part in values.sort("start").group_by("key", maintain_order=True)
    }
    assert by_key == {
        series_key(EEG, old): [("2.000000", "M2")] * 2 + [("1.000000", "M1")] * 2,
        series_key(EEG, new): [("3.000000", "M3")] * 4,
        series_key(EEG, twice): [("5.000000", "M5")] + [("4.000000", "M4")] * 3,
    }
    history = series.history(
        "energy", None, CONSUMED, start, start + timedelta(hours=1), tenant=TENANT
    )
    assert sorted(history.filter(~pl.col("current"))["source"].to_list()) == ["M1", "M1", "M4"]
    # A reload of the same batch changes nothing, on the merge path for every key.
    again = series.write_readings_batch([("M3", _readings(new, "3.0"))], tenant=TENANT)
    assert (again.inserted, again.replaced, again.unchanged) == (0, 0, 4)
    with world.repository.engine.connect() as connection:
        count = connection.execute(sa.text("SELECT count(*) FROM meshkit_series_value"))
        assert count.scalar_one() == 12
