"""The simulator re-sends energy data on request (CR_REQ_PT), revokes consents (CM_REV_SP) and
sends the optional meter codes G.03R and P.01."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from eda_transport_support import (
    CONSUMER,
    CONSUMER_2,
    DSO,
    EC,
    EC_ID,
    PRODUCER,
    Clock,
    Requests,
    communities,
    points,
)

from meshkit.adapters.eda.transport import (
    DsoSimulator,
    InboundMessage,
    MeterCodes,
    OutboundMessage,
    ResponseCode,
    outbound_message,
)
from meshkit.adapters.eda.xml import (
    CMRevoke,
    ConsumptionRecord,
    CPNotification,
    CPRequest,
    CPRequestExtension,
    DocumentMode,
    EdaMessage,
    MessageHeader,
    read_document,
)

VIENNA = ZoneInfo("Europe/Vienna")


def _drain(simulator: DsoSimulator, xsd_dir: Path) -> list[EdaMessage]:
    messages = []
    for delivery in simulator.receive():
        if isinstance(delivery, InboundMessage):
            messages.append(read_document(delivery.payload, xsd_dir=xsd_dir))
        simulator.acknowledge(delivery.delivery_id)
    return messages


def _resend_request(
    clock: Clock, xsd_dir: Path, point: str, first: date, last: date, *, sender: str = EC
) -> OutboundMessage:
    """ANFORDERUNG_PT for the days first..last (DateTimeTo: midnight after the last day)."""
    start = datetime.combine(first, datetime.min.time(), VIENNA)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), VIENNA)
    request = CPRequest(
        header=MessageHeader(
            sender=sender,
            receiver=DSO,
            created=clock(),
            message_code="ANFORDERUNG_PT",
            message_id=f"{sender}PT0000000001",
            conversation_id=f"{sender}PTC000000001",
            document_mode=DocumentMode.SIMU,
        ),
        process_date=clock().date(),
        metering_point=point,
        extension=CPRequestExtension(date_time_from=start, date_time_to=end),
    )
    return outbound_message(request, xsd_dir=xsd_dir)


@pytest.fixture
def joined(simulator: DsoSimulator, requests: Requests, clock: Clock, xsd_dir: Path) -> Clock:
    """Consumer, second consumer and producer joined on 2026-03-17; the clock on 2026-03-25."""
    for point in (CONSUMER, CONSUMER_2, PRODUCER):
        simulator.send(requests.join(point, factor=80))
    _drain(simulator, xsd_dir)
    clock.now = datetime(2026, 3, 25, 7, 0, tzinfo=UTC)
    return clock


def test_resend_answers_then_sends_the_asked_days(
    simulator: DsoSimulator, joined: Clock, xsd_dir: Path
) -> None:
    request = _resend_request(joined, xsd_dir, CONSUMER, date(2026, 3, 18), date(2026, 3, 20))
    simulator.send(request)
    answer, data = _drain(simulator, xsd_dir)
    assert isinstance(answer, CPNotification)
    assert answer.header.message_code == "ANTWORT_PT"
    assert answer.response_codes == (ResponseCode.RECEIVED,)
    assert isinstance(data, ConsumptionRecord)
    assert data.header.message_code == "DATEN_CRMSG"
    assert data.header.conversation_id == request.envelope.conversation_id
    assert data.metering_point == CONSUMER and data.ec_id == EC_ID
    starts = [e.period_start.astimezone(VIENNA).date() for e in data.energy]
    assert starts == [date(2026, 3, 18), date(2026, 3, 19), date(2026, 3, 20)]
    # The same values as the daily data of that day.
    daily = [
        read_document(m.payload, validate=False) for m in simulator.daily_energy(date(2026, 3, 19))
    ]
    (same_day,) = [
        r for r in daily if isinstance(r, ConsumptionRecord) and r.metering_point == CONSUMER
    ]
    assert data.energy[1].data == same_day.energy[0].data


@pytest.mark.parametrize(
    ("point", "first", "last", "sender", "code"),
    [
        (CONSUMER, date(2026, 3, 20), date(2026, 3, 25), EC, ResponseCode.WRONG_PROCESS_DATE),
        (CONSUMER, date(2026, 3, 20), date(2026, 3, 19), EC, ResponseCode.WRONG_PROCESS_DATE),
        (CONSUMER, date(2026, 3, 15), date(2026, 3, 18), EC, ResponseCode.METERING_POINT_NOT_FOUND),
        (
            CONSUMER,
            date(2026, 3, 18),
            date(2026, 3, 18),
            "RC999999",
            ResponseCode.COMMUNITY_UNKNOWN,
        ),
    ],
    ids=["not-over-yet", "empty", "before-joining", "unknown-community"],
)
def test_resend_refusals(
    simulator: DsoSimulator,
    joined: Clock,
    xsd_dir: Path,
    point: str,
    first: date,
    last: date,
    sender: str,
    code: ResponseCode,
) -> None:
    simulator.send(_resend_request(joined, xsd_dir, point, first, last, sender=sender))
    (answer,) = _drain(simulator, xsd_dir)
    assert isinstance(answer, CPNotification)
    assert answer.header.message_code == "ABLEHNUNG_PT"
    assert answer.response_codes == (code,)


def test_revoking_a_consent_ends_the_participation(
    simulator: DsoSimulator, joined: Clock, xsd_dir: Path
) -> None:
    consent = simulator.registry.membership(CONSUMER, EC_ID, date(2026, 3, 20))
    assert consent is not None
    simulator.revoke_consent(CONSUMER, EC_ID, date(2026, 3, 31), reason_key=1)
    (revoke,) = _drain(simulator, xsd_dir)
    assert isinstance(revoke, CMRevoke)
    assert revoke.header.message_code == "AUFHEBUNG_CCMS"
    assert revoke.header.receiver == EC and revoke.header.sender == DSO
    assert revoke.consent_id == consent.consent_id and revoke.metering_point == CONSUMER
    assert revoke.consent_end == date(2026, 3, 31) and revoke.reason_key == 1
    assert simulator.registry.membership(CONSUMER, EC_ID, date(2026, 4, 1)) is None
    april = [
        r.metering_point
        for r in (
            read_document(m.payload, validate=False)
            for m in simulator.daily_energy(date(2026, 4, 1))
        )
        if isinstance(r, ConsumptionRecord)
    ]
    assert CONSUMER not in april and PRODUCER in april


def test_revoking_an_unknown_participation_is_a_clear_error(
    simulator: DsoSimulator, joined: Clock
) -> None:
    with pytest.raises(KeyError, match="takes no part"):
        simulator.revoke_consent(CONSUMER, EC_ID, date(2026, 3, 1))


@pytest.mark.parametrize(
    "codes", [MeterCodes(), MeterCodes(renewable_coverage=True, legacy_surplus=True)]
)
def test_optional_meter_codes(
    clock: Clock, requests: Requests, xsd_dir: Path, codes: MeterCodes
) -> None:
    """G.03R for consumers of a renewable community and P.01 instead of P.01T, when asked for."""
    grid = DsoSimulator(
        DSO, communities(), points(), clock=clock, xsd_dir=xsd_dir, seed=7, meter_codes=codes
    )
    for point in (CONSUMER, PRODUCER):
        grid.send(requests.join(point))
    _drain(grid, xsd_dir)
    records = [
        read_document(m.payload, xsd_dir=xsd_dir) for m in grid.daily_energy(date(2026, 6, 21))
    ]
    series = {
        r.metering_point: {
            d.meter_code: [p.quantity for p in d.positions] for d in r.energy[0].data
        }
        for r in records
        if isinstance(r, ConsumptionRecord)
    }
    consumer, producer = series[CONSUMER], series[PRODUCER]
    if codes.renewable_coverage:
        assert consumer["1-1:2.9.0 G.03R"] == consumer["1-1:2.9.0 G.03"]
        assert "1-1:2.9.0 P.01T" not in producer
        assert sum(producer["1-1:2.9.0 P.01"]) > 0
    else:
        assert "1-1:2.9.0 G.03R" not in consumer and "1-1:2.9.0 P.01" not in producer
        assert "1-1:2.9.0 P.01T" in producer
