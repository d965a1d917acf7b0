"""The grid-operator simulator answers each community process with the right codes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from eda_transport_support import (
    CONSUMER,
    CONSUMER_2,
    DSO,
    EC,
    EC_ID,
    FAR_AWAY,
    NO_SMART_METER,
    PRODUCER,
    Clock,
    Requests,
    communities,
    points,
)

from meshkit.adapters.eda.transport import (
    DsoSimulator,
    GatewayStatus,
    InboundMessage,
    ResponseCode,
    StatusEvent,
    earliest_effective_date,
)
from meshkit.adapters.eda.xml import (
    CMNotification,
    ConsumptionRecord,
    CPNotification,
    ECMPList,
    EdaMessage,
    read_document,
)


def drain(simulator: DsoSimulator, xsd_dir: Path) -> list[EdaMessage]:
    """Every message the simulator sent, read back with XSD validation, then acknowledged."""
    messages = []
    for delivery in simulator.receive():
        if isinstance(delivery, InboundMessage):
            messages.append(read_document(delivery.payload, xsd_dir=xsd_dir))
        simulator.acknowledge(delivery.delivery_id)
    return messages


def refusal(messages: list[EdaMessage]) -> tuple[str, tuple[int, ...]]:
    (answer,) = messages
    if isinstance(answer, CMNotification):
        return answer.header.message_code, answer.responses[0].response_codes
    assert isinstance(answer, CPNotification)
    return answer.header.message_code, answer.response_codes


def test_full_join_in_one_conversation(
    simulator: DsoSimulator, requests: Requests, xsd_dir: Path
) -> None:
    request = requests.join(CONSUMER, factor=60)
    simulator.send(request)
    statuses = [d for d in simulator.receive() if isinstance(d, StatusEvent)]
    assert [(s.message_id, s.status) for s in statuses] == [
        (request.envelope.message_id, GatewayStatus.SENT),
        (request.envelope.message_id, GatewayStatus.DELIVERED),
    ]
    answer, consent, final = drain(simulator, xsd_dir)
    assert [m.header.message_code for m in (answer, consent, final)] == [
        "ANTWORT_ECON",
        "ZUSTIMMUNG_ECON",
        "ABSCHLUSS_ECON",
    ]
    for message in (answer, consent, final):
        assert message.header.conversation_id == request.envelope.conversation_id
        assert (message.header.sender, message.header.receiver) == (DSO, EC)
    assert isinstance(answer, CMNotification) and answer.responses[0].response_codes == (99,)
    assert isinstance(consent, CMNotification)
    assert consent.responses[0].response_codes == (175,)
    assert isinstance(final, ECMPList) and final.ec_id == EC_ID
    (entry,) = final.metering_points
    assert entry.metering_point == CONSUMER
    assert entry.consent_id == consent.responses[0].consent_id
    (period,) = entry.periods
    assert (period.date_from, period.participation_factor) == (date(2026, 3, 17), 60)


@pytest.mark.parametrize(
    ("point", "ec_id", "expected"),
    [
        (CONSUMER, "AT00300000000RC999999000000000000", ResponseCode.COMMUNITY_UNKNOWN),
        (FAR_AWAY, EC_ID, ResponseCode.OUTSIDE_COMMUNITY_AREA),
        (NO_SMART_METER, EC_ID, ResponseCode.NO_SMART_METER),
        ("AT0030000000000000000000000999999", EC_ID, ResponseCode.METERING_POINT_NOT_FOUND),
    ],
)
def test_join_refused_for_the_community_or_the_point(
    simulator: DsoSimulator,
    requests: Requests,
    xsd_dir: Path,
    point: str,
    ec_id: str,
    expected: ResponseCode,
) -> None:
    simulator.send(requests.join(point, ec_id=ec_id))
    assert refusal(drain(simulator, xsd_dir)) == ("ABLEHNUNG_ECON", (expected,))


def test_factor_over_100_percent_is_refused_with_188(
    simulator: DsoSimulator, requests: Requests, xsd_dir: Path
) -> None:
    other = communities()[1]
    simulator.send(requests.join(CONSUMER, factor=60))
    simulator.send(requests.join(CONSUMER, ec_id=other.ec_id, factor=40, sender=other.address))
    drain(simulator, xsd_dir)
    simulator.send(requests.join(CONSUMER, ec_id=communities()[2].ec_id, factor=1))
    assert refusal(drain(simulator, xsd_dir)) == ("ABLEHNUNG_ECON", (188,))


def test_a_sixth_community_is_refused_with_196(
    simulator: DsoSimulator, requests: Requests, xsd_dir: Path
) -> None:
    for community in communities()[:5]:
        simulator.send(requests.join(CONSUMER_2, ec_id=community.ec_id, factor=10))
    assert len(simulator.registry.active(CONSUMER_2, date(2026, 3, 17))) == 5
    drain(simulator, xsd_dir)
    simulator.send(requests.join(CONSUMER_2, ec_id=communities()[5].ec_id, factor=10))
    assert refusal(drain(simulator, xsd_dir)) == ("ABLEHNUNG_ECON", (196,))


def test_request_in_business_hours_cannot_take_effect_the_same_day(
    simulator: DsoSimulator, clock: Clock, requests: Requests, xsd_dir: Path
) -> None:
    clock.now = datetime(2026, 3, 16, 10, 30, tzinfo=UTC)  # 11:30 in Vienna
    assert earliest_effective_date(clock.now) == date(2026, 3, 17)
    simulator.send(requests.join(CONSUMER, day=date(2026, 3, 16)))
    assert refusal(drain(simulator, xsd_dir)) == ("ABLEHNUNG_ECON", (82,))
    simulator.send(requests.join(CONSUMER, day=date(2026, 3, 17)))
    assert [m.header.message_code for m in drain(simulator, xsd_dir)][-1] == "ABSCHLUSS_ECON"


def test_outside_business_hours_the_same_day_is_allowed(
    simulator: DsoSimulator, requests: Requests, xsd_dir: Path
) -> None:
    simulator.send(requests.join(CONSUMER, day=date(2026, 3, 16)))  # 08:00 Vienna
    assert drain(simulator, xsd_dir)[-1].header.message_code == "ABSCHLUSS_ECON"


def test_leave_ends_the_participation(
    simulator: DsoSimulator, requests: Requests, xsd_dir: Path
) -> None:
    simulator.send(requests.join(CONSUMER))
    drain(simulator, xsd_dir)
    simulator.send(requests.leave(CONSUMER, day=date(2026, 4, 1)))
    messages = drain(simulator, xsd_dir)
    codes = [m.header.message_code for m in messages]
    assert codes == ["ANTWORT_ECOF", "ZUSTIMMUNG_ECOF", "ABSCHLUSS_ECOF"]
    final = messages[-1]
    assert isinstance(final, ECMPList)
    assert final.metering_points[0].periods[-1].date_to == date(2026, 3, 31)
    simulator.send(requests.leave(CONSUMER_2))
    assert refusal(drain(simulator, xsd_dir)) == ("ABLEHNUNG_ECOF", (56,))


def test_factor_change_accepted_then_refused(
    simulator: DsoSimulator, clock: Clock, requests: Requests, xsd_dir: Path
) -> None:
    other = communities()[1]
    simulator.send(requests.join(CONSUMER, factor=50))
    simulator.send(requests.join(CONSUMER, ec_id=other.ec_id, factor=30, sender=other.address))
    drain(simulator, xsd_dir)
    simulator.send(requests.factor(CONSUMER, 70, date(2026, 4, 1)))
    (answer,) = drain(simulator, xsd_dir)
    assert isinstance(answer, CPNotification) and answer.header.message_code == "ANTWORT_CPF"
    membership = simulator.registry.membership(CONSUMER, EC_ID, date(2026, 4, 1))
    assert membership is not None
    assert membership.factor_on(date(2026, 3, 20)) == 50
    assert membership.factor_on(date(2026, 4, 1)) == 70
    clock.now = datetime(2026, 3, 17, 7, 0, tzinfo=UTC)  # a new day: one change per day
    simulator.send(requests.factor(CONSUMER, 71, date(2026, 4, 2)))  # 71 + 30 > 100
    assert refusal(drain(simulator, xsd_dir)) == ("ABLEHNUNG_CPF", (188,))
    simulator.send(requests.factor(CONSUMER, 60, date(2026, 4, 2), ec_id=communities()[3].ec_id))
    assert refusal(drain(simulator, xsd_dir)) == ("ABLEHNUNG_CPF", (56,))


def test_point_list_lists_the_registered_points(
    simulator: DsoSimulator, requests: Requests, xsd_dir: Path
) -> None:
    simulator.send(requests.point_list())
    assert refusal(drain(simulator, xsd_dir)) == ("ABLEHNUNG_ECP", (56,))
    for point in (CONSUMER, PRODUCER):
        simulator.send(requests.join(point))
    drain(simulator, xsd_dir)
    request = requests.point_list()
    simulator.send(request)
    (listing,) = drain(simulator, xsd_dir)
    assert isinstance(listing, ECMPList) and listing.header.message_code == "SENDEN_ECP"
    assert listing.header.conversation_id == request.envelope.conversation_id
    assert {e.metering_point for e in listing.metering_points} == {CONSUMER, PRODUCER}
    simulator.send(requests.point_list("AT00300000000RC999999000000000000"))
    assert refusal(drain(simulator, xsd_dir)) == ("ABLEHNUNG_ECP", (181,))


def test_unreadable_or_misrouted_requests_are_rejected_by_the_gateway(
    simulator: DsoSimulator, requests: Requests
) -> None:
    good = requests.join(CONSUMER)
    garbage = type(good)(good.envelope, b"<not-eda/>")
    elsewhere = type(good)(
        type(good.envelope)(**{**_fields(good.envelope), "receiver": "AT999999"}), good.payload
    )
    for message in (garbage, elsewhere):
        simulator.send(message)
    rejected = simulator.receive()
    assert [type(d) for d in rejected] == [StatusEvent, StatusEvent]
    assert all(isinstance(d, StatusEvent) and d.status is GatewayStatus.REJECTED for d in rejected)
    reasons = [d.reason for d in rejected if isinstance(d, StatusEvent)]
    assert "not a supported ebUtilities document" in str(reasons[0])
    assert "AT999999" in str(reasons[1])


def _fields(envelope: object) -> dict[str, str]:
    names = ("message_id", "conversation_id", "sender", "receiver", "message_code")
    return {n: getattr(envelope, n) for n in (*names, "schema_version")}


def test_state_survives_in_a_json_file(clock: Clock, requests: Requests, tmp_path: Path) -> None:
    xsd = requests.xsd_dir
    state = tmp_path / "dso.json"
    first = DsoSimulator(DSO, communities(), points(), clock=clock, xsd_dir=xsd, state_path=state)
    first.send(requests.join(CONSUMER))
    again = DsoSimulator(DSO, communities(), points(), clock=clock, xsd_dir=xsd, state_path=state)
    assert again.registry.membership(CONSUMER, EC_ID, date(2026, 3, 17)) is not None
    assert again.registry.counter == first.registry.counter


@pytest.mark.parametrize(("day", "count"), [(date(2026, 3, 29), 92), (date(2026, 10, 25), 100)])
def test_daily_energy_on_dst_days(
    simulator: DsoSimulator, requests: Requests, xsd_dir: Path, day: date, count: int
) -> None:
    for point in (CONSUMER, CONSUMER_2, PRODUCER):
        simulator.send(requests.join(point, factor=80))
    drain(simulator, xsd_dir)
    sent = simulator.daily_energy(day)
    records = [read_document(m.payload, xsd_dir=xsd_dir) for m in sent]
    assert all(isinstance(r, ConsumptionRecord) for r in records)
    by_point = {r.metering_point: r for r in records if isinstance(r, ConsumptionRecord)}
    assert set(by_point) == {CONSUMER, CONSUMER_2, PRODUCER}
    series = {
        point: {d.meter_code: [p.quantity for p in d.positions] for d in r.energy[0].data}
        for point, r in by_point.items()
    }
    for point, codes in series.items():
        assert by_point[point].energy[0].number_of_intervals == count
        assert all(len(values) == count for values in codes.values())
    producer = series[PRODUCER]
    assert set(producer) == {"1-1:2.9.0 G.01", "1-1:2.9.0 G.01T", "1-1:2.9.0 P.01T"}
    assert sum(producer["1-1:2.9.0 G.01"]) > 0
    for consumer in (CONSUMER, CONSUMER_2):
        c = series[consumer]
        assert set(c) == {
            "1-1:1.9.0 G.01",
            "1-1:1.9.0 G.01T",
            "1-1:2.9.0 G.02",
            "1-1:2.9.0 G.03",
        }
        for g01, g01t, g02, g03 in zip(*c.values(), strict=True):
            assert 0 <= g03 <= g02 and g03 <= g01t <= g01
    # What the community kept plus the surplus is the generation counted for it (Wh rounding).
    for k in range(count):
        covered = sum(series[c]["1-1:2.9.0 G.03"][k] for c in (CONSUMER, CONSUMER_2))
        gap = producer["1-1:2.9.0 G.01T"][k] - producer["1-1:2.9.0 P.01T"][k] - covered
        assert abs(gap) <= Decimal("0.002")


def test_daily_energy_is_deterministic(
    clock: Clock, requests: Requests, xsd_dir: Path, simulator: DsoSimulator
) -> None:
    twin = DsoSimulator(DSO, communities(), points(), clock=clock, xsd_dir=xsd_dir, seed=7)
    for sim in (simulator, twin):
        sim.send(requests.join(PRODUCER))
    first, second = (
        [read_document(m.payload, validate=False) for m in sim.daily_energy(date(2026, 6, 21))]
        for sim in (simulator, twin)
    )
    assert [r.energy for r in first if isinstance(r, ConsumptionRecord)] == [
        r.energy for r in second if isinstance(r, ConsumptionRecord)
    ]
