"""States, gapless numbers and cancellation (worked example 6 of docs/billing.md)."""

from __future__ import annotations

from datetime import date

import pytest
from billing_examples import Q1_2026, D, member, point, total

from meshkit.models.energy_community.allocation.meter_codes import MeterCode
from meshkit.models.energy_community.billing import (
    Community,
    Document,
    DocumentKind,
    DocumentState,
    DocumentStateError,
    InMemoryNumberSequence,
    Tariff,
    bill,
    cancel,
    finalize,
    mark_paid,
    mark_sent,
)

ISSUED = date(2026, 4, 7)


@pytest.fixture
def draft(community: Community, tariff: Tariff) -> Document:
    values = [total(point(1).id, MeterCode.COVERED, "250.5")]
    return bill(community, Q1_2026, [member("M001", point(1))], [tariff], values).documents[0]


def test_billing_finalize_numbers_and_dates(draft: Document) -> None:
    numbers = InMemoryNumberSequence()
    final = finalize(draft, numbers, ISSUED, payment_term_days=14)
    assert (final.state, final.number, final.issue_date, final.due_date) == (
        DocumentState.FINAL,
        "2026-000001",
        ISSUED,
        date(2026, 4, 21),
    )
    assert final.lines == draft.lines
    assert numbers.next("RC100130", 2026) == "2026-000002"
    assert numbers.next("RC100130", 2027) == "2027-000001"
    assert numbers.next("RC999999", 2026) == "2026-000001"


def test_billing_number_pattern_is_configurable() -> None:
    numbers = InMemoryNumberSequence("R-{year}-{number:05d}", start=41)
    assert [numbers.next("RC100130", 2026) for _ in range(2)] == ["R-2026-00041", "R-2026-00042"]


def test_billing_cancellation_negates_and_references(draft: Document) -> None:
    numbers = InMemoryNumberSequence()
    final = mark_sent(finalize(draft, numbers, ISSUED))
    result = cancel(final, numbers, date(2026, 5, 2))
    assert result.cancelled.state is DocumentState.CANCELLED
    assert result.cancelled.lines == final.lines
    reversal = result.cancellation
    assert (reversal.kind, reversal.state, reversal.number, reversal.cancels) == (
        DocumentKind.CANCELLATION,
        DocumentState.FINAL,
        "2026-000002",
        "2026-000001",
    )
    assert (reversal.net, reversal.vat, reversal.gross) == (D("-40.56"), D("-8.11"), D("-48.67"))
    assert [line.net for line in reversal.lines] == [-line.net for line in final.lines]


def test_billing_cancelling_twice_is_refused(draft: Document) -> None:
    numbers = InMemoryNumberSequence()
    result = cancel(finalize(draft, numbers, ISSUED), numbers, ISSUED)
    with pytest.raises(DocumentStateError, match="already cancelled"):
        cancel(result.cancelled, numbers, ISSUED)
    with pytest.raises(DocumentStateError, match="a cancellation cannot be cancelled"):
        cancel(result.cancellation, numbers, ISSUED)


def test_billing_states_refuse_wrong_transitions(draft: Document) -> None:
    numbers = InMemoryNumberSequence()
    with pytest.raises(DocumentStateError, match="cannot go from draft to cancelled"):
        cancel(draft, numbers, ISSUED)
    with pytest.raises(DocumentStateError, match="cannot go from draft to sent"):
        mark_sent(draft)
    final = finalize(draft, numbers, ISSUED)
    with pytest.raises(DocumentStateError, match=r"cannot go from final to final.*cancel it"):
        finalize(final, numbers, ISSUED)
    paid = mark_paid(final)
    assert paid.state is DocumentState.PAID
    assert cancel(paid, numbers, ISSUED).cancellation.cancels == final.number
