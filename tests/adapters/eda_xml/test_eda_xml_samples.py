"""Every real sample in shared/eda/samples is read with the values it actually holds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from meshkit.adapters.eda.xml import (
    CMNotification,
    CMRevoke,
    ConsentResponse,
    ConsumptionRecord,
    ContentError,
    CPNotification,
    DistributionModel,
    DocumentMode,
    DocumentSchema,
    ECMPList,
    ECType,
    EnergyDirection,
    MeteringInterval,
    SchemaViolationError,
    UnknownMessageCodeError,
    document_schema,
    read_document,
)

Sample = Callable[[str], bytes]
CEST = timezone(timedelta(hours=2))
CET = timezone(timedelta(hours=1))


def test_accepted_ccmo_01p20(sample: Sample, xsd_dir: Path) -> None:
    msg = read_document(sample("cmnotification/_01p20/accepted_ccmo.xml"), xsd_dir=xsd_dir)
    assert isinstance(msg, CMNotification)
    h = msg.header
    assert (h.sender, h.receiver, h.message_code) == ("ATXXXXXX", "EPXXXXXX", "ZUSTIMMUNG_CCMO")
    assert h.created == datetime(2024, 4, 2, 14, 40, 47, 469922, tzinfo=UTC)
    assert (h.document_mode, h.duplicate, h.sector) == (DocumentMode.PROD, False, "01")
    assert h.message_id == "ATXXXXXX202404021640408050262904881"
    assert h.conversation_id == "EPXXXXXXT1712068829927"
    assert msg.cm_request_id == "BI2AWUO2"
    assert msg.responses == (
        ConsentResponse(
            response_codes=(175,),
            consent_id="ATXXXXXX20240402164046426BI2AWUO2",
            metering_point="ATXXXXXX00000000000000000XXXXXXXX",
        ),
    )
    assert msg.portal_approval_url == "https://wienernetze.at"
    assert msg.supplier == "AT000000000"
    assert (msg.start_date, msg.customer, msg.additional_data) == (None, None, ())


@pytest.mark.parametrize(
    ("name", "code", "request_id", "response", "created_second"),
    [
        ("answer_ccmo.xml", "ANTWORT_CCMO", "BI2AWUO2", 99, 42),
        ("rejected_ccmo.xml", "ABLEHNUNG_CCMO", "B2QG42ZU", 178, 32),
    ],
)
def test_other_ccmo_notifications_01p20(
    sample: Sample,
    xsd_dir: Path,
    name: str,
    code: str,
    request_id: str,
    response: int,
    created_second: int,
) -> None:
    msg = read_document(sample(f"cmnotification/_01p20/{name}"), xsd_dir=xsd_dir)
    assert isinstance(msg, CMNotification)
    assert msg.header.message_code == code
    assert msg.header.created.second == created_second
    assert msg.cm_request_id == request_id
    assert len(msg.responses) == 1
    assert msg.responses[0].response_codes == (response,)
    assert msg.responses[0].consent_id is None
    assert msg.responses[0].metering_point == "ATXXXXXX00000000000000000XXXXXXXX"


def test_cmrevoke_01p10(sample: Sample, xsd_dir: Path) -> None:
    msg = read_document(sample("cmrevoke/_01p10/cmrevoke.xml"), xsd_dir=xsd_dir)
    assert isinstance(msg, CMRevoke)
    assert msg.header.message_code == "AUFHEBUNG_CCMC"
    assert msg.header.message_id == "ATXXXXXX202404030857337440263770730"
    assert msg.header.conversation_id == "ATXXXXXX202404030857336650011888023"
    assert msg.header.created == datetime(2024, 4, 3, 6, 57, 35, 580971, tzinfo=UTC)
    assert msg.consent_id == "ATXXXXXX20240403085709627V2YSCMHG"
    assert msg.metering_point == "ATXXXXXX00000000000000000XXXXXXXX"
    assert msg.consent_end == date(2024, 4, 4)
    assert (msg.reason_key, msg.reason) == (None, None)


@pytest.mark.parametrize(
    ("name", "code", "conversation", "response"),
    [
        ("answer_pt.xml", "ANTWORT_PT", "EPXXXXXXT1729251297834", 70),
        ("rejected_pt.xml", "ABLEHNUNG_PT", "EPXXXXXXT1729251281919", 82),
    ],
)
def test_cpnotification_01p13(
    sample: Sample, xsd_dir: Path, name: str, code: str, conversation: str, response: int
) -> None:
    data = sample(f"cpnotification/_01p12/{name}")
    # eddie's folder says 01p12, but the namespace (which decides) is 01p13.
    assert document_schema(data) == DocumentSchema("CPNotification", "01p13")
    msg = read_document(data, xsd_dir=xsd_dir)
    assert isinstance(msg, CPNotification)
    assert msg.header.message_code == code
    assert msg.header.conversation_id == conversation
    assert msg.original_message_id == conversation
    assert msg.response_codes == (response,)
    assert msg.header.created.date() == date(2024, 10, 18)


@pytest.mark.parametrize(
    ("path", "conversation", "process_date", "metering_point", "date_from", "activated"),
    [
        (
            "ecmplist/_01p10/ecmplist.xml",
            "CC000000000000000000000000000000000",
            date(2025, 10, 6),
            "AT0000000000000000000000000000000",
            date(2025, 10, 6),
            date(2025, 10, 6),
        ),
        (
            "ponton-simulator/ecmplist_01p10_ABSCHLUSS_ECON.resolved.xml",
            "CC100855T1773993810107",
            date(2026, 3, 1),
            "AT0010000000000000000000000000000",
            date(2026, 3, 11),
            date(2026, 3, 10),
        ),
    ],
)
def test_ecmplist_01p10(
    sample: Sample,
    xsd_dir: Path,
    path: str,
    conversation: str,
    process_date: date,
    metering_point: str,
    date_from: date,
    activated: date,
) -> None:
    msg = read_document(sample(path), xsd_dir=xsd_dir)
    assert isinstance(msg, ECMPList)
    h = msg.header
    assert (h.sender, h.receiver, h.message_code) == ("AT000000", "CC000000", "ABSCHLUSS_ECON")
    assert h.message_id == "AT000000000000000000000000000000000"
    assert h.conversation_id == conversation
    assert msg.process_date == process_date
    assert msg.ec_id == "ATCC0000DYNAMCC000000000000000000"
    assert (msg.ec_type, msg.distribution_model) == (ECType.CC, DistributionModel.DYNAMIC)
    assert msg.zone_level is None
    (entry,) = msg.metering_points
    assert entry.metering_point == metering_point
    assert entry.consent_id == "AT0000000000000000000000000000000"
    (period,) = entry.periods
    assert (period.date_from, period.date_to) == (date_from, date(9999, 12, 31))
    assert period.energy_direction is EnergyDirection.CONSUMPTION
    assert period.participation_factor == 100
    assert period.date_activate == activated
    assert period.date_deactivate is None
    assert period.ec_share == Decimal("0.0000")
    assert period.calculated_shares == ()


def test_consumption_record_quarter_hourly_01p41(sample: Sample, xsd_dir: Path) -> None:
    data = sample("consumptionrecord/_01p41/consumptionrecord_quater-hourly.xml")
    msg = read_document(data, xsd_dir=xsd_dir)
    assert isinstance(msg, ConsumptionRecord)
    assert msg.header.message_code == "DATEN_CRMSG"
    assert msg.header.message_id == "ATXXXXXX202404030752132560263752458"
    assert msg.header.conversation_id == "EPXXXXXXT1712123513688"
    assert msg.process_date == date(2024, 4, 3)
    assert msg.metering_point == "ATXXXXXX00000000000000000XXXXXXXX"
    assert (msg.ec_id, msg.delivery_point, msg.sequence) == (None, None, None)
    (energy,) = msg.energy
    assert energy.metering_reason == "00"
    assert energy.period_start == datetime(2024, 4, 1, tzinfo=CEST)
    assert energy.period_end == datetime(2024, 4, 2, tzinfo=CEST)
    assert (energy.interval, energy.number_of_intervals) == (MeteringInterval.QUARTER_HOUR, 96)
    (series,) = energy.data
    assert (series.meter_code, series.unit) == ("1-1:2.9.0 P.01", "KWH")
    positions = series.positions
    assert len(positions) == 96
    assert positions[0].start == datetime(2024, 3, 31, 22, 0, tzinfo=UTC)
    assert positions[0].end == datetime(2024, 3, 31, 22, 15, tzinfo=UTC)
    assert positions[0].quantity == Decimal("0.001")
    assert positions[49].quantity == Decimal("0.006")
    assert positions[-1].start == datetime(2024, 4, 1, 23, 45, tzinfo=CEST)
    assert positions[-1].quantity == Decimal("0")
    assert {p.quality for p in positions} == {"L1"}
    assert sum(p.quantity for p in positions) == Decimal("0.719")
    peak = max(positions, key=lambda p: p.quantity)
    assert (peak.start, peak.quantity) == (
        datetime(2024, 4, 1, 14, 30, tzinfo=UTC),
        Decimal("0.052"),
    )


def test_consumption_record_daily_01p41(sample: Sample, xsd_dir: Path) -> None:
    msg = read_document(
        sample("consumptionrecord/_01p41/consumptionrecord_daily.xml"), xsd_dir=xsd_dir
    )
    assert isinstance(msg, ConsumptionRecord)
    assert msg.header.message_id == "ATXXXXXX202404021640475300262904883"
    assert msg.header.conversation_id == "EPXXXXXXT1712068829927"
    assert msg.process_date == date(2024, 4, 2)
    (energy,) = msg.energy
    assert (energy.interval, energy.number_of_intervals) == (MeteringInterval.DAY, 1)
    (position,) = energy.data[0].positions
    assert position.start == datetime(2024, 3, 30, tzinfo=CET)
    assert position.end == datetime(2024, 3, 31, tzinfo=CET)
    assert (position.quality, position.quantity) == ("L1", Decimal("36.77"))


def test_ponton_consumption_record_01p41(sample: Sample, xsd_dir: Path) -> None:
    path = "ponton-simulator/consumptionrecord_01p41_DATEN_CRMSG.resolved.xml"
    msg = read_document(sample(path), xsd_dir=xsd_dir)
    assert isinstance(msg, ConsumptionRecord)
    assert msg.header.conversation_id == "CC100855T1773993810107"
    assert msg.metering_point == "AT0010000000000000000000000000000"
    (energy,) = msg.energy
    # The simulator claims 96 intervals but sends one: the count is kept, not trusted.
    assert energy.number_of_intervals == 96
    (position,) = energy.data[0].positions
    assert (position.start, position.end) == (
        datetime(2026, 3, 16, 23, 0, tzinfo=UTC),
        datetime(2026, 3, 16, 23, 15, tzinfo=UTC),
    )
    assert position.quantity == Decimal("0.001")


def test_ponton_antwort_econ_01p12(sample: Sample, xsd_dir: Path) -> None:
    path = "ponton-simulator/cmnotification_01p12_ANTWORT_ECON.resolved.xml"
    assert document_schema(sample(path)) == DocumentSchema("CMNotification", "01p12")
    msg = read_document(sample(path), xsd_dir=xsd_dir)
    assert isinstance(msg, CMNotification)
    assert (msg.header.sender, msg.header.message_code) == ("AT001000", "ANTWORT_ECON")
    assert msg.header.conversation_id == "CC100855T1773993810107"
    assert msg.cm_request_id == "475UHAQY"
    assert msg.responses == (
        ConsentResponse(response_codes=(99,), metering_point="AT0010000000000000000000000000000"),
    )


INVALID = {
    # file: (line of the first error, text in it, number of errors per the README)
    "cmnotification_01p12_ANTWORT_ECON.template.xml": (19, "ConversationId", 3),
    "cmnotification_01p12_CCMO_ACCEPT.template.xml": (19, "ConversationId", 5),
    "cmnotification_01p12_CCMO_ACCEPT.resolved.xml": (24, "ConsentId", 1),
    "consumptionrecord_01p41_DATEN_CRMSG.template.xml": (19, "ConversationId", 6),
    "ecmplist_01p10_ABSCHLUSS_ECON.template.xml": (19, "ConversationId", 2),
}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_ponton_samples_are_rejected_with_location(
    sample: Sample, xsd_dir: Path, name: str
) -> None:
    line, text, count = INVALID[name]
    with pytest.raises(SchemaViolationError) as caught:
        read_document(sample(f"ponton-simulator/{name}"), xsd_dir=xsd_dir)
    error = caught.value
    assert error.line == line
    assert len(error.issues) == count
    assert text in error.issues[0].message
    assert str(error).startswith(f"line {line}: not valid against ")


def test_templates_read_without_validation_keep_placeholders(sample: Sample) -> None:
    msg = read_document(
        sample("ponton-simulator/cmnotification_01p12_ANTWORT_ECON.template.xml"), validate=False
    )
    assert isinstance(msg, CMNotification)
    assert msg.header.conversation_id == "{{conversation-id}}"
    assert msg.responses[0].metering_point == "{{metering-point-id}}"
    msg2 = read_document(
        sample("ponton-simulator/ecmplist_01p10_ABSCHLUSS_ECON.template.xml"), validate=False
    )
    assert isinstance(msg2, ECMPList)
    assert msg2.metering_points[0].metering_point == "{{metering-point-id}}"


def test_template_with_placeholder_timestamps_is_a_located_content_error(sample: Sample) -> None:

    with pytest.raises(
        ContentError, match=r"^line 24: <MeteringPeriodStart> value '\{\{start\}\}'"
    ):
        read_document(
            sample("ponton-simulator/consumptionrecord_01p41_DATEN_CRMSG.template.xml"),
            validate=False,
        )


def test_ccmo_accept_is_not_a_known_message_code_even_without_validation(sample: Sample) -> None:
    with pytest.raises(UnknownMessageCodeError, match="line 15: message code 'CCMO_ACCEPT'"):
        read_document(
            sample("ponton-simulator/cmnotification_01p12_CCMO_ACCEPT.resolved.xml"), validate=False
        )


def test_a_comment_inside_a_value_does_not_cut_it(sample: Sample, xsd_dir: Path) -> None:
    """XML lets a comment or processing instruction stand inside an element's text; the XSD
    sees the whole value, and so must the reader (it used to keep only the part before)."""
    data = sample("consumptionrecord/_01p41/consumptionrecord_quater-hourly.xml")
    original = read_document(data, xsd_dir=xsd_dir)
    assert isinstance(original, ConsumptionRecord)
    first = original.energy[0].data[0].positions[0].quantity
    assert first == Decimal("0.001")
    marked = data.replace(b"<ns0:BQ>0.001", b"<ns0:BQ>0.0<!-- checked -->0<?pi x?>1", 1)
    assert marked != data
    msg = read_document(marked, xsd_dir=xsd_dir)
    assert isinstance(msg, ConsumptionRecord)
    assert msg.energy[0].data[0].positions[0].quantity == first
    assert msg == original
