"""Payments: SEPA files create submitted payments; documents are marked sent and paid by hand
(also in parts) or from a camt.053 bank statement; illegal state changes are refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from billing_statements import Entry, Tx, statement
from billing_world import ISSUED, MARCH, call, world
from energy_world import TENANT

from meshkit.runtime import Repository, RepositoryError

COLLECTION = date(2026, 4, 20)


def final_run(repository: Repository) -> tuple[Any, dict[str, Any]]:
    w = world(repository)
    result = call(repository, w.community, "bill", period=MARCH, kind="final", issue_date=ISSUED)
    by_kind = {d.kind: d for d in result.documents}
    return w, by_kind


def document(repository: Repository, document_id: str) -> dict[str, Any]:
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        return dict(uow.get("BillingDocument", document_id))


def payments_of(repository: Repository, document_id: str) -> list[tuple[dict[str, Any], Any]]:
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        return [
            (dict(uow.get("Payment", link["id"])), link["amount"])
            for link in uow.links("BillingDocument", document_id, "payments")
        ]


def test_sepa_files_create_submitted_payments_once(repository: Repository) -> None:
    w, docs = final_run(repository)
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        final = uow.find("BillingRun", {"attr": "kind", "op": "eq", "value": "final"}).items[0]
    sepa = call(repository, w.community, "sepa", run=final["id"], collection_date=COLLECTION)
    assert len(sepa.payments) == 2
    invoice, credit = docs["invoice"], docs["credit_note"]
    [(debit, amount)] = payments_of(repository, invoice.id)
    assert amount == invoice.gross and debit["amount"] == invoice.gross
    assert debit["payment_state"] == "submitted" and debit["method"] == "sepa_direct_debit"
    assert debit["direction"] == "incoming" and debit["end_to_end_id"] == invoice.number
    assert debit["value_date"] == COLLECTION
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        file = uow.get("Document", debit["sepa_file"])
        assert file["kind"] == "sepa_direct_debit_file"
    [(payout, amount)] = payments_of(repository, credit.id)
    assert amount == -credit.gross
    assert payout["direction"] == "outgoing" and payout["method"] == "sepa_credit_transfer"
    # submitted is not paid
    assert document(repository, invoice.id)["document_state"] == "final"
    # a second SEPA export of the run leaves both out instead of collecting twice
    again = call(repository, w.community, "sepa", run=final["id"], collection_date=COLLECTION)
    assert again.files == () and again.payments == ()
    assert sorted(again.left_out) == sorted(
        f"{d.number}: has a payment already (submitted)" for d in (invoice, credit)
    )


def test_mark_sent_then_paid_in_parts(repository: Repository) -> None:
    w, docs = final_run(repository)
    invoice = docs["invoice"]
    sent = call(repository, w.community, "mark_sent", document=invoice.number)
    assert sent.state == "sent"
    with pytest.raises(RepositoryError, match="is sent; only a final document can become sent"):
        call(repository, w.community, "mark_sent", document=invoice.id)
    part = Decimal("0.10")
    first = call(
        repository,
        w.community,
        "mark_paid",
        document=invoice.id,
        amount=part,
        paid_on=date(2026, 4, 10),
        reference="Teilzahlung",
    )
    assert first.state == "sent" and first.paid == part and first.open == invoice.gross - part
    with pytest.raises(RepositoryError, match=r"open; a payment of .* is more than that"):
        call(repository, w.community, "mark_paid", document=invoice.id, amount=invoice.gross)
    rest = call(repository, w.community, "mark_paid", document=invoice.id)
    assert rest.amount == invoice.gross - part and rest.open == 0 and rest.state == "paid"
    assert document(repository, invoice.id)["document_state"] == "paid"
    payments = payments_of(repository, invoice.id)
    assert sorted(a for _, a in payments) == sorted([part, invoice.gross - part])
    assert {p["payment_state"] for p, _ in payments} == {"booked"}
    with pytest.raises(RepositoryError, match="is paid; only a final or sent document"):
        call(repository, w.community, "mark_paid", document=invoice.id)
    with pytest.raises(RepositoryError, match="is paid; only a final document can become sent"):
        call(repository, w.community, "mark_sent", document=invoice.id)


def test_illegal_payment_input_is_refused(repository: Repository) -> None:
    w, docs = final_run(repository)
    invoice = docs["invoice"]
    with pytest.raises(RepositoryError, match="positive amount in cents"):
        call(repository, w.community, "mark_paid", document=invoice.id, amount=Decimal("-1"))
    with pytest.raises(RepositoryError, match="positive amount in cents"):
        call(repository, w.community, "mark_paid", document=invoice.id, amount=Decimal("0.001"))
    with pytest.raises(RepositoryError, match="no billing document R-2099-000001"):
        call(repository, w.community, "mark_paid", document="R-2099-000001")
    preview = call(repository, w.community, "bill", period=date(2026, 4, 1))
    with pytest.raises(RepositoryError, match="is draft; only a final or sent document"):
        call(repository, w.community, "mark_paid", document=preview.documents[0].id)
    call(repository, w.community, "cancel", document=invoice.id, issue_date=ISSUED)
    with pytest.raises(RepositoryError, match="is cancelled; only a final document"):
        call(repository, w.community, "mark_sent", document=invoice.id)


def test_bank_statement_books_collections_and_payouts(repository: Repository) -> None:
    w, docs = final_run(repository)
    invoice, credit = docs["invoice"], docs["credit_note"]
    with repository.unit_of_work(tenant=TENANT, actor="test") as uow:
        final = uow.find("BillingRun", {"attr": "kind", "op": "eq", "value": "final"}).items[0]
    call(repository, w.community, "sepa", run=final["id"], collection_date=COLLECTION)
    xml = statement(
        # the direct-debit batch, collected
        Entry(invoice.gross, True, (Tx(invoice.gross, end_to_end_id=invoice.number or ""),)),
        # the payout of the credit note, by end-to-end id
        Entry(
            -credit.gross,
            False,
            (Tx(-credit.gross, end_to_end_id=credit.number or "", name="Anna Maier"),),
        ),
        # a donation: nothing to match
        Entry(Decimal("50.00"), True, (Tx(Decimal("50.00"), remittance="Spende Sommerfest"),)),
        # still pending at the bank
        Entry(
            Decimal("7.00"),
            True,
            (Tx(Decimal("7.00"), remittance=f"Rechnung {invoice.number}"),),
            status="PDNG",
        ),
    )
    result = call(repository, w.community, "import_statement", statement=xml)
    assert result.entries == 4
    assert [m.numbers for m in result.matched] == [(invoice.number,), (credit.number,)]
    assert sorted(result.paid) == sorted([invoice.number, credit.number])
    reasons = [u.reason for u in result.unmatched]
    assert reasons == [
        "no document number in the end-to-end id or the remittance information",
        "not booked yet (pending)",
    ]
    assert result.unmatched[0].amount == Decimal("50.00") and result.unmatched[0].line > 0
    for d in (invoice, credit):
        assert document(repository, d.id)["document_state"] == "paid"
        [(payment, _)] = payments_of(repository, d.id)  # the submitted payment, now booked
        assert payment["payment_state"] == "booked" and payment["value_date"] == date(2026, 4, 21)
    # importing the same statement again pays nothing twice
    again = call(repository, w.community, "import_statement", statement=xml)
    assert again.matched == () and again.paid == ()
    assert f"document {invoice.number} is paid" in again.unmatched[0].reason


def test_bank_statement_matches_remittance_and_refuses_what_does_not_fit(
    repository: Repository,
) -> None:
    w, docs = final_run(repository)
    invoice, credit = docs["invoice"], docs["credit_note"]
    gross = invoice.gross
    xml = statement(
        # the member transfers part of the invoice, naming it in the remittance information
        Entry(
            Decimal("0.50"), True, (Tx(Decimal("0.50"), remittance=f"RE {invoice.number} danke"),)
        ),
        # more than is open
        Entry(gross, True, (Tx(gross, remittance=f"{invoice.number}"),)),
        # money received for a credit note (the community owes it)
        Entry(Decimal("1.00"), True, (Tx(Decimal("1.00"), remittance=f"{credit.number}"),)),
        # a reversal
        Entry(
            Decimal("0.50"),
            False,
            (Tx(Decimal("0.50"), end_to_end_id=invoice.number or ""),),
            reversal=True,
        ),
    )
    result = call(repository, w.community, "import_statement", statement=xml)
    assert [m.numbers for m in result.matched] == [(invoice.number,)]
    assert result.paid == ()
    reasons = [u.reason for u in result.unmatched]
    assert reasons[0] == (
        f"pays {gross} EUR, but document {invoice.number} has {gross - Decimal('0.50')} EUR open"
    )
    assert reasons[1] == (f"money received for document {credit.number}, which the community owes")
    assert reasons[2].startswith("a reversal")
    [(payment, amount)] = payments_of(repository, invoice.id)
    assert amount == Decimal("0.50") and payment["payment_state"] == "booked"
    assert payment["counterparty_account"]["iban"] == "AT483200000012345864"
    assert document(repository, invoice.id)["document_state"] == "final"


def test_a_broken_statement_is_refused_with_the_place(repository: Repository) -> None:
    w, _ = final_run(repository)
    with pytest.raises(RepositoryError, match="bank statement: not well-formed XML"):
        call(repository, w.community, "import_statement", statement="<Document>")
    with pytest.raises(RepositoryError, match=r"not a camt\.053 statement"):
        call(repository, w.community, "import_statement", statement="<Document/>")
    bad = statement(Entry(Decimal("1.00"), True, (Tx(Decimal("1.00")),))).replace(
        "<CdtDbtInd>CRDT", "<CdtDbtInd>XXXX"
    )
    with pytest.raises(RepositoryError, match=r"entry at line \d+: CdtDbtInd is 'XXXX'"):
        call(repository, w.community, "import_statement", statement=bad)
