"""A member's own tariff, and fees pro rata by days for members and metering points that join or
leave inside the period (worked example 7 of docs/billing.md)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from billing_examples import D, member, point, total

from meshkit.models.energy_community.allocation.meter_codes import MeterCode
from meshkit.models.energy_community.billing import (
    Community,
    DateRange,
    LineItemKind,
    Period,
    SettlementInterval,
    Tariff,
    TariffError,
    bill,
)

MARCH = Period(SettlementInterval.MONTHLY, date(2026, 3, 1))
Q1 = Period(SettlementInterval.QUARTERLY, date(2026, 1, 1))


def rows(document: object) -> list[tuple[LineItemKind, D, D, D]]:
    return [
        (line.kind, line.quantity, line.unit_price, line.net)
        for line in document.lines  # type: ignore[attr-defined]
    ]


def test_billing_joining_mid_month_pro_rates_fees(community: Community, tariff: Tariff) -> None:
    """Worked example 7: joined on 17 March (15 of 31 days), one point from the same day."""
    joined = DateRange(date(2026, 3, 17), date(2026, 3, 31))
    newcomer = replace(
        member("M007", replace(point(1), days=joined)),
        membership=joined,
    )
    run = bill(
        community, MARCH, [newcomer], [tariff], [total(point(1).id, MeterCode.COVERED, "40", MARCH)]
    )
    [document] = run.documents
    assert rows(document) == [
        (LineItemKind.COMMUNITY_ENERGY, D("40.000000"), D("0.12"), D("4.80")),
        (LineItemKind.MEMBERSHIP_FEE, D("0.040323"), D("24.00"), D("0.97")),
        (LineItemKind.BASE_FEE, D("0.483871"), D("3.00"), D("1.45")),
        (LineItemKind.METERING_POINT_FEE, D("0.483871"), D("1.50"), D("0.73")),
    ]
    assert "anteilig 15/31 Tage" in document.lines[2].description
    assert document.net == D("7.95")


def test_billing_a_point_leaving_pro_rates_only_its_fee(
    community: Community, tariff: Tariff
) -> None:
    left = replace(point(2), days=DateRange(date(2026, 3, 1), date(2026, 3, 10)))
    run = bill(community, MARCH, [member("M001", point(1), left)], [tariff], [])
    [document] = run.documents
    fees = {line.kind: (line.quantity, line.net) for line in document.lines}
    # the member is in all month: full membership and base fee
    assert fees[LineItemKind.BASE_FEE] == (D(1), D("3.00"))
    # one whole point and 10/31 of the other: 1 + 0.322581
    assert fees[LineItemKind.METERING_POINT_FEE] == (D("1.322581"), D("1.98"))


def test_billing_pro_rata_fees_across_a_tariff_change_add_up(community: Community) -> None:
    january = Tariff("A", date(2026, 1, 1), D("0.12"), D("0.08"), valid_to=date(2026, 1, 31))
    later = Tariff("B", date(2026, 2, 1), D("0.12"), D("0.08"))
    january, later = replace(january, base_fee=D("3.00")), replace(later, base_fee=D("3.00"))
    # a member from 16 January to 15 February: 16 + 15 = 31 of 90 days
    days = DateRange(date(2026, 1, 16), date(2026, 2, 15))
    run = bill(community, Q1, [replace(member("M001"), membership=days)], [january, later], [])
    base = [line.quantity for line in run.documents[0].lines if line.kind is LineItemKind.BASE_FEE]
    assert base == [D("0.177778"), D("0.166666")]  # 31/90 = 0.344444 shared 16:15
    assert sum(base) == D("0.344444")


def test_billing_whole_period_membership_changes_nothing(
    community: Community, tariff: Tariff
) -> None:
    plain = bill(community, MARCH, [member("M001", point(1))], [tariff], [])
    explicit = bill(
        community,
        MARCH,
        [replace(member("M001", replace(point(1), days=MARCH.days)), membership=MARCH.days)],
        [tariff],
        [],
    )
    assert rows(plain.documents[0]) == rows(explicit.documents[0])


def test_billing_member_tariff_overrides_the_community_tariff(
    community: Community, tariff: Tariff
) -> None:
    own = Tariff("Sonder", date(2026, 2, 1), D("0.10"), D("0.09"))
    special = replace(member("M001", point(1)), tariff=own)
    values = [total(point(1).id, MeterCode.COVERED, "300", Q1)]
    run = bill(community, Q1, [special, member("M002", point(2))], [tariff], values)
    mine, other = run.documents
    energy = [
        (line.quantity, line.unit_price, line.net)
        for line in mine.lines
        if line.kind is LineItemKind.COMMUNITY_ENERGY
    ]
    # January at the community's 0.12, February and March at the member's 0.10
    assert energy == [
        (D("103.333333"), D("0.12"), D("12.40")),
        (D("196.666667"), D("0.10"), D("19.67")),
    ]
    # the member's tariff has no fees: only January's part of the community's fees is billed
    base = [line.net for line in mine.lines if line.kind is LineItemKind.BASE_FEE]
    assert base == [D("1.03")]
    # the other member keeps the community's tariff
    assert {line.unit_price for line in other.lines if line.kind is LineItemKind.BASE_FEE} == {
        D("3.00")
    }


def test_billing_member_tariff_needs_the_community_tariff_for_the_other_days(
    community: Community,
) -> None:
    from_february = Tariff("B", date(2026, 2, 1), D("0.12"), D("0.08"))
    own = Tariff("Sonder", date(2026, 3, 1), D("0.10"), D("0.09"))
    with pytest.raises(TariffError, match=r"no tariff for all of 01\.01\.2026–28\.02\.2026"):
        bill(community, Q1, [replace(member("M001"), tariff=own)], [from_february], [])
