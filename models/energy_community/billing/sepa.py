"""SEPA files for a run's documents: pain.008 direct debits and pain.001 credit transfers.

sepaxml writes the XML and validates it against the official ISO 20022 schema it ships; we
check every IBAN and BIC with schwifty first, so a typo is refused with the member's name
instead of surfacing as a schema error or, worse, a returned payment. Amounts go in as whole
cents (integers), so no amount is ever converted through a float.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from sepaxml import SepaDD, SepaTransfer
from sepaxml.validation import ValidationError

from .documents import Document, DocumentKind, DocumentState, PaymentMethod
from .errors import PaymentFileError
from .money import ZERO, to_cents
from .parties import Community

#: Documents whose money has not moved yet; drafts and cancelled or paid ones never go in a file.
_OPEN = (DocumentState.FINAL, DocumentState.SENT)
#: SEPA creditor identifier: country, check digits, business code, national identifier.
_CREDITOR_ID = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}$")


@dataclass(frozen=True)
class LeftOut:
    """A document that is not in the file, and why (e.g. no mandate: the member transfers)."""

    number: str
    participant_id: str
    reason: str


@dataclass(frozen=True)
class SepaFile:
    """The XML (None when no document qualified), what is in it, and what was left out."""

    xml: bytes | None
    schema: str
    numbers: tuple[str, ...]
    count: int
    control_sum: Decimal
    left_out: tuple[LeftOut, ...]


def checked_iban(value: str | None, whose: str) -> str:
    """The IBAN in electronic form, or a PaymentFileError naming whose it is."""
    if not value:
        raise PaymentFileError("no IBAN", where=whose, hint="record the bank account first")
    try:
        return str(IBAN(value).compact)
    except SchwiftyException as exc:
        raise PaymentFileError(
            f"invalid IBAN {value!r} ({exc})",
            where=whose,
            hint="correct the bank account; the file was not written",
        ) from exc


def checked_bic(value: str | None, whose: str) -> str | None:
    if not value:
        return None
    try:
        return str(BIC(value).compact)
    except SchwiftyException as exc:
        raise PaymentFileError(
            f"invalid BIC {value!r} ({exc})", where=whose, hint="correct or omit the BIC"
        ) from exc


def _export(writer: Any, schema: str) -> bytes:
    try:
        return bytes(writer.export(validate=True))
    except ValidationError as exc:
        raise PaymentFileError(
            f"the {schema} file does not validate against the official schema "
            f"({exc.__cause__ or exc})",
            hint="check names and references for characters SEPA does not allow",
        ) from exc


def _description(community: Community, document: Document) -> str:
    return f"{community.name} {document.number} {document.period}"[:140]


def direct_debit_file(
    community: Community,
    documents: Iterable[Document],
    collection_date: date,
    *,
    schema: str = "pain.008.001.02",
) -> SepaFile:
    """pain.008 collecting every open invoice paid by direct debit under a mandate."""
    whose = f"community {community.name}"
    if not community.creditor_id or not _CREDITOR_ID.match(community.creditor_id):
        raise PaymentFileError(
            f"creditor identifier {community.creditor_id!r} is missing or malformed",
            where=whose,
            hint="set the SEPA creditor id (Creditor Identifier, e.g. AT61ZZZ01234567890)",
        )
    account = community.bank_account
    if account is None:
        raise PaymentFileError("no bank account", where=whose, hint="set the community's IBAN")
    config: dict[str, Any] = {
        "name": community.name,
        "IBAN": checked_iban(account.iban, whose),
        "batch": True,
        "creditor_id": community.creditor_id,
        "currency": "EUR",
    }
    if bic := checked_bic(account.bic, whose):
        config["BIC"] = bic
    included: list[Document] = []
    left_out: list[LeftOut] = []
    writer = None
    for document in documents:
        if document.kind is not DocumentKind.INVOICE or document.state not in _OPEN:
            continue
        mandate = document.recipient.mandate
        if document.payment_method is not PaymentMethod.DIRECT_DEBIT or mandate is None:
            left_out.append(
                LeftOut(
                    document.number or "(draft)",
                    document.recipient.participant_id,
                    "no SEPA mandate: the member pays by transfer",
                )
            )
            continue
        member = f"participant {document.recipient.participant_id} ({document.number})"
        payment: dict[str, Any] = {
            "name": document.recipient.account_holder or document.recipient.name,
            "IBAN": checked_iban(document.recipient.iban, member),
            "amount": to_cents(document.payable),
            "type": mandate.sequence.value,
            "collection_date": collection_date,
            "mandate_id": mandate.reference,
            "mandate_date": mandate.signed_on,
            "description": _description(community, document),
            "endtoend_id": document.number,
        }
        if bic := checked_bic(document.recipient.bic, member):
            payment["BIC"] = bic
        writer = writer or SepaDD(dict(config), schema=schema, clean=True)
        writer.add_payment(payment)
        included.append(document)
    return _file(writer, schema, included, left_out)


def credit_transfer_file(
    community: Community,
    documents: Iterable[Document],
    execution_date: date,
    *,
    schema: str = "pain.001.001.03",
) -> SepaFile:
    """pain.001 paying out every open credit note and every refund a cancellation owes."""
    whose = f"community {community.name}"
    account = community.bank_account
    if account is None:
        raise PaymentFileError("no bank account", where=whose, hint="set the community's IBAN")
    config: dict[str, Any] = {
        "name": community.name,
        "IBAN": checked_iban(account.iban, whose),
        "batch": True,
        "currency": "EUR",
    }
    if bic := checked_bic(account.bic, whose):
        config["BIC"] = bic
    included: list[Document] = []
    left_out: list[LeftOut] = []
    writer = None
    for document in documents:
        owed = document.kind is DocumentKind.CREDIT_NOTE or (
            document.kind is DocumentKind.CANCELLATION and document.gross < 0
        )
        if not owed or document.state not in _OPEN:
            continue
        if not document.recipient.iban:
            left_out.append(
                LeftOut(
                    document.number or "(draft)",
                    document.recipient.participant_id,
                    "no bank account: pay out by hand",
                )
            )
            continue
        member = f"participant {document.recipient.participant_id} ({document.number})"
        payment: dict[str, Any] = {
            "name": document.recipient.account_holder or document.recipient.name,
            "IBAN": checked_iban(document.recipient.iban, member),
            "amount": to_cents(document.payable),
            "execution_date": execution_date,
            "description": _description(community, document),
            "endtoend_id": document.number,
        }
        if bic := checked_bic(document.recipient.bic, member):
            payment["BIC"] = bic
        writer = writer or SepaTransfer(dict(config), schema=schema, clean=True)
        writer.add_payment(payment)
        included.append(document)
    return _file(writer, schema, included, left_out)


def _file(writer: Any, schema: str, included: list[Document], left_out: list[LeftOut]) -> SepaFile:
    return SepaFile(
        xml=_export(writer, schema) if writer is not None else None,
        schema=schema,
        numbers=tuple(document.number or "" for document in included),
        count=len(included),
        control_sum=sum((document.payable for document in included), ZERO),
        left_out=tuple(left_out),
    )
