"""Inbound storage: raw first, idempotent by MessageId, quarantine, negative answer, replay."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from eda_processing_support import (
    BEG,
    CONSUMED,
    COVERED,
    DSO,
    EEG,
    POINT,
    TENANT,
    World,
    daten_crmsg,
)

from meshkit.adapters.eda.processing import (
    payload_of,
    process_pending,
    replay,
    series_key,
    store_inbound,
)
from meshkit.adapters.eda.processing import tables as t
from meshkit.adapters.eda.xml import CPNotification, read_document

HOSTILE = (
    b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
    b"<lolz>&lol2;</lolz>"
)


def _message(world: World, message: str) -> dict[str, object]:
    with world.ctx.unit_of_work() as uow:
        return dict(uow.get("EdaMessage", message))


def _work(world: World, message: str) -> sa.Row[object]:
    with world.repository.engine.connect() as connection:
        return connection.execute(
            sa.select(t.work).where(t.work.c.tenant == TENANT, t.work.c.message == message)
        ).one()


def _outbound(world: World) -> list[dict[str, object]]:
    with world.ctx.unit_of_work() as uow:
        return [
            dict(m)
            for m in uow.find(
                "EdaMessage", where={"attr": "direction", "op": "eq", "value": "outbound"}
            ).items
        ]


def test_a_message_is_stored_raw_before_it_is_parsed(world: World) -> None:
    payload = daten_crmsg("M1")
    stored = store_inbound(world.ctx, payload)
    assert not stored.duplicate
    message = _message(world, stored.message)
    assert message["status"] == "received" and message["message_code"] == "DATEN_CRMSG"
    assert str(message["payload"]).startswith("content:")
    assert payload_of(world.ctx, stored.message) == payload
    assert _work(world, stored.message).state == "pending"
    # nothing in the series store yet: parsing is the processor's job
    start = world.ctx.clock()
    frame = world.ctx.series.read(
        "energy", None, None, start.replace(day=1), start.replace(month=4), tenant=TENANT
    )
    assert frame.height == 0


def test_a_parse_failure_still_leaves_the_raw_message(world: World) -> None:
    broken = daten_crmsg("M2")[:-40]  # truncated
    stored = store_inbound(world.ctx, broken)
    report = process_pending(world.ctx)
    assert report.quarantined == 1 and report.processed == 0
    message = _message(world, stored.message)
    assert message["status"] == "quarantined"
    assert message["errors"] and message["errors"][0]["code"] == "MalformedXmlError"  # type: ignore[index]
    assert payload_of(world.ctx, stored.message) == broken


def test_a_duplicate_message_id_is_recorded_not_reprocessed(world: World) -> None:
    payload = daten_crmsg("M3", intervals=4)
    first = store_inbound(world.ctx, payload)
    assert process_pending(world.ctx).processed == 1
    again = store_inbound(world.ctx, payload)
    assert again.duplicate and again.message == first.message
    assert process_pending(world.ctx).processed == 0
    work = _work(world, first.message)
    assert work.duplicates == 1 and work.processed_count == 1
    with world.ctx.unit_of_work() as uow:
        assert uow.count("EdaMessage") == 1


def test_hostile_and_garbage_documents_are_quarantined_and_kept(world: World) -> None:
    garbage = [HOSTILE, b"", b"\xff\xfe not xml", b"<a/>", daten_crmsg("M4")[:100]]
    stored = [store_inbound(world.ctx, p) for p in garbage]
    assert len({s.message for s in stored}) == len(garbage)
    report = process_pending(world.ctx)
    assert report.quarantined == len(garbage)
    for item, payload in zip(stored, garbage, strict=True):
        assert _message(world, item.message)["status"] == "quarantined"
        assert payload_of(world.ctx, item.message) == payload
    # the same garbage again is a duplicate, by its content's hash
    assert store_inbound(world.ctx, HOSTILE).duplicate


def test_quarantine_sends_the_negative_answer_and_replay_after_a_fix(world: World) -> None:
    # a value with seven decimals does not fit the series (Decimal(18, 6)): not processable
    bad = daten_crmsg("M5", intervals=4, value="0.1234567")
    stored = store_inbound(world.ctx, bad)
    assert process_pending(world.ctx).quarantined == 1
    answers = _outbound(world)
    assert [a["message_code"] for a in answers] == ["ABLEHNUNG_CRMSG"]
    answer = read_document(payload_of(world.ctx, str(answers[0]["id"])), validate=False)
    assert isinstance(answer, CPNotification)
    assert answer.original_message_id == "M5" and answer.header.receiver == DSO
    assert answer.header.sender == EEG and answer.header.conversation_id == "CM5"
    assert answers[0]["status"] == "stored"  # queued for send_due
    with world.ctx.unit_of_work() as uow:
        (process,) = uow.find("EdaProcess").items
        assert process["process_state"] == "rejected"
    fixed = daten_crmsg("M5", intervals=4, value="0.123457")
    assert replay(world.ctx, stored.message, fixed) == "processed"
    assert _message(world, stored.message)["status"] == "processed"
    assert payload_of(world.ctx, stored.message) == fixed
    with world.ctx.unit_of_work() as uow:
        (process,) = uow.find("EdaProcess").items
        assert process["process_state"] == "completed"
    work = _work(world, stored.message)
    assert work.processed_count == 1 and work.original_content != work.content


def test_replay_of_the_stored_payload_after_the_cause_is_fixed(world: World) -> None:
    stored = store_inbound(world.ctx, daten_crmsg("M6", intervals=4, receiver="RC999999"))
    assert process_pending(world.ctx).quarantined == 1
    assert "RC999999" in str(_message(world, stored.message)["errors"])
    assert _outbound(world) == []  # not addressed to us: nobody to answer for
    with world.ctx.unit_of_work() as uow:
        from eda_processing_support import community_values

        uow.create("EnergyCommunity", community_values("RC999999"))
    assert replay(world.ctx, stored.message) == "processed"


def test_energy_is_keyed_by_community_and_point(world: World) -> None:
    store_inbound(world.ctx, daten_crmsg("E1", receiver=EEG, codes=(CONSUMED, COVERED)))
    store_inbound(world.ctx, daten_crmsg("E2", receiver=BEG, codes=(CONSUMED, COVERED), value="1"))
    assert process_pending(world.ctx).processed == 2
    day = world.ctx.clock().replace(day=2, hour=0)
    frame = world.ctx.series.read(
        "energy", None, None, day.replace(day=1), day.replace(day=5), "P1D", tenant=TENANT
    )
    totals = {(r["key"], r["code"]): r["value"] for r in frame.iter_rows(named=True)}
    assert totals[(series_key(EEG, POINT), CONSUMED)] == Decimal("12.000000")
    assert totals[(series_key(BEG, POINT), COVERED)] == Decimal("96.000000")
    assert date(2026, 3, 2)  # the day of the documents
