"""Billing runs as behaviours: `EnergyCommunity.bill(period, kind, basis)`, `cancel(document)`,
`sepa(run, collection_date)`, and payments: `mark_sent`, `mark_paid`, `import_statement` (camt.053).

`bill` reads the period's quantities from the series store (consumers G.03; producers
G.01T − P.01T; daily sums, each day with the worst quality it contains), tariffs and members from
the repository, runs the pure billing library (`meshkit.models.energy_community.billing`) and
stores a BillingRun with its documents and line items:

- library kind → model class: invoice → Invoice, credit note → CreditNote, information →
  InformationStatement; a cancellation is the opposite class of what it cancels (an invoice is
  cancelled by a credit note and vice versa) with `cancels` set;
- a preview replaces the previous preview of the same period (erased with its drafts);
- a final run finalises every document: the draft → final update takes a gapless number per
  community, prefix and year (`billing_store.take_number`) and a PDF is stored as a Document.

Payments: a SEPA file creates a submitted Payment per document in it; a payment booked by hand
or from a bank statement is linked to its document(s) with the amount it settles, and the
document becomes paid when nothing is open. A final run locks the community's row first, so two
final runs of a community never overlap.

Rules (hooks): final documents and their lines and files are never changed or erased; document
states only move draft → final → sent → paid and final|sent|paid → cancelled; a final run is
never erased. See docs/billing.md, "Runs in the database".
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

import polars as pl

from meshkit.models.energy_community import billing as lib
from meshkit.models.energy_community.allocation import MeterCode
from meshkit.models.energy_community.billing.camt import (
    StatementEntry,
    StatementError,
    parse_statement,
)
from meshkit.models.energy_community.billing.pdf import render_pdf
from meshkit.models.energy_community.billing.sepa import (
    SepaFile,
    checked_iban,
    credit_transfer_file,
    direct_debit_file,
)
from meshkit.runtime import Entity, FieldError, UnitOfWork
from meshkit.runtime.behaviours import Behaviour, BehaviourError, Change, CommandContext, command

from .billing_store import checksum, load_content, lock_community, store_content, take_number
from .energy_data import (
    CALCULATED_SERIES,
    OPERATOR_SERIES,
    find_all,
    participations,
    store_of,
)
from .periods import Period as Days

RUN = "energy_community/BillingRun"
DOCUMENT = "energy_community/BillingDocument"
LINE = "energy_community/LineItem"
FILE = "energy_community/Document"
PAYMENT = "energy_community/Payment"
#: Payment states that count: money on its way (submitted in a SEPA file) or moved (booked).
ACTIVE_PAYMENTS = ("planned", "submitted", "booked")
CLASS_OF: Mapping[lib.DocumentKind, str] = {
    lib.DocumentKind.INVOICE: "energy_community/Invoice",
    lib.DocumentKind.CREDIT_NOTE: "energy_community/CreditNote",
    lib.DocumentKind.INFORMATION: "energy_community/InformationStatement",
}
KIND_OF: Mapping[str, lib.DocumentKind] = {qid: kind for kind, qid in CLASS_OF.items()}
#: What cancels a document of each class.
CANCELLED_BY: Mapping[str, str] = {
    CLASS_OF[lib.DocumentKind.INVOICE]: CLASS_OF[lib.DocumentKind.CREDIT_NOTE],
    CLASS_OF[lib.DocumentKind.CREDIT_NOTE]: CLASS_OF[lib.DocumentKind.INVOICE],
    CLASS_OF[lib.DocumentKind.INFORMATION]: CLASS_OF[lib.DocumentKind.INFORMATION],
}
FILE_KIND: Mapping[str, str] = {
    CLASS_OF[lib.DocumentKind.INVOICE]: "invoice",
    CLASS_OF[lib.DocumentKind.CREDIT_NOTE]: "credit_note",
    CLASS_OF[lib.DocumentKind.INFORMATION]: "information_statement",
}
#: Prefix of information statements (invoices and credit notes take the community's).
INFORMATION_PREFIX = "I"
#: Which document states each state may be reached from.
ALLOWED_FROM: Mapping[str, tuple[str, ...]] = {
    "final": ("draft",),
    "sent": ("final",),
    "paid": ("final", "sent"),
    "cancelled": ("final", "sent", "paid"),
}
#: The codes each direction is billed from (the library nets G.01T − P.01T itself).
BILLED_CODES = (MeterCode.COVERED, MeterCode.GENERATION_COUNTED, MeterCode.SURPLUS)
SERIES_OF = {"operator": OPERATOR_SERIES, "calculated": CALCULATED_SERIES}
_QUALITIES = ("L3", "L2", "L1")  # worst first
_ZERO = Decimal(0)
_METER_CODE = re.compile(r"^1-1:[12]\.9\.0 [GP]\.0[123][TR]?$")
_SEPA_REFERENCE = re.compile(r"^[A-Za-z0-9/?:().,'+ -]{1,35}$")

#: Problems of the run being completed, read by `BillingRunRules.compute` (a context variable,
#: not behaviour state: behaviours are shared by threads).
_RUN_PROBLEMS: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar(
    "billing_run_problems", default=()
)


@dataclass
class _Written:
    """What the command being run wrote, so that its own hooks need not read it back (a
    context variable for the same reason as above): the drafts it created with their line
    totals, and the number prefixes it looked up."""

    totals: dict[str, tuple[Decimal, Decimal, Decimal]]
    prefixes: dict[tuple[str, str], str]


_WRITTEN: contextvars.ContextVar[_Written | None] = contextvars.ContextVar(
    "billing_written", default=None
)


# -- rules -------------------------------------------------------------------------------------


def _is_final(document: Mapping[str, Any] | None) -> bool:
    return document is not None and document.get("document_state") not in (None, "draft")


def _final_error(document: Mapping[str, Any], what: str) -> BehaviourError:
    return BehaviourError(
        f"document {document.get('number') or document['id']} is "
        f"{document['document_state']}: {what} — a final document is never changed or deleted; "
        "cancel it and issue a new one",
        code="document-final",
    )


class BillingDocumentRules(Behaviour):
    """Totals, gapless numbers, the state machine and immutability of billing documents."""

    def validate(self, change: Change) -> Iterable[FieldError]:
        after, before = change.after or {}, change.before
        state = after.get("document_state")
        if before is None:
            if state != "draft":
                yield FieldError(
                    "document-state",
                    ("document_state",),
                    "a document is created as a draft and finalised by an update",
                )
            return
        old = before["document_state"]
        if state != old and old not in ALLOWED_FROM.get(str(state), ()):
            allowed = ", ".join(ALLOWED_FROM.get(str(state), ())) or "nowhere"
            yield FieldError(
                "document-state",
                ("document_state",),
                f"cannot go from {old} to {state} (only from {allowed})",
            )

    def compute(self, change: Change) -> Mapping[str, Any]:
        after, before = change.after or {}, change.before
        values: dict[str, Any] = {}
        written = _WRITTEN.get()
        if written is not None and before is not None and change.entity_id in written.totals:
            # lines this command wrote itself: their sums are known
            net, vat, gross = written.totals[change.entity_id]
            values.update(net_amount=net, vat_amount=vat, gross_amount=gross)
        elif before is None or before["document_state"] == "draft":
            lines = (
                find_all(
                    change.uow, LINE, {"attr": "document", "op": "eq", "value": change.entity_id}
                )
                if before is not None
                else []
            )
            for name in ("net_amount", "vat_amount", "gross_amount"):
                values[name] = sum((Decimal(line[name]) for line in lines), _ZERO)
        if (
            before is not None
            and before["document_state"] == "draft"
            and after.get("document_state") == "final"
            and not after.get("number")
        ):
            issued: date = after.get("issue_date") or date.today()
            prefix = _prefix(change.uow, change.cls.qid, str(after["community"]))
            number = take_number(change.uow, str(after["community"]), prefix, issued.year)
            values["number"] = (
                f"{prefix}-{issued.year}-{number:06d}"
                if prefix
                else (f"{issued.year}-{number:06d}")
            )
            values["fiscal_year"] = issued.year
        return values

    def before_update(self, change: Change) -> None:
        before = change.before
        if _is_final(before):
            assert before is not None
            extra = sorted(set(change.changed) - {"document_state"})
            if extra:
                raise _final_error(before, f"cannot change {', '.join(extra)}")

    def before_erase(self, change: Change) -> None:
        if _is_final(change.before):
            assert change.before is not None
            raise _final_error(change.before, "cannot be erased")


class LineItemRules(Behaviour):
    """Lines of a final document are as final as the document."""

    def _refuse(self, change: Change, what: str) -> None:
        entity = change.entity
        written = _WRITTEN.get()
        if written is not None and str(entity["document"]) in written.totals:
            return  # a draft this command is writing
        document = change.uow.get(DOCUMENT, str(entity["document"]))
        if _is_final(document):
            raise _final_error(document, what)

    def before_create(self, change: Change) -> None:
        self._refuse(change, "cannot get new lines")

    def before_update(self, change: Change) -> None:
        self._refuse(change, "its lines cannot change")

    def before_erase(self, change: Change) -> None:
        self._refuse(change, "its lines cannot be erased")


class StoredFileRules(Behaviour):
    """Size and checksum of a stored file; files of final documents are never changed."""

    def compute(self, change: Change) -> Mapping[str, Any]:
        reference = str((change.after or {}).get("content") or "")
        try:
            payload = load_content(change.uow.connection, change.uow.tenant, reference)
        except KeyError:
            return {}
        return {"size_bytes": len(payload), "sha256": checksum(payload)}

    def _refuse(self, change: Change, what: str) -> None:
        owner = (change.before or {}).get("billing_document")
        if owner is not None:
            document = change.uow.get(DOCUMENT, str(owner))
            if _is_final(document):
                raise _final_error(document, what)

    def before_update(self, change: Change) -> None:
        self._refuse(change, "its files cannot change")

    def before_erase(self, change: Change) -> None:
        self._refuse(change, "its files cannot be erased")


class BillingRunRules(Behaviour):
    """A run's stamps and counts; a final run is never erased."""

    def compute(self, change: Change) -> Mapping[str, Any]:
        after, before = change.after or {}, change.before
        now = datetime.now(UTC)
        if before is None:
            return {"started_at": now, "document_count": 0, "problems": []}
        documents = change.uow.count(
            DOCUMENT, {"attr": "billing_run", "op": "eq", "value": change.entity_id}
        )
        values: dict[str, Any] = {"document_count": documents}
        if after.get("run_state") in ("completed", "failed") and before["run_state"] not in (
            "completed",
            "failed",
        ):
            values["finished_at"] = now
            values["problems"] = [
                {"code": "billing", "message": problem[:10_000]} for problem in _RUN_PROBLEMS.get()
            ]
        return values

    def before_erase(self, change: Change) -> None:
        run = change.before or {}
        if run.get("kind") == "final":
            raise BehaviourError(
                f"billing run {run.get('id')} is final: its documents were issued for good",
                code="run-final",
            )


def _prefix(uow: UnitOfWork, class_qid: str, community_id: str) -> str:
    if class_qid == CLASS_OF[lib.DocumentKind.INFORMATION]:
        return INFORMATION_PREFIX
    written = _WRITTEN.get()
    if written is not None and (class_qid, community_id) in written.prefixes:
        return written.prefixes[class_qid, community_id]
    community = uow.get("energy_community/EnergyCommunity", community_id)
    field = (
        "invoice_prefix"
        if class_qid == CLASS_OF[lib.DocumentKind.INVOICE]
        else ("credit_note_prefix")
    )
    prefix = str(community[field] or "")
    if written is not None:
        written.prefixes[class_qid, community_id] = prefix
    return prefix


# -- model → library ---------------------------------------------------------------------------


def _address(record: Mapping[str, Any] | None) -> lib.Address:
    record = record or {}
    return lib.Address(
        street=str(record.get("street") or ""),
        postal_code=str(record.get("postal_code") or ""),
        city=str(record.get("city") or ""),
        country=str(record.get("country") or "AT"),
        house_number=str(record.get("house_number") or ""),
        additional=str(record.get("additional") or ""),
    )


def _account(record: Mapping[str, Any] | None, holder: str) -> lib.BankAccount | None:
    if not record or not record.get("iban"):
        return None
    return lib.BankAccount(
        str(record["iban"]), str(record.get("holder") or holder), record.get("bic") or None
    )


def library_community(community: Mapping[str, Any]) -> lib.Community:
    name = str(community["name"])
    return lib.Community(
        id=str(community["id"]),
        name=name,
        address=_address(community.get("address")),
        tax_regime=lib.TaxRegime(str(community.get("vat_status") or "none")),
        vat_id=community.get("vat_id"),
        bank_account=_account(community.get("bank_account"), name),
        creditor_id=community.get("sepa_creditor_id"),
        payment_term_days=int(community.get("payment_term_days") or 14),
    )


def _participant_name(participant: Mapping[str, Any]) -> str:
    if participant.get("company_name"):
        return str(participant["company_name"])
    parts = (participant.get("title"), participant.get("first_name"), participant.get("last_name"))
    return " ".join(str(p) for p in parts if p) or str(participant.get("member_number") or "")


def _mandate(participant: Mapping[str, Any]) -> lib.Mandate | None:
    record = participant.get("sepa_mandate")
    if not record or not record.get("reference"):
        return None
    return lib.Mandate(str(record["reference"]), record.get("signed_on") or date.today())


def library_participant(
    participant: Mapping[str, Any], points: Sequence[lib.MeteringPoint]
) -> lib.Participant:
    name = _participant_name(participant)
    return lib.Participant(
        id=str(participant["id"]),
        name=name,
        address=_address(participant.get("address")),
        metering_points=tuple(points),
        tax_regime=lib.TaxRegime(str(participant.get("tax_regime") or "none")),
        vat_id=participant.get("vat_id"),
        bank_account=_account(participant.get("bank_account"), name),
        mandate=_mandate(participant),
    )


def library_tariff(tariff: Mapping[str, Any]) -> lib.Tariff:
    def money(name: str) -> Decimal:
        return Decimal(tariff.get(name) or 0)

    return lib.Tariff(
        name=str(tariff["name"]),
        valid_from=tariff["valid_from"],
        valid_to=tariff.get("valid_to"),
        consumption_price=money("consumption_price"),
        feed_in_price=money("feed_in_price"),
        membership_fee=money("membership_fee"),
        base_fee=money("base_fee"),
        metering_point_fee=money("metering_point_fee"),
        discount=money("discount"),
        free_kwh=money("free_kwh"),
        vat_rate=money("vat_rate"),
    )


def library_document(uow: UnitOfWork, document: Mapping[str, Any]) -> lib.Document:
    """A stored document as the library's value (for PDFs, SEPA files and cancellations)."""
    participant = uow.get("energy_community/Participant", str(document["recipient"]))
    recipient = library_participant(participant, ())
    lines = sorted(
        find_all(uow, LINE, {"attr": "document", "op": "eq", "value": document["id"]}),
        key=lambda line: int(line["position"]),
    )
    regime = lib.TaxRegime(str(document.get("tax_regime") or "none"))
    kind = KIND_OF[str(document["type"])]
    if document.get("cancels"):
        kind = lib.DocumentKind.CANCELLATION
    method = lib.PaymentMethod.TRANSFER
    if kind is lib.DocumentKind.INVOICE and document.get("direct_debit") and recipient.mandate:
        method = lib.PaymentMethod.DIRECT_DEBIT
    elif kind is lib.DocumentKind.INFORMATION:
        method = lib.PaymentMethod.NONE
    cancels = None
    if document.get("cancels"):
        cancels = str(uow.get(DOCUMENT, str(document["cancels"])).get("number") or "")
    return lib.Document(
        kind=kind,
        state=lib.DocumentState(str(document["document_state"])),
        community_id=str(document["community"]),
        recipient=lib.Recipient(
            participant_id=recipient.id,
            name=recipient.name,
            address=_address(document.get("recipient_address"))
            if document.get("recipient_address")
            else recipient.address,
            vat_id=recipient.vat_id,
            iban=recipient.bank_account.iban if recipient.bank_account else None,
            bic=recipient.bank_account.bic if recipient.bank_account else None,
            account_holder=recipient.bank_account.holder if recipient.bank_account else None,
            mandate=recipient.mandate if document.get("mandate_reference") else None,
        ),
        period=lib.DateRange(document["period_start"], document["period_end"]),
        lines=tuple(_library_line(uow, line, regime) for line in lines),
        notes=(str(document["vat_note"]),) if document.get("vat_note") else (),
        payment_method=method,
        number=document.get("number"),
        issue_date=document.get("issue_date"),
        due_date=document.get("due_date"),
        cancels=cancels,
    )


def _library_line(uow: UnitOfWork, line: Mapping[str, Any], regime: lib.TaxRegime) -> lib.LineItem:
    point = None
    if line.get("metering_point"):
        point = str(
            uow.get("energy_community/MeteringPoint", str(line["metering_point"]))[
                "metering_point_id"
            ]
        )
    days = None
    if line.get("period_start") and line.get("period_end"):
        days = lib.DateRange(line["period_start"], line["period_end"])
    return lib.LineItem(
        position=int(line["position"]),
        kind=lib.LineItemKind(str(line["kind"])),
        description=str(line["text"]),
        quantity=Decimal(line["quantity"]),
        unit=str(line["unit"]),
        unit_price=Decimal(line["unit_price"]),
        net=Decimal(line["net_amount"]),
        vat_rate=Decimal(line["vat_rate"]),
        vat=Decimal(line["vat_amount"]),
        gross=Decimal(line["gross_amount"]),
        tax_regime=regime,
        metering_point=point,
        meter_code=line.get("meter_code"),
        days=days,
    )


# -- reading the period's inputs ---------------------------------------------------------------


def _quantities(
    uow: UnitOfWork, series: str, ec_number: str, days: Days, time_zone: str
) -> list[lib.EnergyValue]:
    """Daily sums of the billed codes; each day carries the worst quality it contains."""
    start, end = days.bounds(time_zone)
    sums = store_of(uow).read(
        series,
        None,
        [str(code) for code in BILLED_CODES],
        start,
        end,
        "P1D",
        time_zone,
        tenant=uow.tenant,
        connection=uow.connection,
    )
    sums = sums.filter(pl.col("key").str.starts_with(f"{ec_number}/"))
    values: list[lib.EnergyValue] = []
    for row in sums.iter_rows(named=True):
        if row["value"] is None:
            continue
        quality = next(
            (q for q in _QUALITIES if row.get(f"value_{q}") not in (None, 0)),
            "L1",
        )
        values.append(
            lib.EnergyValue(
                metering_point=str(row["key"]).split("/", 1)[1],
                meter_code=MeterCode(str(row["code"])),
                first_day=row["start"].date(),
                kwh=Decimal(row["value"]).quantize(Decimal("0.000001")),
                quality=lib.Quality(quality),
            )
        )
    return values


def _members(
    uow: UnitOfWork, community: Mapping[str, Any], period: lib.Period
) -> list[lib.Participant]:
    """Members of the community during the period, with the points that count in it, the days
    of the period each point takes part and the member belongs (fees are pro-rated by them), and
    the member's own tariff."""
    days = Days(period.start, period.end)
    counted = participations(uow, community, days)
    spans: dict[tuple[str, str], tuple[str, date, date]] = {}
    for row in counted.frame.iter_rows(named=True):
        key = (str(row["participant"]), str(row["metering_point"]))
        first = max(row["valid_from"] or period.start, period.start)
        last = min(row["valid_to"] or period.end, period.end)
        if key in spans:  # several participations of one point: from the first to the last day
            _, known_first, known_last = spans[key]
            first, last = min(first, known_first), max(last, known_last)
        spans[key] = (str(row["direction"]), first, last)
    points: dict[str, list[lib.MeteringPoint]] = {}
    for (participant, point), (direction, first, last) in sorted(spans.items()):
        points.setdefault(participant, []).append(
            lib.MeteringPoint(point, lib.Direction(direction), lib.DateRange(first, last))
        )
    members = find_all(
        uow,
        "energy_community/Participant",
        {
            "and": [
                {"attr": "community", "op": "eq", "value": community["id"]},
                {"attr": "state", "op": "eq", "value": "active"},
                {"attr": "joined_on", "op": "lte", "value": period.end},
            ]
        },
    )
    own_tariffs = _member_tariffs(uow, community, members)
    found: list[lib.Participant] = []
    for m in members:
        if m.get("left_on") is not None and m["left_on"] < period.start:
            continue
        membership = lib.DateRange(
            max(m["joined_on"], period.start), min(m.get("left_on") or period.end, period.end)
        )
        member = library_participant(m, points.get(str(m["id"]), []))
        found.append(replace(member, membership=membership, tariff=own_tariffs.get(str(m["id"]))))
    return found


def _member_tariffs(
    uow: UnitOfWork, community: Mapping[str, Any], members: Sequence[Mapping[str, Any]]
) -> dict[str, lib.Tariff]:
    """The members' own tariffs (Participant.tariff), by member id; a tariff of another
    community or an archived one is refused with the member named."""
    found: dict[str, lib.Tariff] = {}
    for m in members:
        if not m.get("tariff"):
            continue
        tariff = uow.get("energy_community/Tariff", str(m["tariff"]))
        if tariff["community"] != community["id"] or tariff.get("state") != "active":
            raise BehaviourError(
                f"member {m['member_number']} has the tariff {tariff['name']!r}, which is "
                + (
                    "not a tariff of this community"
                    if tariff["community"] != community["id"]
                    else "archived"
                )
                + "; give the member a tariff of its community or none (the community's)",
                code="billing-input",
                path=("tariff",),
            )
        try:
            found[str(m["id"])] = library_tariff(tariff)
        except lib.BillingError as exc:
            raise BehaviourError(
                f"member {m['member_number']}: {exc}", code="billing-input", path=("tariff",)
            ) from exc
    return found


# -- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedDocument:
    id: str
    kind: str  # invoice, credit_note, information_statement
    recipient: str  # participant entity id
    number: str | None
    gross: Decimal
    file: str | None  # Document entity id of the PDF (final documents)


@dataclass(frozen=True)
class BillingRunResult:
    """What `bill` stored."""

    run: str  # BillingRun entity id
    kind: str
    period_start: date
    period_end: date
    replaced: int  # previews erased by this preview
    documents: tuple[IssuedDocument, ...]
    net: Decimal
    vat: Decimal
    gross: Decimal
    to_collect: Decimal
    to_pay_out: Decimal
    problems: tuple[str, ...]


@dataclass(frozen=True)
class CancellationResult:
    cancelled: str  # the document now in state cancelled
    cancellation: str  # the new, final cancellation document
    number: str
    file: str | None


@dataclass(frozen=True)
class SepaResult:
    files: tuple[str, ...]  # Document entity ids of the stored pain files
    numbers: tuple[str, ...]  # documents in the files
    left_out: tuple[str, ...]  # "number: reason"
    payments: tuple[str, ...] = ()  # Payment entity ids (state submitted), one per document


@dataclass(frozen=True)
class DocumentStateResult:
    document: str
    number: str
    state: str


@dataclass(frozen=True)
class PaymentResult:
    """A payment booked against a document, and where the document stands now."""

    payment: str  # Payment entity id
    document: str
    number: str
    amount: Decimal
    paid: Decimal  # booked so far, this payment included
    open: Decimal  # still to pay
    state: str  # the document's state (paid once nothing is open)


@dataclass(frozen=True)
class StatementLine:
    """One statement transaction: the documents it paid, or why none."""

    line: int  # line in the statement file
    amount: Decimal
    credit: bool
    text: str  # end-to-end id or remittance information, as the bank gave it
    numbers: tuple[str, ...]  # documents it paid
    reason: str  # why it was not matched; empty when matched


@dataclass(frozen=True)
class StatementResult:
    entries: int
    matched: tuple[StatementLine, ...]
    unmatched: tuple[StatementLine, ...]
    paid: tuple[str, ...]  # numbers of the documents now paid in full


# -- writing -----------------------------------------------------------------------------------


def _store_document(
    uow: UnitOfWork,
    document: lib.Document,
    *,
    class_qid: str,
    community: Mapping[str, Any],
    run_id: str | None,
    points: Mapping[str, str],
    cancels: str | None = None,
    final: tuple[date, int] | None = None,
) -> Entity:
    """The library's draft as a draft entity with its lines (amounts computed from them);
    with `final` (issue date, payment term in days) finalised in the same update."""
    values: dict[str, Any] = {
        "community": community["id"],
        "recipient": document.recipient.participant_id,
        "document_state": "draft",
        "period_start": document.period.first,
        "period_end": document.period.last,
        "currency": "EUR",
        "tax_regime": _regime_of(document).value,
        "vat_note": "\n".join(document.notes) or None,
        "recipient_address": {
            k: v
            for k, v in {
                "street": document.recipient.address.street,
                "house_number": document.recipient.address.house_number or None,
                "postal_code": document.recipient.address.postal_code,
                "city": document.recipient.address.city,
                "country": document.recipient.address.country,
            }.items()
            if v is not None
        },
    }
    if run_id is not None:
        values["billing_run"] = run_id
    if cancels is not None:
        values["cancels"] = cancels
    if class_qid == CLASS_OF[lib.DocumentKind.INVOICE]:
        values["direct_debit"] = document.payment_method is lib.PaymentMethod.DIRECT_DEBIT
        if document.recipient.mandate is not None:
            values["mandate_reference"] = document.recipient.mandate.reference
    if class_qid == CLASS_OF[lib.DocumentKind.CREDIT_NOTE]:
        values["credit_transfer"] = document.recipient.iban is not None
    entity = uow.create(class_qid, values)
    written = _WRITTEN.get()
    if written is not None:
        written.totals[str(entity["id"])] = (document.net, document.vat, document.gross)
    uow.create_many(
        LINE,
        [_line_values(entity["id"], line, points) for line in document.lines],
    )
    # An update runs compute: the amounts are the sums of the lines just written.
    if final is None:
        return uow.update(class_qid, entity["id"], {}, entity["version"])
    return _finalise(uow, entity, *final)


def _regime_of(document: lib.Document) -> lib.TaxRegime:
    return document.lines[0].tax_regime if document.lines else lib.TaxRegime.NONE


def _line_values(document_id: str, line: lib.LineItem, points: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "document": document_id,
        "position": line.position,
        "kind": line.kind.value,
        "text": line.description[:300],
        "quantity": line.quantity,
        "unit": line.unit,
        "unit_price": line.unit_price,
        "net_amount": line.net,
        "vat_rate": line.vat_rate,
        "vat_amount": line.vat,
        "gross_amount": line.gross,
    }
    if line.meter_code:
        # The model holds one channel; a net (G.01T − P.01T) is stored as its first channel.
        code = line.meter_code.split(" − ")[0]
        if _METER_CODE.match(code):
            values["meter_code"] = code
    if line.metering_point and line.metering_point in points:
        values["metering_point"] = points[line.metering_point]
    if line.days is not None:
        values["period_start"], values["period_end"] = line.days.first, line.days.last
    if line.quality is not None:
        l1, l2, l3 = line.quality.percent()
        values["quality"] = {"l1": l1, "l2": l2, "l3": l3}
    return values


def _finalise(uow: UnitOfWork, entity: Entity, issue_date: date, payment_term_days: int) -> Entity:
    """draft → final: the compute hook takes the gapless number."""
    needs_payment = entity["type"] != CLASS_OF[lib.DocumentKind.INFORMATION]
    return uow.update(
        str(entity["type"]),
        str(entity["id"]),
        {
            "document_state": "final",
            "issue_date": issue_date,
            "due_date": issue_date + timedelta(days=payment_term_days) if needs_payment else None,
        },
        entity["version"],
    )


def _issue(
    uow: UnitOfWork,
    document: lib.Document,
    community: Mapping[str, Any],
    run_id: str,
    points: Mapping[str, str],
    kind: str,
    issue_date: date,
    payment_term_days: int,
) -> IssuedDocument:
    """Store one document of a run: a draft, or (final run) finalised with its PDF."""
    entity = _store_document(
        uow,
        document,
        class_qid=CLASS_OF[document.kind],
        community=community,
        run_id=run_id,
        points=points,
        final=(issue_date, payment_term_days) if kind == "final" else None,
    )
    file_id = None
    if kind == "final":
        numbered = replace(
            document,
            state=lib.DocumentState.FINAL,
            number=entity["number"],
            issue_date=entity["issue_date"],
            due_date=entity["due_date"],
        )
        file_id = str(store_pdf(uow, entity, community, numbered)["id"])
    return IssuedDocument(
        id=str(entity["id"]),
        kind=FILE_KIND[str(entity["type"])],
        recipient=document.recipient.participant_id,
        number=entity.get("number"),
        gross=Decimal(entity["gross_amount"]),
        file=file_id,
    )


def store_pdf(
    uow: UnitOfWork,
    document: Entity,
    community: Mapping[str, Any],
    issued: lib.Document | None = None,
) -> Entity:
    """Render a final document's PDF and keep it as a Document composed into the document.

    `issued` is the library's document as the run calculated it (with its chart), numbered and
    dated like `document`; without it the document is read back from the database.
    """
    if issued is None:
        issued = library_document(uow, document)
    payload = render_pdf(issued, library_community(community))
    number = str(document.get("number") or document["id"])
    reference = store_content(uow, payload, "application/pdf", f"billing document {number}")
    return uow.create(
        FILE,
        {
            "kind": FILE_KIND[str(document["type"])],
            "origin": "generated",
            "title": number,
            "file_name": f"{number}.pdf",
            "media_type": "application/pdf",
            "content": reference,
            "community": community["id"],
            "participant": document["recipient"],
            "billing_document": document["id"],
            **({"billing_run": document["billing_run"]} if document.get("billing_run") else {}),
        },
    )


def file_bytes(uow: UnitOfWork, file_id: str) -> bytes:
    """The stored bytes of a Document entity."""
    entity = uow.get(FILE, file_id)
    return load_content(uow.connection, uow.tenant, str(entity["content"]))


def document_pdf(uow: UnitOfWork, document_id: str) -> bytes:
    """The stored PDF of a billing document (KeyError when it has none)."""
    files = find_all(
        uow,
        FILE,
        {
            "and": [
                {"attr": "billing_document", "op": "eq", "value": document_id},
                {"attr": "media_type", "op": "eq", "value": "application/pdf"},
            ]
        },
    )
    if not files:
        raise KeyError(f"billing document {document_id} has no stored PDF")
    return file_bytes(uow, str(files[-1]["id"]))


def _own_document(ctx: CommandContext, document_id: str) -> Entity:
    """A document of this community by entity id or by number."""
    document = ctx.uow.find(DOCUMENT, {"attr": "id", "op": "eq", "value": document_id}).items
    if not document:
        document = ctx.uow.find(
            DOCUMENT,
            {
                "and": [
                    {"attr": "community", "op": "eq", "value": ctx.entity_id},
                    {"attr": "number", "op": "eq", "value": document_id},
                ]
            },
        ).items
    if not document or document[0]["community"] != ctx.entity_id:
        raise BehaviourError(
            f"no billing document {document_id} in this community",
            code="no-document",
            path=("document",),
        )
    return document[0]


class CommunityBilling(Behaviour):
    """Billing runs of a community, stored (bound to EnergyCommunity)."""

    @command
    def bill(
        self,
        ctx: CommandContext,
        period: Annotated[date, "first day of the settlement period"],
        kind: Annotated[Literal["preview", "final"], "preview (repeatable) or final"] = "preview",
        basis: Annotated[
            Literal["operator", "calculated"],
            "energy data: the grid operator's or the community's own allocation",
        ] = "operator",
        issue_date: Annotated[date | None, "issue date of final documents; default today"] = None,
    ) -> BillingRunResult:
        """Bill every member for the settlement period starting on `period` and store the run.

        A preview stores drafts and replaces the previous preview of the period; a final run
        numbers its documents (gapless per community, prefix and year) and stores their PDFs.
        """
        uow, community = ctx.uow, ctx.entity
        try:
            settlement = lib.Period(
                lib.SettlementInterval(str(community["settlement_interval"])), period
            )
        except lib.BillingError as exc:
            raise BehaviourError(str(exc), code="billing-period", path=("period",)) from exc
        if kind == "final":
            # Two final runs of one community never overlap: the second waits for the first
            # and then finds its period billed (below).
            lock_community(uow, str(ctx.entity_id))
        same_period = {
            "and": [
                {"attr": "community", "op": "eq", "value": ctx.entity_id},
                {"attr": "period_start", "op": "eq", "value": settlement.start},
            ]
        }
        earlier = find_all(uow, RUN, same_period)
        if kind == "final" and any(
            r["kind"] == "final" and r["run_state"] == "completed" for r in earlier
        ):
            raise BehaviourError(
                f"the period {settlement} of community {community['ec_number']} is billed final "
                "already; cancel single documents instead",
                code="already-final",
                path=("period",),
            )
        members = _members(uow, community, settlement)
        # Tariffs a member refers to are that member's own (Participant.tariff); the
        # community's schedule is made of the others.
        own = {
            str(p["tariff"])
            for p in find_all(
                uow,
                "energy_community/Participant",
                {"attr": "community", "op": "eq", "value": ctx.entity_id},
            )
            if p.get("tariff")
        }
        tariffs = [
            library_tariff(t)
            for t in find_all(
                uow,
                "energy_community/Tariff",
                {
                    "and": [
                        {"attr": "community", "op": "eq", "value": ctx.entity_id},
                        {"attr": "state", "op": "eq", "value": "active"},
                    ]
                },
            )
            if str(t["id"]) not in own
        ]
        time_zone = str(community.get("time_zone") or "Europe/Vienna")
        values = _quantities(
            uow,
            SERIES_OF[basis],
            str(community["ec_number"]),
            Days(settlement.start, settlement.end),
            time_zone,
        )
        try:
            run = lib.bill(library_community(community), settlement, members, tariffs, values)
        except lib.BillingError as exc:
            raise BehaviourError(f"cannot bill {settlement}: {exc}", code="billing-input") from exc
        replaced = 0
        if kind == "preview":
            for old in earlier:
                if old["kind"] == "preview":
                    uow.erase(RUN, str(old["id"]))
                    replaced += 1
        stored_run = uow.create(
            RUN,
            {
                "community": ctx.entity_id,
                "period_start": settlement.start,
                "period_end": settlement.end,
                "kind": kind,
                "run_state": "running",
                "issue_date": issue_date,
            },
        )
        points = {
            str(p["metering_point_id"]): str(p["id"])
            for p in participations(
                uow, community, Days(settlement.start, settlement.end)
            ).points.values()
        }
        issued_on = issue_date or date.today()
        issued: list[IssuedDocument] = []
        term = int(community.get("payment_term_days") or 14)
        written = _WRITTEN.set(_Written({}, {}))
        try:
            for document in run.documents:
                issued.append(
                    _issue(
                        uow,
                        document,
                        community,
                        str(stored_run["id"]),
                        points,
                        kind,
                        issued_on,
                        term,
                    )
                )
        finally:
            _WRITTEN.reset(written)
        token = _RUN_PROBLEMS.set(run.problems)
        try:
            uow.update(
                RUN, str(stored_run["id"]), {"run_state": "completed"}, stored_run["version"]
            )
        finally:
            _RUN_PROBLEMS.reset(token)
        summary = run.summary
        return BillingRunResult(
            run=str(stored_run["id"]),
            kind=kind,
            period_start=settlement.start,
            period_end=settlement.end,
            replaced=replaced,
            documents=tuple(issued),
            net=summary.net,
            vat=summary.vat,
            gross=summary.gross,
            to_collect=summary.to_collect,
            to_pay_out=summary.to_pay_out,
            problems=run.problems,
        )

    @command
    def cancel(
        self,
        ctx: CommandContext,
        document: Annotated[str, "id of the final billing document to cancel"],
        issue_date: Annotated[date | None, "issue date of the cancellation; default today"] = None,
    ) -> CancellationResult:
        """Cancel a final document: a numbered cancellation document with the negated lines
        (an invoice is cancelled by a credit note and vice versa); the original becomes
        cancelled."""
        uow, community = ctx.uow, ctx.entity
        original = _own_document(ctx, document)
        if original.get("cancels"):
            raise BehaviourError(
                "a cancellation cannot be cancelled; issue a new document instead",
                code="document-state",
                path=("document",),
            )
        if original["document_state"] not in ALLOWED_FROM["cancelled"]:
            raise BehaviourError(
                f"document {original.get('number') or original['id']} is "
                f"{original['document_state']}; only final, sent or paid documents are cancelled"
                + (
                    " (discard a draft with its preview instead)"
                    if original["document_state"] == "draft"
                    else ""
                ),
                code="document-state",
                path=("document",),
            )
        source = library_document(uow, original)
        reversal = lib.Document(
            kind=lib.DocumentKind.CANCELLATION,
            state=lib.DocumentState.DRAFT,
            community_id=source.community_id,
            recipient=source.recipient,
            period=source.period,
            lines=tuple(line.negated() for line in source.lines),
            notes=source.notes,
            payment_method=lib.PaymentMethod.TRANSFER,
            cancels=source.number,
        )
        points = {
            str(p["metering_point_id"]): str(p["id"])
            for line in source.lines
            if line.metering_point
            for p in find_all(
                uow,
                "energy_community/MeteringPoint",
                {"attr": "metering_point_id", "op": "eq", "value": line.metering_point},
            )
        }
        cancelled = uow.update(
            str(original["type"]),
            str(original["id"]),
            {"document_state": "cancelled"},
            original["version"],
        )
        entity = _store_document(
            uow,
            replace(reversal, recipient=source.recipient),
            class_qid=CANCELLED_BY[str(original["type"])],
            community=community,
            run_id=None,
            points=points,
            cancels=str(cancelled["id"]),
        )
        entity = _finalise(uow, entity, issue_date or date.today(), 0)
        pdf = store_pdf(uow, entity, community)
        return CancellationResult(
            cancelled=str(cancelled["id"]),
            cancellation=str(entity["id"]),
            number=str(entity["number"]),
            file=str(pdf["id"]),
        )

    @command
    def sepa(
        self,
        ctx: CommandContext,
        run: Annotated[str, "id of a final billing run"],
        collection_date: Annotated[
            date, "collection date (pain.008) and execution date (pain.001)"
        ],
    ) -> SepaResult:
        """Store the pain.008 (direct debits) and pain.001 (credit transfers) files of a final
        run's open documents as Documents of the run."""
        uow, community = ctx.uow, ctx.entity
        runs = uow.find(RUN, {"attr": "id", "op": "eq", "value": run}).items
        if not runs or runs[0]["community"] != ctx.entity_id or runs[0]["kind"] != "final":
            raise BehaviourError(f"no final billing run {run} here", code="no-run", path=("run",))
        stored = find_all(uow, DOCUMENT, {"attr": "billing_run", "op": "eq", "value": run})
        by_number = {str(d["number"]): d for d in stored if d.get("number")}
        documents: list[lib.Document] = []
        left_out: list[str] = []
        for d in stored:
            # A document already in a SEPA file, or (partly) paid, is not submitted again.
            active = [
                p for p, _ in _payments(uow, str(d["id"])) if p["payment_state"] in ACTIVE_PAYMENTS
            ]
            if active:
                left_out.append(
                    f"{d['number']}: has a payment already ({active[0]['payment_state']})"
                )
                continue
            documents.append(library_document(uow, d))
        issuer = library_community(community)
        made: list[tuple[str, str, SepaFile]] = []
        try:
            if any(d.payment_method is lib.PaymentMethod.DIRECT_DEBIT for d in documents):
                made.append(
                    (
                        "sepa_direct_debit_file",
                        "pain.008",
                        direct_debit_file(issuer, documents, collection_date),
                    )
                )
            made.append(
                (
                    "sepa_credit_transfer_file",
                    "pain.001",
                    credit_transfer_file(issuer, documents, collection_date),
                )
            )
        except lib.PaymentFileError as exc:
            raise BehaviourError(str(exc), code="sepa", path=("run",)) from exc
        files: list[str] = []
        numbers: list[str] = []
        payments: list[str] = []
        for file_kind, name, sepa_file in made:
            numbers.extend(sepa_file.numbers)
            left_out.extend(f"{x.number}: {x.reason}" for x in sepa_file.left_out)
            if sepa_file.xml is None:
                continue
            file_name = f"{name}-{runs[0]['period_start']}-{collection_date}.xml"
            reference = store_content(uow, sepa_file.xml, "application/xml", file_name)
            entity = uow.create(
                FILE,
                {
                    "kind": file_kind,
                    "origin": "generated",
                    "title": f"{name} {runs[0]['period_start']}",
                    "file_name": file_name,
                    "media_type": "application/xml",
                    "content": reference,
                    "community": ctx.entity_id,
                    "billing_run": run,
                },
            )
            files.append(str(entity["id"]))
            for number in sepa_file.numbers:
                payments.append(
                    _submit(uow, by_number[number], file_kind, str(entity["id"]), collection_date)
                )
        return SepaResult(
            tuple(files), tuple(numbers), tuple(dict.fromkeys(left_out)), tuple(payments)
        )

    @command
    def mark_sent(
        self,
        ctx: CommandContext,
        document: Annotated[str, "id or number of a final billing document"],
    ) -> DocumentStateResult:
        """Record that a final document was sent to its member (final → sent)."""
        found = _own_document(ctx, document)
        _check_state(found, "sent")
        updated = ctx.uow.update(
            str(found["type"]), str(found["id"]), {"document_state": "sent"}, found["version"]
        )
        return DocumentStateResult(str(updated["id"]), str(updated["number"]), "sent")

    @command
    def mark_paid(
        self,
        ctx: CommandContext,
        document: Annotated[str, "id or number of a final or sent billing document"],
        amount: Annotated[Decimal | None, "amount paid; default what is still open"] = None,
        paid_on: Annotated[date | None, "value date of the payment; default today"] = None,
        reference: Annotated[str | None, "remittance information or a note"] = None,
    ) -> PaymentResult:
        """Book a payment of a document by hand (a transfer, cash, a payout); a part payment
        leaves the document open until the rest is booked, the last one marks it paid."""
        found = _own_document(ctx, document)
        _check_state(found, "paid")
        open_amount = _payable(found) - _paid(ctx.uow, str(found["id"]))
        if amount is None:
            amount = open_amount
        if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            raise BehaviourError(
                f"amount {amount} must be a positive amount in cents",
                code="payment-amount",
                path=("amount",),
            )
        if amount > open_amount:
            raise BehaviourError(
                f"document {found['number']} has {open_amount} EUR open; a payment of {amount} "
                "EUR is more than that — book the open amount and handle the rest as a refund",
                code="payment-amount",
                path=("amount",),
            )
        return _book(
            ctx.uow,
            found,
            amount,
            paid_on or date.today(),
            method="other",
            remittance=reference,
        )

    @command
    def import_statement(
        self,
        ctx: CommandContext,
        statement: Annotated[str, "a camt.053 bank statement (the XML text)"],
    ) -> StatementResult:
        """Mark documents paid from a camt.053 bank statement: each booked transaction is
        matched by end-to-end id, creditor reference or a document number in the remittance
        information; what cannot be matched is reported with the reason, never guessed."""
        try:
            parsed = parse_statement(statement)
        except StatementError as exc:
            raise BehaviourError(
                f"bank statement: {exc}", code="statement", path=("statement",)
            ) from exc
        uow = ctx.uow
        documents = {
            str(d["number"]): d
            for d in find_all(
                uow,
                DOCUMENT,
                {
                    "and": [
                        {"attr": "community", "op": "eq", "value": ctx.entity_id},
                        {"attr": "document_state", "op": "ne", "value": "draft"},
                    ]
                },
            )
            if d.get("number")
        }
        matched: list[StatementLine] = []
        unmatched: list[StatementLine] = []
        paid: list[str] = []
        for entry in parsed.entries:
            numbers, reason = _match(uow, entry, documents)
            text = entry.end_to_end_id or entry.reference or entry.remittance
            line = StatementLine(entry.line, entry.amount, entry.credit, text, numbers, reason)
            if reason:
                unmatched.append(line)
                continue
            for number in numbers:
                document = documents[number]
                share = (
                    entry.amount
                    if len(numbers) == 1
                    else _payable(document) - _paid(uow, str(document["id"]))
                )
                result = _book(
                    uow,
                    document,
                    share,
                    entry.value_date or entry.booking_date or date.today(),
                    method="statement",
                    remittance=entry.remittance or None,
                    end_to_end_id=entry.end_to_end_id,
                    account=(entry.counterparty_iban, entry.counterparty),
                )
                documents[number] = uow.get(DOCUMENT, str(document["id"]))
                if result.state == "paid":
                    paid.append(number)
            matched.append(line)
        return StatementResult(len(parsed.entries), tuple(matched), tuple(unmatched), tuple(paid))


# -- payments ----------------------------------------------------------------------------------

_NUMBER_TOKEN = re.compile(r"(?:[A-Z0-9]+-)*\d{4}-\d{6}")


def _check_state(document: Mapping[str, Any], target: str) -> None:
    state = str(document["document_state"])
    name = document.get("number") or document["id"]
    if document["type"] == CLASS_OF[lib.DocumentKind.INFORMATION] and target == "paid":
        raise BehaviourError(
            f"document {name} is an information statement: it asks for no payment",
            code="document-state",
            path=("document",),
        )
    if state not in ALLOWED_FROM[target]:
        allowed = " or ".join(ALLOWED_FROM[target])
        raise BehaviourError(
            f"document {name} is {state}; only a {allowed} document can become {target}",
            code="document-state",
            path=("document",),
        )


def _payable(document: Mapping[str, Any]) -> Decimal:
    return abs(Decimal(document.get("gross_amount") or 0))


def _payments(uow: UnitOfWork, document_id: str) -> list[tuple[Entity, Decimal]]:
    """The payments of a document with the amount each settles of it."""
    return [
        (uow.get(PAYMENT, str(link["id"])), Decimal(link["amount"]))
        for link in uow.links(DOCUMENT, document_id, "payments")
    ]


def _paid(uow: UnitOfWork, document_id: str) -> Decimal:
    """What booked payments settled of the document so far."""
    return sum(
        (amount for p, amount in _payments(uow, document_id) if p["payment_state"] == "booked"),
        _ZERO,
    )


def _counterparty(iban: str | None, holder: str | None) -> dict[str, str] | None:
    if not iban or not holder:
        return None
    try:
        return {"iban": checked_iban(iban, "counterparty"), "holder": holder[:70]}
    except lib.PaymentFileError:
        return None


def _book(
    uow: UnitOfWork,
    document: Mapping[str, Any],
    amount: Decimal,
    value_date: date,
    *,
    method: str,
    remittance: str | None = None,
    end_to_end_id: str | None = None,
    account: tuple[str | None, str | None] = (None, None),
) -> PaymentResult:
    """Book `amount` against the document: a submitted SEPA payment of the same amount is booked
    (the collection or payout arrived), otherwise a new booked Payment is linked; the document
    becomes paid when nothing is open."""
    incoming = Decimal(document["gross_amount"]) > 0
    submitted = next(
        (
            p
            for p, part in _payments(uow, str(document["id"]))
            if p["payment_state"] == "submitted" and part == amount
        ),
        None,
    )
    if submitted is not None and method == "statement":
        payment = uow.update(
            PAYMENT,
            str(submitted["id"]),
            {"payment_state": "booked", "value_date": value_date},
            submitted["version"],
        )
    else:
        values: dict[str, Any] = {
            "community": document["community"],
            "participant": document["recipient"],
            "amount": amount,
            "currency": "EUR",
            "value_date": value_date,
            # A member's transfer and the community's payout are both credit transfers.
            "method": "other" if method == "other" else "sepa_credit_transfer",
            "direction": "incoming" if incoming else "outgoing",
            "payment_state": "booked",
        }
        if remittance:
            values["remittance_info"] = remittance[:140]
        if end_to_end_id and _SEPA_REFERENCE.match(end_to_end_id):
            values["end_to_end_id"] = end_to_end_id
        if (counterparty := _counterparty(*account)) is not None:
            values["counterparty_account"] = counterparty
        payment = uow.create(PAYMENT, values)
        uow.link(PAYMENT, str(payment["id"]), "documents", str(document["id"]), {"amount": amount})
    paid = _paid(uow, str(document["id"]))
    open_amount = _payable(document) - paid
    state = str(document["document_state"])
    if open_amount <= 0 and state != "paid":
        current = uow.get(DOCUMENT, str(document["id"]))
        uow.update(
            str(current["type"]), str(current["id"]), {"document_state": "paid"}, current["version"]
        )
        state = "paid"
    return PaymentResult(
        str(payment["id"]),
        str(document["id"]),
        str(document["number"]),
        amount,
        paid,
        open_amount,
        state,
    )


def _submit(
    uow: UnitOfWork, document: Mapping[str, Any], file_kind: str, file_id: str, day: date
) -> str:
    """A submitted Payment of a document in a SEPA file (end-to-end id = document number)."""
    debit = file_kind == "sepa_direct_debit_file"
    participant = uow.get("energy_community/Participant", str(document["recipient"]))
    values: dict[str, Any] = {
        "community": document["community"],
        "participant": document["recipient"],
        "amount": _payable(document),
        "currency": "EUR",
        "value_date": day,
        "method": "sepa_direct_debit" if debit else "sepa_credit_transfer",
        "direction": "incoming" if debit else "outgoing",
        "payment_state": "submitted",
        "end_to_end_id": str(document["number"]),
        "remittance_info": str(document["number"]),
        "sepa_file": file_id,
    }
    if participant.get("bank_account"):
        values["counterparty_account"] = participant["bank_account"]
    payment = uow.create(PAYMENT, values)
    uow.link(
        PAYMENT,
        str(payment["id"]),
        "documents",
        str(document["id"]),
        {"amount": _payable(document)},
    )
    return str(payment["id"])


def _match(
    uow: UnitOfWork, entry: StatementEntry, documents: Mapping[str, Mapping[str, Any]]
) -> tuple[tuple[str, ...], str]:
    """The documents a statement transaction pays, or ((), why not)."""
    if not entry.booked:
        return (), "not booked yet (pending)"
    if entry.reversal:
        return (), "a reversal (returned debit or transfer): check and book it by hand"
    if entry.currency != "EUR":
        return (), f"currency {entry.currency}, not EUR"
    numbers: list[str] = []
    for candidate in (entry.end_to_end_id, entry.reference):
        if candidate and candidate in documents:
            numbers = [candidate]
            break
    if not numbers:
        text = " ".join(x for x in (entry.remittance, entry.reference or "") if x).upper()
        numbers = list(dict.fromkeys(t for t in _NUMBER_TOKEN.findall(text) if t in documents))
    if not numbers:
        return (), "no document number in the end-to-end id or the remittance information"
    found = [documents[n] for n in numbers]
    for document in found:
        owed_by_member = Decimal(document["gross_amount"]) > 0
        if owed_by_member != entry.credit:
            return tuple(numbers), (
                f"{'money received' if entry.credit else 'money paid out'} for document "
                f"{document['number']}, which "
                + ("the member owes" if owed_by_member else "the community owes")
            )
        if document["document_state"] not in ALLOWED_FROM["paid"]:
            return tuple(numbers), f"document {document['number']} is {document['document_state']}"
    open_amounts = [_payable(d) - _paid(uow, str(d["id"])) for d in found]
    if len(found) == 1:
        if entry.amount > open_amounts[0]:
            return tuple(numbers), (
                f"pays {entry.amount} EUR, but document {numbers[0]} has {open_amounts[0]} EUR open"
            )
        return tuple(numbers), ""
    if entry.amount != sum(open_amounts, _ZERO):
        return tuple(numbers), (
            f"pays {entry.amount} EUR for {', '.join(numbers)}, which have "
            f"{sum(open_amounts, _ZERO)} EUR open together: book it by hand"
        )
    return tuple(numbers), ""


__all__ = [
    "BillingDocumentRules",
    "BillingRunResult",
    "BillingRunRules",
    "CancellationResult",
    "CommunityBilling",
    "DocumentStateResult",
    "IssuedDocument",
    "LineItemRules",
    "PaymentResult",
    "SepaResult",
    "StatementLine",
    "StatementResult",
    "StoredFileRules",
    "document_pdf",
    "file_bytes",
    "library_community",
    "library_document",
    "store_pdf",
]
