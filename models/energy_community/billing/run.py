"""A billing run: every member's document for one period, a summary, and what was found.

A preview run gives drafts and can be repeated: the same input gives equal documents in the same
order (participants by id, lines in a fixed order), so `compare` shows only what really changed.
A final run also numbers every document (gapless, in participant order) and dates it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from .calculation import calculate
from .documents import Document, DocumentKind, LineItem, LineItemKind
from .errors import BillingError
from .lifecycle import finalize
from .money import ZERO
from .numbering import NumberSequence
from .parties import Community, Participant
from .periods import Period
from .quantities import EnergyValue, IntervalValue, Quantities, collect
from .tariffs import Tariff, TariffSchedule


class RunKind(StrEnum):
    PREVIEW = "preview"
    FINAL = "final"


@dataclass(frozen=True)
class RunSummary:
    """Counts and totals of a run; `to_collect` from members, `to_pay_out` to members."""

    documents: int
    invoices: int
    credit_notes: int
    information: int
    net: Decimal
    vat: Decimal
    gross: Decimal
    to_collect: Decimal
    to_pay_out: Decimal
    consumed_kwh: Decimal
    fed_in_kwh: Decimal


@dataclass(frozen=True)
class BillingRun:
    kind: RunKind
    period: Period
    documents: tuple[Document, ...]
    summary: RunSummary
    problems: tuple[str, ...]

    def document_of(self, participant_id: str) -> Document | None:
        return next(
            (d for d in self.documents if d.recipient.participant_id == participant_id), None
        )


def bill(
    community: Community,
    period: Period,
    participants: Iterable[Participant],
    tariffs: TariffSchedule | Iterable[Tariff],
    quantities: Quantities | Iterable[EnergyValue | IntervalValue],
    kind: RunKind = RunKind.PREVIEW,
    *,
    numbers: NumberSequence | None = None,
    issue_date: date | None = None,
) -> BillingRun:
    """Bill every participant for `period`: one document each, drafts unless `kind` is final."""
    members = _checked(participants)
    schedule = tariffs if isinstance(tariffs, TariffSchedule) else TariffSchedule(tariffs)
    if not isinstance(quantities, Quantities):
        quantities = collect(quantities, [p for m in members for p in m.metering_points])
    if kind is RunKind.FINAL and (numbers is None or issue_date is None):
        raise BillingError(
            "a final run needs a number sequence and an issue date",
            hint="pass numbers=... and issue_date=..., or run a preview",
        )
    documents = [calculate(community, period, member, schedule, quantities) for member in members]
    if kind is RunKind.FINAL:
        assert numbers is not None and issue_date is not None  # checked above
        documents = [
            finalize(document, numbers, issue_date, community.payment_term_days)
            for document in documents
        ]
    return BillingRun(
        kind, period, tuple(documents), summarize(documents), _problems(members, quantities, period)
    )


def _checked(participants: Iterable[Participant]) -> list[Participant]:
    members = sorted(participants, key=lambda member: member.id)
    owners: dict[str, str] = {}
    for before, after in itertools.pairwise(members):
        if before.id == after.id:
            raise BillingError("participant given twice", where=f"participant {before.id}")
    for member in members:
        for point in member.metering_points:
            if point.id in owners:
                raise BillingError(
                    f"metering point belongs to both {owners[point.id]} and {member.id}",
                    where=f"metering point {point.id}",
                    hint="a metering point is billed to one member of a community",
                )
            owners[point.id] = member.id
    return members


def _problems(
    members: Sequence[Participant], quantities: Quantities, period: Period
) -> tuple[str, ...]:
    found = list(quantities.problems)
    for member in members:
        for point in sorted(member.metering_points, key=lambda p: p.id):
            covered = quantities.covered_days(point.id, period.days)
            if covered < period.days.days:
                found.append(
                    f"metering point {point.id} ({member.id}): no energy data for "
                    f"{period.days.days - covered} of {period.days.days} days"
                )
            [shares] = quantities.by_range(point.id, [period.days])
            if shares.l3:
                found.append(
                    f"metering point {point.id} ({member.id}): {shares.l3} kWh rest on "
                    "unreliable substitute values (L3)"
                )
    return tuple(found)


def summarize(documents: Sequence[Document]) -> RunSummary:
    def total(kind: DocumentKind) -> Decimal:
        return sum((d.payable for d in documents if d.kind is kind), ZERO)

    def kwh(kind: LineItemKind) -> Decimal:
        return sum(
            (line.quantity for d in documents for line in d.lines if line.kind is kind), ZERO
        )

    return RunSummary(
        documents=len(documents),
        invoices=sum(1 for d in documents if d.kind is DocumentKind.INVOICE),
        credit_notes=sum(1 for d in documents if d.kind is DocumentKind.CREDIT_NOTE),
        information=sum(1 for d in documents if d.kind is DocumentKind.INFORMATION),
        net=sum((d.net for d in documents), ZERO),
        vat=sum((d.vat for d in documents), ZERO),
        gross=sum((d.gross for d in documents), ZERO),
        to_collect=total(DocumentKind.INVOICE),
        to_pay_out=total(DocumentKind.CREDIT_NOTE),
        consumed_kwh=kwh(LineItemKind.COMMUNITY_ENERGY),
        fed_in_kwh=kwh(LineItemKind.FED_IN_ENERGY),
    )


@dataclass(frozen=True)
class Difference:
    """One change between two runs for a participant: `what` changed from `before` to `after`."""

    participant_id: str
    what: str
    before: str
    after: str


def _line_key(line: LineItem) -> tuple[str, str, str]:
    return line.kind.value, line.metering_point or "", str(line.days or "")


def compare(before: BillingRun, after: BillingRun) -> list[Difference]:
    """What differs per participant between two runs (e.g. two previews after a data correction)."""
    found: list[Difference] = []
    ids = sorted(
        {d.recipient.participant_id for d in before.documents}
        | {d.recipient.participant_id for d in after.documents}
    )
    for participant in ids:
        old, new = before.document_of(participant), after.document_of(participant)
        if old is None or new is None:
            found.append(
                Difference(
                    participant,
                    "document",
                    "none" if old is None else old.kind.value,
                    "none" if new is None else new.kind.value,
                )
            )
            continue
        for what in ("kind", "net", "vat", "gross"):
            a, b = getattr(old, what), getattr(new, what)
            if a != b:
                found.append(Difference(participant, what, str(a), str(b)))
        old_lines = {_line_key(line): line for line in old.lines}
        new_lines = {_line_key(line): line for line in new.lines}
        for key in sorted(old_lines.keys() | new_lines.keys()):
            label = " ".join(part for part in key if part)
            a_line, b_line = old_lines.get(key), new_lines.get(key)
            if a_line is None or b_line is None:
                found.append(
                    Difference(
                        participant,
                        f"line {label}",
                        "none" if a_line is None else f"{a_line.quantity} {a_line.unit}",
                        "none" if b_line is None else f"{b_line.quantity} {b_line.unit}",
                    )
                )
                continue
            for what in ("quantity", "unit_price", "net", "vat"):
                a, b = getattr(a_line, what), getattr(b_line, what)
                if a != b:
                    found.append(Difference(participant, f"line {label} {what}", str(a), str(b)))
    return found
