"""Properties for any quantities and prices: lines add up, totals are sums, cancels are exact."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from billing_examples import Q1_2026, member, point
from hypothesis import given, settings
from hypothesis import strategies as st

from meshkit.models.energy_community.allocation.meter_codes import MeterCode
from meshkit.models.energy_community.billing import (
    Address,
    Community,
    Direction,
    DocumentStateError,
    EnergyValue,
    InMemoryNumberSequence,
    LineItemKind,
    Tariff,
    TaxRegime,
    bill,
    cancel,
    finalize,
    line_item,
    round_cents,
)

COMMUNITY = Community("RC1", "EEG", Address("Platz", "4020", "Linz"))
kwh = st.decimals(min_value=0, max_value=100_000, places=3)
prices = st.decimals(min_value=0, max_value=2, places=4)
fees = st.decimals(min_value=0, max_value=500, places=2)
rates = st.sampled_from([Decimal(0), Decimal(10), Decimal(13), Decimal(20)])


@given(
    quantity=st.decimals(min_value=-100_000, max_value=100_000, places=6), price=prices, rate=rates
)
def test_billing_property_line_gross_is_net_plus_vat(
    quantity: Decimal, price: Decimal, rate: Decimal
) -> None:
    line = line_item(1, LineItemKind.OTHER, "x", quantity, "kWh", price, rate, TaxRegime.STANDARD)
    assert line.net == round_cents(quantity * price)
    assert line.vat == round_cents(line.net * rate / 100)
    assert line.gross == line.net + line.vat
    assert line.negated().gross == -line.gross


@settings(max_examples=40, deadline=None)
@given(
    consumed=st.lists(kwh, min_size=1, max_size=3),
    generated=kwh,
    surplus_part=st.decimals(min_value=0, max_value=1, places=2),
    consumption_price=prices,
    feed_in_price=prices,
    fee=fees,
    discount=st.decimals(min_value=0, max_value=100, places=1),
    free=kwh,
    regime=st.sampled_from(list(TaxRegime)),
)
def test_billing_property_documents_are_sums_of_lines(
    consumed: list[Decimal],
    generated: Decimal,
    surplus_part: Decimal,
    consumption_price: Decimal,
    feed_in_price: Decimal,
    fee: Decimal,
    discount: Decimal,
    free: Decimal,
    regime: TaxRegime,
) -> None:
    tariff = Tariff(
        "t",
        date(2026, 1, 1),
        consumption_price,
        feed_in_price,
        membership_fee=fee,
        base_fee=fee,
        metering_point_fee=fee,
        discount=discount,
        free_kwh=free,
    )
    consumers = [point(n) for n in range(1, len(consumed) + 1)]
    producer = point(99, Direction.GENERATION)
    # One day each, spread over the quarter, so both tariffs' days and totals are exercised.
    values = [
        EnergyValue(p.id, MeterCode.COVERED, date(2026, 1 + n, 15), amount)
        for n, (p, amount) in enumerate(zip(consumers, consumed, strict=True))
    ]
    values += [
        EnergyValue(producer.id, MeterCode.GENERATION_COUNTED, date(2026, 2, 1), generated),
        EnergyValue(producer.id, MeterCode.SURPLUS, date(2026, 2, 1), generated * surplus_part),
    ]
    participant = member("M1", *consumers, producer, tax_regime=regime)
    [document] = bill(COMMUNITY, Q1_2026, [participant], [tariff], values).documents
    for line in document.lines:
        assert line.gross == line.net + line.vat
        assert line.net == round_cents(line.quantity * line.unit_price)
    assert document.net == sum(line.net for line in document.lines)
    assert document.vat == sum(line.vat for line in document.lines)
    assert document.gross == document.net + document.vat
    assert sum(s.net for s in document.vat_breakdown()) == document.net
    free_lines = [line for line in document.lines if line.kind is LineItemKind.FREE_ENERGY]
    assert -sum((line.quantity for line in free_lines), Decimal(0)) <= min(free, sum(consumed))

    numbers = InMemoryNumberSequence()
    result = cancel(finalize(document, numbers, date(2026, 4, 1)), numbers, date(2026, 4, 2))
    assert result.cancellation.gross == -document.gross
    with pytest.raises(DocumentStateError):
        cancel(result.cancelled, numbers, date(2026, 4, 3))
