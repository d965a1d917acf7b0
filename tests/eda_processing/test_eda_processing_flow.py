"""Outbound retry and gateway statuses, process state machines and deadlines, energy data
replacement with history and DST days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from eda_processing_support import DSO, EEG, POINT, TENANT, VIENNA, World, daten_crmsg, xsd_dir

from meshkit.adapters.eda.processing import (
    Phase,
    check_deadlines,
    next_phase,
    process_pending,
    queue_outbound,
    response_text,
    send_due,
    series_key,
    store_inbound,
)
from meshkit.adapters.eda.processing.machine import TransitionError
from meshkit.adapters.eda.transport import (
    GatewayStatus,
    OutboundMessage,
    SendError,
    SendReceipt,
    StatusEvent,
    outbound_message,
)
from meshkit.adapters.eda.xml import (
    CMNotification,
    CMRequest,
    CMRequestDetails,
    ConsentResponse,
    EnergyDirection,
    MessageHeader,
    write_document,
)


class FlakyTransport:
    """Fails the first `failures` sends, then accepts; delivers what the test queues."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[OutboundMessage] = []
        self.pending: list[object] = []

    def send(self, message: OutboundMessage) -> SendReceipt:
        if self.failures:
            self.failures -= 1
            raise SendError("gateway unreachable")
        self.sent.append(message)
        return SendReceipt(message.envelope.message_id, datetime(2026, 3, 3, 6, 0, tzinfo=UTC))

    def receive(self) -> list[object]:
        return list(self.pending)

    def acknowledge(self, delivery_id: str) -> None:
        self.pending = [d for d in self.pending if getattr(d, "delivery_id", "") != delivery_id]


def _request(world: World, number: int = 1) -> tuple[OutboundMessage, str]:
    message_id = f"{EEG}REQ{number:04d}"
    request = CMRequest(
        header=MessageHeader(
            sender=EEG,
            receiver=DSO,
            created=datetime(2026, 3, 3, 6, 0, tzinfo=UTC),
            message_code="ANFORDERUNG_ECON",
            message_id=message_id,
            conversation_id=f"C{message_id}",
        ),
        process_date=date(2026, 3, 4),
        cm_request_id=f"Q{message_id}",
        metering_point=POINT,
        request=CMRequestDetails(
            data_type="EnergyCommunityRegistration",
            date_from=date(2026, 3, 4),
            ec_id=f"AT00300000000{EEG}000000000000",
            participation_factor=60,
            energy_direction=EnergyDirection.CONSUMPTION,
        ),
    )
    outbound = outbound_message(request, "01p20", validate=False)
    participation = world.participations[(EEG, POINT)]
    queue_outbound(
        world.ctx,
        outbound,
        community=world.communities[EEG],
        metering_points=[world.points[POINT]],
        participations=[participation],
    )
    return outbound, participation


def _answer(code: str, conversation: str, number: int, response: int) -> bytes:
    notification = CMNotification(
        header=MessageHeader(
            sender=DSO,
            receiver=EEG,
            created=datetime(2026, 3, 3, 7, 0, tzinfo=UTC),
            message_code=code,
            message_id=f"{DSO}ANS{number:04d}",
            conversation_id=conversation,
        ),
        cm_request_id="Q1",
        responses=(
            ConsentResponse(
                response_codes=(response,),
                consent_id="CONSENT1" if response == 175 else None,
                metering_point=POINT,
            ),
        ),
    )
    return write_document(notification, "01p20", validate=False)


def _process(world: World) -> dict[str, object]:
    with world.ctx.unit_of_work() as uow:
        (process,) = uow.find("EdaProcess").items
        return dict(process)


def test_outbound_is_retried_with_backoff_and_tracks_gateway_status(world: World) -> None:
    outbound, _ = _request(world)
    transport = FlakyTransport(failures=2)
    now = world.ctx.clock()
    assert send_due(world.ctx, transport, now).retrying == 1
    assert send_due(world.ctx, transport, now).sent == 0  # not due yet: backoff
    later = now + timedelta(seconds=31)
    assert send_due(world.ctx, transport, later).retrying == 1  # 2nd failure: wait 60 s
    assert send_due(world.ctx, transport, later + timedelta(seconds=59)).sent == 0
    assert send_due(world.ctx, transport, later + timedelta(seconds=61)).sent == 1
    assert [m.envelope.message_id for m in transport.sent] == [outbound.envelope.message_id]
    from meshkit.adapters.eda.processing import apply_status

    for status in (GatewayStatus.DELIVERED, GatewayStatus.SENT):  # a late "sent" is ignored
        apply_status(world.ctx, StatusEvent("d", outbound.envelope.message_id, status, later, None))
    with world.ctx.unit_of_work() as uow:
        (message,) = uow.find("EdaMessage").items
        assert message["status"] == "delivered"


def test_a_send_that_keeps_failing_ends_failed_and_fails_the_process(world: World) -> None:
    _request(world)
    transport = FlakyTransport(failures=100)
    now = world.ctx.clock()
    for _ in range(world.ctx.config.retry.max_attempts):
        send_due(world.ctx, transport, now)
        now += timedelta(hours=2)
    with world.ctx.unit_of_work() as uow:
        (message,) = uow.find("EdaMessage").items
        assert message["status"] == "failed"
    assert _process(world)["process_state"] == "failed"


def test_join_state_machine_updates_the_participation(world: World) -> None:
    outbound, participation = _request(world)
    conversation = outbound.envelope.conversation_id
    assert _process(world)["process_state"] == "awaiting_response"
    store_inbound(world.ctx, _answer("ANTWORT_ECON", conversation, 1, 99))
    store_inbound(world.ctx, _answer("ZUSTIMMUNG_ECON", conversation, 2, 175))
    assert process_pending(world.ctx).processed == 2
    with world.ctx.unit_of_work() as uow:
        entity = uow.get("Participation", participation)
        assert entity["status"] == "consent_pending"
        assert entity["consent"]["consent_id"] == "CONSENT1"
    store_inbound(world.ctx, _answer("ABLEHNUNG_ECON", conversation, 3, 188))
    assert process_pending(world.ctx).processed == 1
    assert _process(world)["process_state"] == "rejected"
    with world.ctx.unit_of_work() as uow:
        assert uow.get("Participation", participation)["status"] == "rejected"
    # nothing may follow a rejection
    store_inbound(world.ctx, _answer("ZUSTIMMUNG_ECON", conversation, 4, 175))
    assert process_pending(world.ctx).quarantined == 1
    assert response_text(188, "de").startswith("Teilnahmefaktor")
    assert response_text(188) == "participation factor would exceed 100 %"


def test_an_unanswered_request_becomes_overdue(world: World) -> None:
    _request(world)
    due = _process(world)["deadline"]
    assert isinstance(due, datetime)
    assert check_deadlines(world.ctx, due - timedelta(minutes=1)) == []
    flagged = check_deadlines(world.ctx, due + timedelta(minutes=1))
    assert len(flagged) == 1 and _process(world)["process_state"] == "expired"
    assert check_deadlines(world.ctx, due + timedelta(days=1)) == []  # flagged once


@pytest.mark.parametrize(
    ("process", "steps", "end"),
    [
        (
            "EC_REQ_ONL",
            ["ANFORDERUNG_ECON", "ANTWORT_ECON", "ZUSTIMMUNG_ECON", "ABSCHLUSS_ECON"],
            Phase.COMPLETED,
        ),
        ("EC_REQ_OFF", ["ANFORDERUNG_ECOF", "ABBRUCH_ECOF"], Phase.ABORTED),
        ("EC_PRTFACT_CHANGE", ["ANFORDERUNG_CPF", "ANTWORT_CPF"], Phase.COMPLETED),
        ("EC_PODLIST", ["ANFORDERUNG_ECP", "SENDEN_ECP"], Phase.COMPLETED),
        ("CR_REQ_PT", ["ANFORDERUNG_PT", "ANTWORT_PT", "DATEN_CRMSG"], Phase.COMPLETED),
    ],
)
def test_state_machines(process: str, steps: list[str], end: Phase) -> None:
    phase = None
    for code in steps:
        phase = next_phase(process, phase, code)
    assert phase is end
    with pytest.raises(TransitionError):
        next_phase(process, phase, steps[0])


@pytest.mark.parametrize(("day", "count"), [(date(2026, 3, 29), 92), (date(2026, 10, 25), 100)])
def test_dst_days_are_stored_with_92_and_100_quarter_hours(
    world: World, day: date, count: int
) -> None:
    store_inbound(world.ctx, daten_crmsg("DST1", day=day))
    assert process_pending(world.ctx).processed == 1
    start = datetime.combine(day, datetime.min.time(), VIENNA)
    frame = world.ctx.series.read(
        "energy", None, None, start, start + timedelta(days=1), "P1D", tenant=TENANT
    )
    (row,) = frame.iter_rows(named=True)
    assert row["count"] == row["expected"] == count
    assert row["value"] == Decimal("0.125") * count


def test_a_later_message_replaces_the_value_and_keeps_the_history(world: World) -> None:
    store_inbound(world.ctx, daten_crmsg("V1", intervals=4, value="1.0", quality="L2"))
    store_inbound(world.ctx, daten_crmsg("V2", intervals=4, value="1.5"))
    assert process_pending(world.ctx).processed == 2
    start = datetime.combine(date(2026, 3, 2), datetime.min.time(), VIENNA)
    history = world.ctx.series.history(
        "energy", series_key(EEG, POINT), "1-1:1.9.0 G.01", start, tenant=TENANT
    )
    assert history["source"].to_list() == ["V1", "V2"]
    assert history["quality"].to_list() == ["L2", "L1"]
    assert history["current"].to_list() == [False, True]


def test_xsd_validation_quarantines_an_invalid_document(world: World) -> None:
    if xsd_dir() is None:
        pytest.skip("no EDA XSD folder")
    invalid = daten_crmsg("XSD1", intervals=2).replace(b"ct:MeteringPoint>", b"ct:Bogus>")
    store_inbound(world.ctx, invalid)
    assert process_pending(world.ctx).quarantined == 1
