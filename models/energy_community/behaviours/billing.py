"""Billing runs as behaviours: `EnergyCommunity.bill(period, kind, basis)` and `cancel(document)`.

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
from meshkit.models.energy_community.billing.pdf import render_pdf
from meshkit.models.energy_community.billing.sepa import (
    SepaFile,
    credit_transfer_file,
    direct_debit_file,
)
from meshkit.runtime import Entity, FieldError, UnitOfWork
from meshkit.runtime.behaviours import Behaviour, BehaviourError, Change, CommandContext, command

from .billing_store import checksum, load_content, store_content, take_number
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

#: Problems of the run being completed, read by `BillingRunRules.compute` (a context variable,
#: not behaviour state: behaviours are shared by threads).
_RUN_PROBLEMS: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar(
    "billing_run_problems", default=()
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
        if before is None or before["document_state"] == "draft":
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
    community = uow.get("energy_community/EnergyCommunity", community_id)
    field = (
        "invoice_prefix"
        if class_qid == CLASS_OF[lib.DocumentKind.INVOICE]
        else ("credit_note_prefix")
    )
    return str(community[field] or "")


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
    """Members of the community during the period, with the points that count in it."""
    days = Days(period.start, period.end)
    counted = participations(uow, community, days)
    points: dict[str, list[lib.MeteringPoint]] = {}
    for row in counted.frame.unique(["participant", "metering_point"]).iter_rows(named=True):
        points.setdefault(str(row["participant"]), []).append(
            lib.MeteringPoint(str(row["metering_point"]), lib.Direction(str(row["direction"])))
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
    return [
        library_participant(m, sorted(points.get(str(m["id"]), []), key=lambda p: p.id))
        for m in members
        if m.get("left_on") is None or m["left_on"] >= period.start
    ]


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
) -> Entity:
    """The library's draft as a draft entity with its lines (amounts computed from them)."""
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
    uow.create_many(
        LINE,
        [_line_values(entity["id"], line, points) for line in document.lines],
    )
    # An update runs compute: the amounts are the sums of the lines just written.
    return uow.update(class_qid, entity["id"], {}, entity["version"])


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


def store_pdf(uow: UnitOfWork, document: Entity, community: Mapping[str, Any]) -> Entity:
    """Render a final document's PDF and keep it as a Document composed into the document."""
    payload = render_pdf(library_document(uow, document), library_community(community))
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
    document = ctx.uow.find(DOCUMENT, {"attr": "id", "op": "eq", "value": document_id}).items
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
        for document in run.documents:
            entity = _store_document(
                uow,
                document,
                class_qid=CLASS_OF[document.kind],
                community=community,
                run_id=str(stored_run["id"]),
                points=points,
            )
            file_id = None
            if kind == "final":
                entity = _finalise(
                    uow, entity, issued_on, int(community.get("payment_term_days") or 14)
                )
                file_id = str(store_pdf(uow, entity, community)["id"])
            issued.append(
                IssuedDocument(
                    id=str(entity["id"]),
                    kind=FILE_KIND[str(entity["type"])],
                    recipient=document.recipient.participant_id,
                    number=entity.get("number"),
                    gross=Decimal(entity["gross_amount"]),
                    file=file_id,
                )
            )
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
        documents = [
            library_document(uow, d)
            for d in find_all(uow, DOCUMENT, {"attr": "billing_run", "op": "eq", "value": run})
        ]
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
        left_out: list[str] = []
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
        return SepaResult(tuple(files), tuple(numbers), tuple(dict.fromkeys(left_out)))


__all__ = [
    "BillingDocumentRules",
    "BillingRunResult",
    "BillingRunRules",
    "CancellationResult",
    "CommunityBilling",
    "IssuedDocument",
    "LineItemRules",
    "SepaResult",
    "StoredFileRules",
    "document_pdf",
    "file_bytes",
    "library_community",
    "library_document",
    "store_pdf",
]
