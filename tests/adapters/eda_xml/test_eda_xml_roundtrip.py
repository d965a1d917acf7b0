"""Every message type, in every version, is written valid against the official XSD and reads back
equal; fields a version cannot carry are refused instead of dropped."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from meshkit.adapters.eda.xml import (
    AdditionalData,
    AddressType,
    CalculatedShare,
    CMNotification,
    CMRequest,
    CMRequestDetails,
    CMRevoke,
    ConsentResponse,
    ConsumptionRecord,
    CPNotification,
    CPRequest,
    CPRequestExtension,
    CustomerName,
    DistributionModel,
    DocumentMode,
    ECMPList,
    ECType,
    EdaMessage,
    EdaWriteError,
    Energy,
    EnergyData,
    EnergyDirection,
    EnergyPosition,
    MessageHeader,
    MeteringInterval,
    MeteringPointEntry,
    MeteringPointPeriod,
    SchemaViolationError,
    TransmissionCycle,
    document_schema,
    read_document,
    write_document,
)

Make = Callable[[str], EdaMessage]
MP = "AT0030000000000000000000000123456"
EC_ID = "AT00300000000RC100130000000000000"
CREATED = datetime(2026, 3, 17, 9, 30, 15, 123456, tzinfo=UTC)


def header(code: str, *, from_dso: bool = True) -> MessageHeader:
    dso, community = "AT003000", "RC100130"
    return MessageHeader(
        sender=dso if from_dso else community,
        receiver=community if from_dso else dso,
        created=CREATED,
        message_code=code,
        message_id="RC100130202603170930150001",
        conversation_id="RC100130T1773739815000",
        document_mode=DocumentMode.SIMU,
        duplicate=True,
        receiver_type=AddressType.OTHER,
    )


def cm_request(version: str) -> CMRequest:
    new = version == "01p30"
    return CMRequest(
        header=header("ANFORDERUNG_ECON", from_dso=False),
        process_date=date(2026, 3, 18),
        cm_request_id="REQ4711",
        metering_point=MP,
        request=CMRequestDetails(
            data_type="EnergyCommunityRegistration",
            date_from=date(2026, 3, 18),
            date_to=date(2026, 12, 31),
            metering_interval=MeteringInterval.QUARTER_HOUR,
            transmission_cycle=TransmissionCycle.DAILY,
            ec_id=EC_ID,
            participation_factor=60,
            ec_share=Decimal("12.5000"),
            energy_direction=EnergyDirection.GENERATION,
            purpose="Abrechnung der Gemeinschaft" if new else None,
        ),
        additional_data=(AdditionalData("Kanal", "EDA"),) if new else (),
    )


def cm_notification(version: str) -> CMNotification:
    new = version == "01p20"
    return CMNotification(
        header=header("ZUSTIMMUNG_ECON"),
        cm_request_id="REQ4711",
        responses=(
            ConsentResponse((175,), consent_id="AT003000202603170930ABC", metering_point=MP),
            ConsentResponse((181, 185)),
        ),
        customer=CustomerName("Maria Muster", "Haus 2"),
        portal_approval_url="https://portal.example.at/ok" if new else None,
        supplier="AT000000000" if new else None,
        start_date=date(2026, 3, 19) if new else None,
        additional_data=(AdditionalData("Hinweis", "Test"),) if new else (),
    )


def ecmp_list(version: str) -> ECMPList:
    new = version == "01p20"
    return ECMPList(
        header=header("ABSCHLUSS_ECON"),
        process_date=date(2026, 3, 18),
        ec_id=EC_ID,
        ec_type=ECType.PP if new else ECType.RENEWABLE_LOCAL,
        distribution_model=DistributionModel.STATIC,
        zone_level=3 if new else None,
        metering_points=(
            MeteringPointEntry(
                metering_point=MP,
                consent_id="AT003000202603170930ABC",
                periods=(
                    MeteringPointPeriod(
                        date_from=date(2026, 3, 18),
                        date_to=date(9999, 12, 31),
                        date_activate=date(2026, 3, 18),
                        energy_direction=EnergyDirection.CONSUMPTION,
                        participation_factor=100,
                        plant_category=None if new else "PV",
                        data_type="QH" if new else None,
                        transmission_cycle=TransmissionCycle.MONTHLY if new else None,
                        purpose="Abrechnung" if new else None,
                        tech_code="T1" if new else None,
                        fuel_code="F1" if new else None,
                        date_deactivate=date(2026, 12, 31),
                        ec_share=Decimal("33.3333"),
                        calculated_shares=(
                            CalculatedShare(date(2026, 3, 18), date(2026, 3, 31), Decimal("25.5")),
                        ),
                    ),
                ),
            ),
            MeteringPointEntry(
                metering_point="AT0030000000000000000000000654321",
                periods=(
                    MeteringPointPeriod(
                        date_from=date(2026, 4, 1),
                        date_to=date(9999, 12, 31),
                        date_activate=date(2026, 4, 1),
                        energy_direction=EnergyDirection.GENERATION,
                        participation_factor=1,
                        data_type="QH" if new else None,
                    ),
                ),
            ),
        ),
    )


def cp_request(version: str) -> CPRequest:
    return CPRequest(
        header=header("ANFORDERUNG_PT", from_dso=False),
        process_date=date(2026, 3, 18),
        metering_point=MP,
        extension=CPRequestExtension(
            assumption_of_costs=False,
            metering_interval=MeteringInterval.QUARTER_HOUR,
            transmission_cycle=TransmissionCycle.DAILY,
            date_time_from=datetime(2026, 3, 1, tzinfo=UTC),  # written as 01:00+01:00
            date_time_to=datetime(2026, 3, 16, 23, tzinfo=UTC),
            email_customer="maria@example.at",
        ),
        additional_data=(AdditionalData("Grund", "Nachforderung"),),
        verification_document="DOC123",
    )


def cp_notification(version: str) -> CPNotification:
    return CPNotification(
        header=header("ABLEHNUNG_CPF"),
        original_message_id="RC100130202603170930150001",
        response_codes=(188, 196),
        additional_data=(AdditionalData("Info", "Faktor zu hoch"),),
    )


def consumption_record(version: str) -> ConsumptionRecord:
    start = datetime(2026, 3, 16, 23, tzinfo=UTC)
    return ConsumptionRecord(
        header=header("DATEN_CRMSG"),
        process_date=date(2026, 3, 18),
        metering_point=MP,
        ec_id=EC_ID,
        delivery_point="RC100130",
        sequence="2" if version == "01p41" else None,
        energy=(
            Energy(
                period_start=start,
                period_end=datetime(2026, 3, 17, 23, tzinfo=UTC),
                interval=MeteringInterval.DAY,
                number_of_intervals=1,
                metering_reason="00",
                data=(
                    EnergyData(
                        "1-1:1.9.0 G.01",
                        "KWH",
                        (
                            EnergyPosition(
                                start, datetime(2026, 3, 17, 23, tzinfo=UTC), "L1", Decimal("12.3")
                            ),
                        ),
                    ),
                    EnergyData(
                        "1-1:2.9.0 G.03",
                        "KWH",
                        (
                            EnergyPosition(
                                start, datetime(2026, 3, 17, 23, tzinfo=UTC), "L2", Decimal("-0.5")
                            ),
                        ),
                    ),
                ),
            ),
        ),
    )


def cm_revoke(version: str) -> CMRevoke:
    return CMRevoke(
        header=header("AUFHEBUNG_CCMS"),
        consent_id="AT003000202603170930ABC",
        metering_point=MP,
        consent_end=date(2026, 3, 31),
        reason_key=3,
        reason="Auszug",
    )


CASES = [
    (cm_request, "CMRequest", "01p20"),
    (cm_request, "CMRequest", "01p30"),
    (cm_notification, "CMNotification", "01p12"),
    (cm_notification, "CMNotification", "01p20"),
    (ecmp_list, "ECMPList", "01p10"),
    (ecmp_list, "ECMPList", "01p20"),
    (cp_request, "CPRequest", "01p12"),
    (cp_notification, "CPNotification", "01p13"),
    (consumption_record, "ConsumptionRecord", "01p40"),
    (consumption_record, "ConsumptionRecord", "01p41"),
    (cm_revoke, "CMRevoke", "01p10"),
]


@pytest.mark.parametrize(
    ("make", "schema", "version"), CASES, ids=[f"{s}-{v}" for _, s, v in CASES]
)
def test_written_documents_are_valid_and_read_back_equal(
    make: Make, schema: str, version: str, xsd_dir: Path
) -> None:
    message: EdaMessage = make(version)
    data = write_document(message, version, xsd_dir=xsd_dir)
    # Validate independently of the package, straight against the official XSD file.
    xsd = etree.XMLSchema(etree.parse(str(xsd_dir / f"{schema}_{version}.xsd")))
    assert xsd.validate(etree.fromstring(data)), xsd.error_log
    assert document_schema(data).version == version
    assert read_document(data, xsd_dir=xsd_dir) == message


@pytest.mark.parametrize(
    ("make", "newest"),
    [
        (cm_request, "01p30"),
        (cm_notification, "01p20"),
        (ecmp_list, "01p20"),
        (consumption_record, "01p41"),
        (cp_request, "01p12"),
    ],
)
def test_version_defaults_to_the_newest(make: Make, newest: str, xsd_dir: Path) -> None:
    data = write_document(make(newest), xsd_dir=xsd_dir)
    assert document_schema(data).version == newest
    assert f'SchemaVersion="{newest.replace("p", ".")}"'.encode() in data


def test_version_may_be_given_in_header_spelling(xsd_dir: Path) -> None:
    data = write_document(ecmp_list("01p10"), "01.10", xsd_dir=xsd_dir)
    assert document_schema(data).version == "01p10"


def test_energy_timestamps_are_written_in_austrian_local_time(xsd_dir: Path) -> None:
    data = write_document(consumption_record("01p41"), xsd_dir=xsd_dir)
    assert b"<cp:DTF>2026-03-17T00:00:00+01:00</cp:DTF>" in data
    assert b"<ct:DocumentCreationDateTime>2026-03-17T09:30:15.123456Z<" in data


def test_fields_a_version_cannot_carry_are_refused(xsd_dir: Path) -> None:
    with pytest.raises(
        EdaWriteError, match=r"CMNotification 01p12 has no element for portal_approval_url"
    ):
        write_document(cm_notification("01p20"), "01p12", xsd_dir=xsd_dir)
    with pytest.raises(EdaWriteError, match=r"ECMPList 01p20 has no element for plant_category"):
        write_document(ecmp_list("01p10"), "01p20", xsd_dir=xsd_dir)
    with pytest.raises(EdaWriteError, match=r"ConsumptionRecord 01p40 has no element for sequence"):
        write_document(consumption_record("01p41"), "01p40", xsd_dir=xsd_dir)
    with pytest.raises(EdaWriteError, match=r"CMRequest 01p20 requires request"):
        write_document(replace(cm_request("01p20"), request=None), "01p20", xsd_dir=xsd_dir)


def test_unknown_version_and_wrong_message_code_are_refused(xsd_dir: Path) -> None:
    with pytest.raises(EdaWriteError, match=r"version '01p99' is not supported"):
        write_document(cm_revoke("01p10"), "01p99", xsd_dir=xsd_dir)
    wrong = replace(cm_revoke("01p10"), header=header("ANTWORT_ECON"))
    with pytest.raises(EdaWriteError, match=r"'ANTWORT_ECON' does not belong in a CMRevoke"):
        write_document(wrong, xsd_dir=xsd_dir)


def test_outbound_validation_catches_what_the_types_allow(xsd_dir: Path) -> None:
    bad = replace(cm_revoke("01p10"), consent_id="has-dashes")  # GroupingId is [0-9A-Za-z]*
    with pytest.raises(SchemaViolationError, match="ConsentId"):
        write_document(bad, xsd_dir=xsd_dir)
    assert b"has-dashes" in write_document(bad, validate=False)
