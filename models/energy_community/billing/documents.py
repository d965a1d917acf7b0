"""Invoices, credit notes, information statements and cancellations, and their line items.

Amounts are signed from the member's point of view: positive is what the member owes, negative
what the community owes (a credit for fed-in energy has a negative unit price). Each line is
rounded on its own (net to the cent, VAT on that net to the cent, gross = net + VAT) and a
document's totals are the exact sums of its lines, never a rounding of an exact total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from .money import HUNDRED, ZERO, round_cents
from .parties import Address, Mandate
from .periods import DateRange
from .quantities import QualityShares
from .vat import TaxRegime


class LineItemKind(StrEnum):
    """What a line charges or credits (the model's enum LineItemKind)."""

    COMMUNITY_ENERGY = "community_energy"
    FED_IN_ENERGY = "fed_in_energy"
    MEMBERSHIP_FEE = "membership_fee"
    BASE_FEE = "base_fee"
    METERING_POINT_FEE = "metering_point_fee"
    DISCOUNT = "discount"
    FREE_ENERGY = "free_energy"
    OTHER = "other"


class DocumentKind(StrEnum):
    """INVOICE: the member pays. CREDIT_NOTE: the community pays (self-billing, Gutschrift).
    INFORMATION: nothing to pay. CANCELLATION: reverses a final document (Storno)."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    INFORMATION = "information"
    CANCELLATION = "cancellation"


class DocumentState(StrEnum):
    """Only a draft may change; a final document is cancelled, never edited."""

    DRAFT = "draft"
    FINAL = "final"
    SENT = "sent"
    PAID = "paid"
    CANCELLED = "cancelled"


class PaymentMethod(StrEnum):
    DIRECT_DEBIT = "direct_debit"
    TRANSFER = "transfer"
    NONE = "none"


@dataclass(frozen=True)
class LineItem:
    """One line; build it with `line_item` so the amounts follow the rounding rule."""

    position: int
    kind: LineItemKind
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    net: Decimal
    vat_rate: Decimal
    vat: Decimal
    gross: Decimal
    tax_regime: TaxRegime
    metering_point: str | None = None
    meter_code: str | None = None
    days: DateRange | None = None
    quality: QualityShares | None = None

    def negated(self) -> LineItem:
        """The same line with opposite sign (for a cancellation); rounding stays exact."""
        return LineItem(
            self.position,
            self.kind,
            self.description,
            -self.quantity,
            self.unit,
            self.unit_price,
            -self.net,
            self.vat_rate,
            -self.vat,
            -self.gross,
            self.tax_regime,
            self.metering_point,
            self.meter_code,
            self.days,
            -self.quality if self.quality is not None else None,
        )


def line_item(
    position: int,
    kind: LineItemKind,
    description: str,
    quantity: Decimal,
    unit: str,
    unit_price: Decimal,
    vat_rate: Decimal,
    tax_regime: TaxRegime,
    *,
    metering_point: str | None = None,
    meter_code: str | None = None,
    days: DateRange | None = None,
    quality: QualityShares | None = None,
) -> LineItem:
    """A line with net = quantity × unit price and VAT = net × rate, each rounded to the cent."""
    net = round_cents(quantity * unit_price)
    vat = round_cents(net * vat_rate / HUNDRED)
    return LineItem(
        position,
        kind,
        description,
        quantity,
        unit,
        unit_price,
        net,
        vat_rate,
        vat,
        net + vat,
        tax_regime,
        metering_point,
        meter_code,
        days,
        quality,
    )


@dataclass(frozen=True)
class VatSubtotal:
    """Net and VAT of all lines at one rate and regime (the per-rate breakdown UStG requires)."""

    rate: Decimal
    regime: TaxRegime
    net: Decimal
    vat: Decimal


@dataclass(frozen=True)
class Recipient:
    """The member as the document names them, frozen at issue."""

    participant_id: str
    name: str
    address: Address
    vat_id: str | None = None
    iban: str | None = None
    bic: str | None = None
    account_holder: str | None = None
    mandate: Mandate | None = None


@dataclass(frozen=True)
class ChartBar:
    """One bar of the document's chart: total energy and the community's part of it (kWh)."""

    label: str
    total_kwh: Decimal
    community_kwh: Decimal


@dataclass(frozen=True)
class Document:
    """A billing document. `number` is None until the document is final."""

    kind: DocumentKind
    state: DocumentState
    community_id: str
    recipient: Recipient
    period: DateRange
    lines: tuple[LineItem, ...]
    notes: tuple[str, ...] = ()
    payment_method: PaymentMethod = PaymentMethod.TRANSFER
    number: str | None = None
    issue_date: date | None = None
    due_date: date | None = None
    cancels: str | None = None
    metering_points: tuple[str, ...] = ()
    chart: tuple[ChartBar, ...] = field(default=(), compare=False)

    @property
    def net(self) -> Decimal:
        return sum((line.net for line in self.lines), ZERO)

    @property
    def vat(self) -> Decimal:
        return sum((line.vat for line in self.lines), ZERO)

    @property
    def gross(self) -> Decimal:
        """What the member pays (positive) or receives (negative)."""
        return sum((line.gross for line in self.lines), ZERO)

    @property
    def payable(self) -> Decimal:
        """The amount of the payment this document asks for, always >= 0."""
        return abs(self.gross) if self.kind is not DocumentKind.INFORMATION else ZERO

    def vat_breakdown(self) -> list[VatSubtotal]:
        """Net and VAT per rate and regime, in the order the lines first use them."""
        sums: dict[tuple[Decimal, TaxRegime], tuple[Decimal, Decimal]] = {}
        for line in self.lines:
            net, vat = sums.get((line.vat_rate, line.tax_regime), (ZERO, ZERO))
            sums[line.vat_rate, line.tax_regime] = (net + line.net, vat + line.vat)
        return [VatSubtotal(rate, regime, net, vat) for (rate, regime), (net, vat) in sums.items()]


def kind_for(lines: Sequence[LineItem], statement_only: bool) -> DocumentKind:
    """Invoice when the member owes, credit note when the community owes, else information."""
    gross = sum((line.gross for line in lines), ZERO)
    if statement_only or gross == 0:
        return DocumentKind.INFORMATION
    return DocumentKind.INVOICE if gross > 0 else DocumentKind.CREDIT_NOTE
