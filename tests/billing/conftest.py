"""Fixtures of the billing tests: the community "EEG Sonnenstrom Musterdorf" and its tariffs."""

from __future__ import annotations

from datetime import date

import pytest
from billing_examples import COMMUNITY_IBAN, D

from meshkit.models.energy_community.billing import (
    Address,
    BankAccount,
    Community,
    Tariff,
    TaxRegime,
)


@pytest.fixture
def community() -> Community:
    return Community(
        "RC100130",
        "EEG Sonnenstrom Musterdorf",
        Address("Hauptplatz", "4020", "Linz", house_number="1"),
        tax_regime=TaxRegime.STANDARD,
        vat_id="ATU12345678",
        bank_account=BankAccount(COMMUNITY_IBAN, "EEG Sonnenstrom Musterdorf", "BKAUATWW"),
        creditor_id="AT61ZZZ01234567890",
    )


@pytest.fixture
def tariff() -> Tariff:
    """The standard tariff of 2026: 12 ct consumption, 8 ct feed-in, fees."""
    return Tariff(
        "2026",
        date(2026, 1, 1),
        consumption_price=D("0.12"),
        feed_in_price=D("0.08"),
        membership_fee=D("24.00"),
        base_fee=D("3.00"),
        metering_point_fee=D("1.50"),
    )


@pytest.fixture
def energy_only() -> Tariff:
    """Prices without fees, for examples about energy lines alone."""
    return Tariff("energy", date(2026, 1, 1), consumption_price=D("0.12"), feed_in_price=D("0.08"))
