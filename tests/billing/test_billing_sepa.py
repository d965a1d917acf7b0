"""SEPA files: parsed back and checked for amounts, IBANs, mandates, counts and control sums."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from billing_examples import COMMUNITY_IBAN, MEMBER_IBAN, Q1_2026, D, member, point, total
from lxml import etree

from meshkit.models.energy_community.allocation.meter_codes import MeterCode
from meshkit.models.energy_community.billing import (
    BankAccount,
    BillingRun,
    Community,
    Direction,
    InMemoryNumberSequence,
    PaymentFileError,
    RunKind,
    Tariff,
    bill,
)
from meshkit.models.energy_community.billing.sepa import (
    LeftOut,
    credit_transfer_file,
    direct_debit_file,
)

COLLECTION = date(2026, 4, 21)


@pytest.fixture
def run(community: Community, tariff: Tariff) -> BillingRun:
    members = [
        member("M001", point(1), mandate=True),  # invoice 48.67 (example 1), mandate
        member("M002", point(2)),  # invoice without mandate
        member("M003", point(3), mandate=True),  # invoice, mandate
        member("M009", point(9, Direction.GENERATION)),  # credit note
    ]
    values = [
        total(point(1).id, MeterCode.COVERED, "250.5"),
        total(point(2).id, MeterCode.COVERED, "10"),
        total(point(3).id, MeterCode.COVERED, "100"),
        total(point(9).id, MeterCode.GENERATION_COUNTED, "1200"),
        total(point(9).id, MeterCode.SURPLUS, "345.5"),
    ]
    return bill(
        community,
        Q1_2026,
        members,
        [tariff],
        values,
        RunKind.FINAL,
        numbers=InMemoryNumberSequence(),
        issue_date=date(2026, 4, 7),
    )


def _parsed(xml: bytes | None) -> tuple[etree._Element, dict[str, str]]:
    assert xml is not None
    root = etree.fromstring(xml)
    return root, {"p": root.nsmap[None]}


def test_billing_sepa_direct_debit(community: Community, run: BillingRun) -> None:
    sepa = direct_debit_file(community, run.documents, COLLECTION)
    root, ns = _parsed(sepa.xml)
    assert ns["p"] == "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"
    # M003: 100 kWh × 0.12 = 12.00 + fees 10.50 = 22.50 net, VAT 4.50, gross 27.00.
    amounts = [Decimal(a) for a in root.xpath("//p:DrctDbtTxInf/p:InstdAmt/text()", namespaces=ns)]
    assert amounts == [D("48.67"), D("27.00")]
    assert root.xpath("//p:GrpHdr/p:NbOfTxs/text()", namespaces=ns) == ["2"]
    assert root.xpath("//p:GrpHdr/p:CtrlSum/text()", namespaces=ns) == ["75.67"]
    assert (sepa.count, sepa.control_sum) == (2, D("75.67"))
    assert root.xpath("//p:DbtrAcct//p:IBAN/text()", namespaces=ns) == [MEMBER_IBAN] * 2
    assert root.xpath("//p:CdtrAcct//p:IBAN/text()", namespaces=ns) == [COMMUNITY_IBAN]
    assert root.xpath("//p:MndtId/text()", namespaces=ns) == ["MANDAT-M001", "MANDAT-M003"]
    assert root.xpath("//p:SeqTp/text()", namespaces=ns) == ["FRST"]
    assert root.xpath("//p:EndToEndId/text()", namespaces=ns) == list(sepa.numbers)
    assert sepa.left_out == (
        LeftOut("2026-000002", "M002", "no SEPA mandate: the member pays by transfer"),
    )


def test_billing_sepa_credit_transfer(community: Community, run: BillingRun) -> None:
    sepa = credit_transfer_file(community, run.documents, COLLECTION)
    root, ns = _parsed(sepa.xml)
    assert ns["p"] == "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
    # M009: fees 10.50 net + 2.10 VAT = 12.60, credit −68.36: the community pays 55.76.
    assert root.xpath("//p:CdtTrfTxInf/p:Amt/p:InstdAmt/text()", namespaces=ns) == ["55.76"]
    assert root.xpath("//p:CdtrAcct//p:IBAN/text()", namespaces=ns) == [MEMBER_IBAN]
    assert root.xpath("//p:DbtrAcct//p:IBAN/text()", namespaces=ns) == [COMMUNITY_IBAN]
    assert root.xpath("//p:GrpHdr/p:CtrlSum/text()", namespaces=ns) == ["55.76"]
    assert sepa.numbers == ("2026-000004",)


def test_billing_sepa_refuses_invalid_iban(community: Community, run: BillingRun) -> None:
    broken = replace(
        run.documents[0], recipient=replace(run.documents[0].recipient, iban="AT611904300234573202")
    )
    with pytest.raises(PaymentFileError, match=r"participant M001 \(2026-000001\): invalid IBAN"):
        direct_debit_file(community, [broken], COLLECTION)
    wrong_community = replace(community, bank_account=BankAccount("DE00123", "EEG"))
    with pytest.raises(
        PaymentFileError, match="community EEG Sonnenstrom Musterdorf: invalid IBAN"
    ):
        credit_transfer_file(wrong_community, run.documents, COLLECTION)


def test_billing_sepa_needs_a_creditor_id(community: Community, run: BillingRun) -> None:
    with pytest.raises(PaymentFileError, match="creditor identifier None is missing"):
        direct_debit_file(replace(community, creditor_id=None), run.documents, COLLECTION)


def test_billing_sepa_skips_drafts(community: Community, tariff: Tariff) -> None:
    preview = bill(
        community,
        Q1_2026,
        [member("M001", point(1), mandate=True)],
        [tariff],
        [total(point(1).id, MeterCode.COVERED, "1")],
    )
    sepa = direct_debit_file(community, preview.documents, COLLECTION)
    assert (sepa.xml, sepa.count, sepa.left_out) == (None, 0, ())
