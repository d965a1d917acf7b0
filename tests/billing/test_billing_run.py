"""Billing runs: preview determinism, final numbering, summary, problems and compare."""

from __future__ import annotations

from datetime import date

import pytest
from billing_examples import Q1_2026, D, member, point, total

from meshkit.models.energy_community.allocation.meter_codes import MeterCode
from meshkit.models.energy_community.billing import (
    BillingError,
    Community,
    Difference,
    Direction,
    DocumentState,
    InMemoryNumberSequence,
    RunKind,
    Tariff,
    bill,
    compare,
)

MEMBERS = [
    member("M002", point(2), point(3, Direction.GENERATION)),
    member("M001", point(1)),
]
VALUES = [
    total(point(1).id, MeterCode.COVERED, "250.5"),
    total(point(2).id, MeterCode.COVERED, "80"),
    total(point(3).id, MeterCode.GENERATION_COUNTED, "1200"),
    total(point(3).id, MeterCode.SURPLUS, "345.5"),
]


def test_billing_preview_is_repeatable(community: Community, tariff: Tariff) -> None:
    first = bill(community, Q1_2026, MEMBERS, [tariff], VALUES)
    again = bill(community, Q1_2026, list(reversed(MEMBERS)), [tariff], list(reversed(VALUES)))
    assert first == again
    assert [d.recipient.participant_id for d in first.documents] == ["M001", "M002"]
    assert all(d.state is DocumentState.DRAFT and d.number is None for d in first.documents)
    assert compare(first, again) == []


def test_billing_final_run_numbers_in_participant_order(
    community: Community, tariff: Tariff
) -> None:
    run = bill(
        community,
        Q1_2026,
        MEMBERS,
        [tariff],
        VALUES,
        RunKind.FINAL,
        numbers=InMemoryNumberSequence(),
        issue_date=date(2026, 4, 7),
    )
    assert [(d.recipient.participant_id, d.number) for d in run.documents] == [
        ("M001", "2026-000001"),
        ("M002", "2026-000002"),
    ]
    with pytest.raises(BillingError, match="a final run needs a number sequence"):
        bill(community, Q1_2026, MEMBERS, [tariff], VALUES, RunKind.FINAL)


def test_billing_run_summary(community: Community, tariff: Tariff) -> None:
    summary = bill(community, Q1_2026, MEMBERS, [tariff], VALUES).summary
    # M001: 48.67 (example 1). M002: 80 kWh × 0.12 = 9.60, fees 6.00 + 3.00 + 2 × 1.50 = 12.00
    # (VAT 20 %: 1.92 + 1.20 + 0.60 + 0.60 = 4.32), credit −68.36 (producer regime none):
    # net 21.60 − 68.36 = −46.76, gross −46.76 + 4.32 = −42.44.
    assert (summary.documents, summary.invoices, summary.credit_notes) == (2, 1, 1)
    assert (summary.to_collect, summary.to_pay_out) == (D("48.67"), D("42.44"))
    assert summary.gross == D("6.23")
    assert (summary.consumed_kwh, summary.fed_in_kwh) == (D("330.5"), D("854.5"))


def test_billing_compare_lists_differences_per_participant(
    community: Community, tariff: Tariff
) -> None:
    before = bill(community, Q1_2026, MEMBERS, [tariff], VALUES)
    corrected = [*VALUES[:1], total(point(2).id, MeterCode.COVERED, "90"), *VALUES[2:]]
    after = bill(community, Q1_2026, MEMBERS, [tariff], corrected)
    period = "01.01.2026–31.03.2026"
    assert compare(before, after) == [
        Difference("M002", "net", "-46.76", "-45.56"),
        Difference("M002", "vat", "4.32", "4.56"),
        Difference("M002", "gross", "-42.44", "-41.00"),
        Difference(
            "M002",
            f"line community_energy {point(2).id} {period} quantity",
            "80.000000",
            "90.000000",
        ),
        Difference("M002", f"line community_energy {point(2).id} {period} net", "9.60", "10.80"),
        Difference("M002", f"line community_energy {point(2).id} {period} vat", "1.92", "2.16"),
    ]
    fewer = bill(community, Q1_2026, MEMBERS[1:], [tariff], VALUES)
    assert compare(fewer, after)[0] == Difference("M002", "document", "none", "credit_note")


def test_billing_run_refuses_a_point_of_two_members(community: Community, tariff: Tariff) -> None:
    with pytest.raises(BillingError, match="belongs to both M001 and M002"):
        bill(community, Q1_2026, [member("M001", point(1)), member("M002", point(1))], [tariff], [])
