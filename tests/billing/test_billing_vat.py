"""Each VAT regime with its rate and its note (worked example 3 of docs/billing.md)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from billing_examples import Q1_2026, D, member, point, total

from meshkit.models.energy_community.allocation.meter_codes import MeterCode
from meshkit.models.energy_community.billing import (
    NOTES,
    BillingError,
    Community,
    Direction,
    DocumentKind,
    Tariff,
    TaxRegime,
    bill,
)
from meshkit.models.energy_community.billing.calculation import SELF_BILLING_NOTE

PRODUCTION = [
    total(point(9).id, MeterCode.GENERATION_COUNTED, "1200"),
    total(point(9).id, MeterCode.SURPLUS, "345.5"),
]


@pytest.mark.parametrize(
    ("regime", "rate", "vat", "gross", "note"),
    [
        (TaxRegime.STANDARD, D(20), D("-13.67"), D("-82.03"), ""),
        (
            TaxRegime.SMALL_BUSINESS,
            D(0),
            D(0),
            D("-68.36"),
            "Umsatzsteuerbefreit – Kleinunternehmer gem. § 6 Abs. 1 Z 27 UStG",
        ),
        (
            TaxRegime.REVERSE_CHARGE,
            D(0),
            D(0),
            D("-68.36"),
            "Übergang der Steuerschuld auf den Leistungsempfänger (Reverse Charge) "
            "gem. § 19 Abs. 1d UStG iVm UStBBKV",
        ),
        (
            TaxRegime.FARMERS_FLAT_RATE,
            D(13),
            D("-8.89"),
            D("-77.25"),
            "Pauschalierter Land- und Forstwirt – Durchschnittssteuersatz 13 % gem. § 22 UStG",
        ),
        (TaxRegime.NONE, D(0), D(0), D("-68.36"), ""),
    ],
)
def test_billing_vat_regimes_on_credit_notes(
    community: Community,
    energy_only: Tariff,
    regime: TaxRegime,
    rate: D,
    vat: D,
    gross: D,
    note: str,
) -> None:
    """854.5 kWh kept in the community (1200 − 345.5) × 8 ct = 68.36 EUR credited."""
    producer = member("M009", point(9, Direction.GENERATION), tax_regime=regime)
    [document] = bill(community, Q1_2026, [producer], [energy_only], PRODUCTION).documents
    [line] = document.lines
    assert (line.quantity, line.unit_price, line.net) == (D("854.5"), D("-0.08"), D("-68.36"))
    assert (line.vat_rate, line.vat, line.gross) == (rate, vat, gross)
    assert document.kind is DocumentKind.CREDIT_NOTE
    assert document.notes == ((SELF_BILLING_NOTE, note) if note else (SELF_BILLING_NOTE,))
    assert NOTES[regime][0] == note


def test_billing_vat_small_business_community(community: Community, tariff: Tariff) -> None:
    small = replace(community, tax_regime=TaxRegime.SMALL_BUSINESS)
    values = [total(point(1).id, MeterCode.COVERED, "250.5")]
    [document] = bill(small, Q1_2026, [member("M001", point(1))], [tariff], values).documents
    assert (document.net, document.vat, document.gross) == (D("40.56"), D(0), D("40.56"))
    assert document.notes == (NOTES[TaxRegime.SMALL_BUSINESS][0],)


def test_billing_vat_notes_can_be_reworded(community: Community, energy_only: Tariff) -> None:
    worded = replace(community, vat_notes={TaxRegime.REVERSE_CHARGE: "Reverse Charge (§ 19 UStG)"})
    producer = member("M009", point(9, Direction.GENERATION), tax_regime=TaxRegime.REVERSE_CHARGE)
    [document] = bill(worded, Q1_2026, [producer], [energy_only], PRODUCTION).documents
    assert document.notes[-1] == "Reverse Charge (§ 19 UStG)"


def test_billing_vat_community_cannot_sell_under_reverse_charge(
    community: Community, energy_only: Tariff
) -> None:
    wrong = replace(community, tax_regime=TaxRegime.REVERSE_CHARGE)
    with pytest.raises(BillingError, match="cannot sell to its members under the reverse_charge"):
        bill(wrong, Q1_2026, [member("M001", point(1))], [energy_only], [])
