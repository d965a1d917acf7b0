"""Tariff validation and the pro-rata split of a period across a tariff change."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from billing_examples import Q1_2026, D, member, point, total

from meshkit.models.energy_community.allocation.meter_codes import MeterCode
from meshkit.models.energy_community.billing import (
    Community,
    DateRange,
    EnergyValue,
    LineItemKind,
    Tariff,
    TariffError,
    TariffSchedule,
    bill,
)

JANUARY = Tariff(
    "A", date(2026, 1, 1), D("0.12"), D("0.08"), valid_to=date(2026, 1, 31), base_fee=D("3.00")
)
FROM_FEBRUARY = Tariff("B", date(2026, 2, 1), D("0.14"), D("0.08"), base_fee=D("3.00"))


def test_billing_tariffs_split_a_quarter_pro_rata(community: Community) -> None:
    """Worked example 5: 300 kWh given as one quarter total, split 31:59 days."""
    run = bill(
        community,
        Q1_2026,
        [member("M001", point(1))],
        [FROM_FEBRUARY, JANUARY],
        [total(point(1).id, MeterCode.COVERED, "300")],
    )
    [document] = run.documents
    rows = [
        (line.kind, line.quantity, line.unit_price, line.net, line.vat) for line in document.lines
    ]
    assert rows == [
        (LineItemKind.COMMUNITY_ENERGY, D("103.333333"), D("0.12"), D("12.40"), D("2.48")),
        (LineItemKind.BASE_FEE, D("0.344444"), D("3.00"), D("1.03"), D("0.21")),
        (LineItemKind.COMMUNITY_ENERGY, D("196.666667"), D("0.14"), D("27.53"), D("5.51")),
        (LineItemKind.BASE_FEE, D("0.655556"), D("3.00"), D("1.97"), D("0.39")),
    ]
    assert document.lines[0].days == DateRange(date(2026, 1, 1), date(2026, 1, 31))
    assert (document.net, document.vat, document.gross) == (D("42.93"), D("8.59"), D("51.52"))


def test_billing_tariffs_prefer_daily_values(community: Community) -> None:
    """With daily values (2 kWh a day in January, 4 after) no pro-rata guess is needed."""
    pid = point(1).id
    daily = [
        EnergyValue(pid, MeterCode.COVERED, day, D(2) if day.month == 1 else D(4))
        for day in Q1_2026.days.each_day()
    ]
    quarter_total = total(pid, MeterCode.COVERED, "300")
    run = bill(
        community,
        Q1_2026,
        [member("M001", point(1))],
        [JANUARY, FROM_FEBRUARY],
        [*daily, quarter_total],
    )
    energy = [line for line in run.documents[0].lines if line.kind is LineItemKind.COMMUNITY_ENERGY]
    assert [(line.quantity, line.net) for line in energy] == [
        (D(62), D("7.44")),
        (D(236), D("33.04")),
    ]
    assert run.problems == (
        f"metering point {pid}: daily values used, totals for 01.01.2026–31.03.2026 ignored",
    )


def test_billing_tariffs_refuse_overlap() -> None:
    overlapping = replace(JANUARY, valid_to=date(2026, 2, 1))
    with pytest.raises(TariffError, match=r"validities overlap .*end 'A' on 2026-01-31"):
        TariffSchedule([overlapping, FROM_FEBRUARY])


def test_billing_tariffs_refuse_gap() -> None:
    early_end = replace(JANUARY, valid_to=date(2026, 1, 29))
    with pytest.raises(TariffError, match="no tariff from 2026-01-30 to 2026-01-31"):
        TariffSchedule([early_end, FROM_FEBRUARY])


def test_billing_tariffs_refuse_negative_prices_and_floats() -> None:
    with pytest.raises(TariffError, match="tariff 'A': feed_in_price must not be negative"):
        replace(JANUARY, feed_in_price=D("-0.01"))
    with pytest.raises(TariffError, match="consumption_price is a float"):
        replace(JANUARY, consumption_price=0.12)
    with pytest.raises(TariffError, match="discount is 120 %"):
        replace(JANUARY, discount=D(120))


def test_billing_tariffs_refuse_a_period_without_tariff(community: Community) -> None:
    with pytest.raises(TariffError, match=r"no tariff for all of 01\.01\.2026–31\.03\.2026"):
        bill(community, Q1_2026, [member("M001", point(1))], [FROM_FEBRUARY], [])
