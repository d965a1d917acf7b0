"""A document's states: draft → final → sent → paid, and cancelled by a cancellation document.

Functions return new documents; nothing is changed in place, and a final document's lines and
amounts are never touched again. The database layer persists the returned values and enforces
the same transitions (one cancellation per document) with its constraints.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from .documents import Document, DocumentKind, DocumentState, PaymentMethod
from .errors import DocumentStateError
from .numbering import NumberSequence

#: Which states each transition may start from.
_ALLOWED: dict[DocumentState, tuple[DocumentState, ...]] = {
    DocumentState.FINAL: (DocumentState.DRAFT,),
    DocumentState.SENT: (DocumentState.FINAL,),
    DocumentState.PAID: (DocumentState.FINAL, DocumentState.SENT),
    DocumentState.CANCELLED: (DocumentState.FINAL, DocumentState.SENT, DocumentState.PAID),
}


def _where(document: Document) -> str:
    return f"document {document.number or '(draft)'} of {document.recipient.participant_id}"


def _move(document: Document, to: DocumentState) -> None:
    if document.state not in _ALLOWED[to]:
        allowed = ", ".join(state.value for state in _ALLOWED[to])
        raise DocumentStateError(
            f"cannot go from {document.state.value} to {to.value} (only from {allowed})",
            where=_where(document),
            hint="a final document is never changed; cancel it and issue a new one"
            if document.state is not DocumentState.DRAFT
            else "finalise the draft first",
        )


def finalize(
    document: Document, numbers: NumberSequence, issue_date: date, payment_term_days: int = 14
) -> Document:
    """The draft as a final document with the next gapless number and its dates."""
    _move(document, DocumentState.FINAL)
    needs_payment = document.kind is not DocumentKind.INFORMATION
    return replace(
        document,
        state=DocumentState.FINAL,
        number=numbers.next(document.community_id, issue_date.year),
        issue_date=issue_date,
        due_date=issue_date + timedelta(days=payment_term_days) if needs_payment else None,
    )


def mark_sent(document: Document) -> Document:
    _move(document, DocumentState.SENT)
    return replace(document, state=DocumentState.SENT)


def mark_paid(document: Document) -> Document:
    _move(document, DocumentState.PAID)
    return replace(document, state=DocumentState.PAID)


@dataclass(frozen=True)
class Cancellation:
    """`cancelled`: the original, now in state cancelled. `cancellation`: the final reversal."""

    cancelled: Document
    cancellation: Document


def cancel(document: Document, numbers: NumberSequence, issue_date: date) -> Cancellation:
    """Reverse a final document by a numbered cancellation with negated lines.

    Refused for drafts (discard them instead), for documents already cancelled, and for
    cancellations themselves (issue a new document instead of cancelling a cancellation).
    """
    if document.kind is DocumentKind.CANCELLATION:
        raise DocumentStateError(
            "a cancellation cannot be cancelled",
            where=_where(document),
            hint="issue a new document for the amounts instead",
        )
    if document.state is DocumentState.CANCELLED:
        raise DocumentStateError(
            "the document is already cancelled", where=_where(document), hint="nothing to do"
        )
    _move(document, DocumentState.CANCELLED)
    reversal = Document(
        kind=DocumentKind.CANCELLATION,
        state=DocumentState.DRAFT,
        community_id=document.community_id,
        recipient=document.recipient,
        period=document.period,
        lines=tuple(line.negated() for line in document.lines),
        notes=document.notes,
        # Money moves back the way it came: a collected invoice is refunded by transfer.
        payment_method=PaymentMethod.NONE
        if document.kind is DocumentKind.INFORMATION
        else PaymentMethod.TRANSFER,
        cancels=document.number,
        metering_points=document.metering_points,
        chart=document.chart,
    )
    return Cancellation(
        cancelled=replace(document, state=DocumentState.CANCELLED),
        cancellation=finalize(reversal, numbers, issue_date, payment_term_days=0),
    )
