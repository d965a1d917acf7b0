"""PDF documents: read back from the uncompressed content stream."""

from __future__ import annotations

import re
from datetime import date

from billing_examples import Q1_2026, member, point, total

from meshkit.models.energy_community.allocation.meter_codes import MeterCode
from meshkit.models.energy_community.billing import (
    Community,
    Direction,
    InMemoryNumberSequence,
    RunKind,
    Tariff,
    TaxRegime,
    bill,
)
from meshkit.models.energy_community.billing.pdf import render_pdf

_ESCAPE = re.compile(rb"\\([0-7]{3}|.)")


def pdf_text(pdf: bytes) -> str:
    """The text of every text-showing operator, decoded from reportlab's WinAnsi strings."""

    def unescape(match: re.Match[bytes]) -> bytes:
        code = match.group(1)
        return bytes([int(code, 8)]) if len(code) == 3 else code

    strings = re.findall(rb"\(((?:[^()\\]|\\.)*)\) Tj", pdf)
    return " ".join(_ESCAPE.sub(unescape, s).decode("cp1252") for s in strings)


def test_billing_pdf_invoice(community: Community, tariff: Tariff) -> None:
    daily = [
        total(point(1).id, MeterCode.COVERED, "250.5"),
        total(point(1).id, MeterCode.CONSUMPTION, "800"),
    ]
    run = bill(
        community,
        Q1_2026,
        [member("M001", point(1), mandate=True)],
        [tariff],
        daily,
        RunKind.FINAL,
        numbers=InMemoryNumberSequence(),
        issue_date=date(2026, 4, 7),
    )
    pdf = render_pdf(run.documents[0], community, compress=False)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    for expected in (
        "EEG Sonnenstrom Musterdorf",
        "UID: ATU12345678",
        "Rechnung 2026-000001",
        "01.01.2026–31.03.2026",
        point(1).id,
        "Gesamtbetrag brutto",
        "48,67 EUR",
        "USt 20 % auf 40,56 EUR",
        "SEPA-Lastschrift",
        "Mandatsreferenz MANDAT-M001",
        "Energie im Zeitraum (kWh)",
        "01/26",
    ):
        assert expected in text, expected
    assert render_pdf(run.documents[0], community) == render_pdf(run.documents[0], community)


def test_billing_pdf_credit_note_with_vat_note(community: Community, tariff: Tariff) -> None:
    producer = member("M009", point(9, Direction.GENERATION), tax_regime=TaxRegime.SMALL_BUSINESS)
    values = [total(point(9).id, MeterCode.GENERATION_COUNTED, "1200")]
    [document] = bill(community, Q1_2026, [producer], [tariff], values).documents
    text = pdf_text(render_pdf(document, community, compress=False))
    assert "Gutschrift – ENTWURF (Vorschau)" in text
    assert "Kleinunternehmer gem. § 6 Abs. 1 Z 27 UStG" in text
    assert "überweisen wir auf Ihr Konto DE89 **** 3000" in text
