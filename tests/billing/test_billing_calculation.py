"""Hand-computed documents: a standard invoice, rounding, free kWh and discount, producers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date

import pytest
from billing_examples import Q1_2026, D, member, point, total

from meshkit.models.energy_community.allocation.meter_codes import MeterCode
from meshkit.models.energy_community.billing import (
    Community,
    Direction,
    DocumentKind,
    EnergyValue,
    IntervalValue,
    LineItemKind,
    Quality,
    QualityShares,
    QuantityError,
    Tariff,
    bill,
)


def test_billing_standard_invoice(community: Community, tariff: Tariff) -> None:
    """Worked example 1 of docs/billing.md."""
    anna = member("M001", point(1))
    run = bill(
        community, Q1_2026, [anna], [tariff], [total(point(1).id, MeterCode.COVERED, "250.5")]
    )
    [document] = run.documents
    rows = [
        (line.kind, line.quantity, line.unit_price, line.net, line.vat, line.gross)
        for line in document.lines
    ]
    assert rows == [
        (LineItemKind.COMMUNITY_ENERGY, D("250.5"), D("0.12"), D("30.06"), D("6.01"), D("36.07")),
        (LineItemKind.MEMBERSHIP_FEE, D("0.25"), D("24.00"), D("6.00"), D("1.20"), D("7.20")),
        (LineItemKind.BASE_FEE, D(1), D("3.00"), D("3.00"), D("0.60"), D("3.60")),
        (LineItemKind.METERING_POINT_FEE, D(1), D("1.50"), D("1.50"), D("0.30"), D("1.80")),
    ]
    assert document.kind is DocumentKind.INVOICE
    assert (document.net, document.vat, document.gross) == (D("40.56"), D("8.11"), D("48.67"))
    assert document.notes == ()
    assert run.problems == ()


def test_billing_totals_are_the_sum_of_rounded_lines(community: Community) -> None:
    """Worked example 2: three lines of 0.15425 EUR; the document says 0.45, not 0.46."""
    tariff = Tariff("cent", date(2026, 1, 1), consumption_price=D("0.1234"), feed_in_price=D(0))
    points = [point(n) for n in (1, 2, 3)]
    values = [total(p.id, MeterCode.COVERED, "1.25") for p in points]
    [document] = bill(community, Q1_2026, [member("M001", *points)], [tariff], values).documents
    assert [line.net for line in document.lines] == [D("0.15")] * 3
    assert [line.vat for line in document.lines] == [D("0.03")] * 3
    assert (document.net, document.vat, document.gross) == (D("0.45"), D("0.09"), D("0.54"))
    exact = D("1.25") * D("0.1234") * 3
    assert exact == D("0.462750") and round(exact * D("1.2"), 2) == D("0.56")


def test_billing_free_kwh_then_discount(community: Community, energy_only: Tariff) -> None:
    """Worked example 4: 50 free kWh come off the energy first, the 10 % discount after."""
    tariff = replace(energy_only, free_kwh=D(50), discount=D(10))
    values = [
        total(point(1).id, MeterCode.COVERED, "120"),
        total(point(2).id, MeterCode.COVERED, "80.25"),
    ]
    [document] = bill(
        community, Q1_2026, [member("M001", point(1), point(2))], [tariff], values
    ).documents
    rows = [
        (line.kind, line.quantity, line.unit_price, line.net, line.vat) for line in document.lines
    ]
    assert rows == [
        (LineItemKind.COMMUNITY_ENERGY, D(120), D("0.12"), D("14.40"), D("2.88")),
        (LineItemKind.COMMUNITY_ENERGY, D("80.25"), D("0.12"), D("9.63"), D("1.93")),
        (LineItemKind.FREE_ENERGY, D(-50), D("0.12"), D("-6.00"), D("-1.20")),
        (LineItemKind.DISCOUNT, D("18.03"), D("-0.1"), D("-1.80"), D("-0.36")),
    ]
    assert (document.net, document.vat, document.gross) == (D("16.23"), D("3.25"), D("19.48"))


def test_billing_free_kwh_never_reduce_a_credit(community: Community, energy_only: Tariff) -> None:
    """A prosumer using 40 kWh gets 40 free kWh (not 50); the feed-in credit stays whole."""
    tariff = replace(energy_only, free_kwh=D(50), discount=D(10))
    prosumer = member("M002", point(1), point(2, Direction.GENERATION))
    values = [
        total(point(1).id, MeterCode.COVERED, "40"),
        total(point(2).id, MeterCode.GENERATION_COUNTED, "100"),
    ]
    [document] = bill(community, Q1_2026, [prosumer], [tariff], values).documents
    kinds = [(line.kind, line.quantity, line.net) for line in document.lines]
    assert kinds == [
        (LineItemKind.COMMUNITY_ENERGY, D(40), D("4.80")),
        (LineItemKind.FREE_ENERGY, D(-40), D("-4.80")),
        (LineItemKind.FED_IN_ENERGY, D(100), D("-8.00")),
    ]
    assert document.kind is DocumentKind.CREDIT_NOTE
    assert document.gross == D("-8.00")


def test_billing_producer_net_takes_the_worse_quality(
    community: Community, energy_only: Tariff
) -> None:
    producer = member("M003", point(9, Direction.GENERATION))
    pid = point(9).id
    values = [
        EnergyValue(pid, MeterCode.GENERATION_COUNTED, date(2026, 1, 1), D(10)),
        EnergyValue(pid, MeterCode.SURPLUS, date(2026, 1, 1), D(2), Quality.L2),
        EnergyValue(pid, MeterCode.GENERATION_COUNTED, date(2026, 1, 2), D(10)),
        EnergyValue(pid, MeterCode.SURPLUS, date(2026, 1, 2), D(1)),
    ]
    run = bill(community, Q1_2026, [producer], [energy_only], values)
    [line] = run.documents[0].lines
    assert line.quantity == D(17)
    assert line.quality == QualityShares(l1=D(9), l2=D(8))
    assert any("no energy data for 88 of 90 days" in problem for problem in run.problems)


def test_billing_interval_values_are_summed_per_local_day(
    community: Community, energy_only: Tariff
) -> None:
    from datetime import datetime, timedelta

    pid = point(1).id
    # 23:00 UTC on 31 Dec is already 1 Jan in Vienna; 22:45 UTC is still 2025 and not billed.
    start = datetime(2025, 12, 31, 22, 45, tzinfo=UTC)
    values = [
        IntervalValue(pid, MeterCode.COVERED, start + timedelta(minutes=15 * n), D("0.25"), quality)
        for n, quality in enumerate([Quality.L1, Quality.L1, Quality.L3, Quality.L1, Quality.L1])
    ]
    run = bill(community, Q1_2026, [member("M001", point(1))], [energy_only], values)
    [line] = run.documents[0].lines
    assert line.quantity == D(1)
    assert line.quality == QualityShares(l1=D("0.75"), l3=D("0.25"))
    assert any("(L3)" in problem for problem in run.problems)


def test_billing_refuses_surplus_above_generation(
    community: Community, energy_only: Tariff
) -> None:
    pid = point(9).id
    values = [
        EnergyValue(pid, MeterCode.GENERATION_COUNTED, date(2026, 1, 1), D(1)),
        EnergyValue(pid, MeterCode.SURPLUS, date(2026, 1, 1), D(2)),
    ]
    with pytest.raises(QuantityError, match=r"surplus P\.01T exceeds generation G\.01T by 1 kWh"):
        bill(
            community,
            Q1_2026,
            [member("M003", point(9, Direction.GENERATION))],
            [energy_only],
            values,
        )


def test_billing_refuses_negative_and_float_energy(
    community: Community, energy_only: Tariff
) -> None:
    anna = member("M001", point(1))
    negative = EnergyValue(point(1).id, MeterCode.COVERED, date(2026, 1, 1), D(-1))
    with pytest.raises(QuantityError, match="negative energy -1 kWh"):
        bill(community, Q1_2026, [anna], [energy_only], [negative])
    as_float = EnergyValue(point(1).id, MeterCode.COVERED, date(2026, 1, 1), 1.5)  # type: ignore[arg-type]
    with pytest.raises(QuantityError, match="kwh is float"):
        bill(community, Q1_2026, [anna], [energy_only], [as_float])


def test_billing_information_statement_for_statement_only_members(
    community: Community, energy_only: Tariff
) -> None:
    anna = replace(member("M001", point(1)), statement_only=True)
    run = bill(
        community, Q1_2026, [anna], [energy_only], [total(point(1).id, MeterCode.COVERED, "10")]
    )
    [document] = run.documents
    assert document.kind is DocumentKind.INFORMATION
    assert document.gross == D("1.44") and document.payable == 0
