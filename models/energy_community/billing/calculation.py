"""One member's document for one settlement period, line by line (pure; no numbers, no state).

Per tariff segment, in this order: community energy per consumption point, free kWh, discount,
fed-in energy per generation point, then membership, base and metering-point fees. Free kWh
are used on consumption first (they never reduce a credit) and the discount applies to the
energy amount left after them. Everything per period is shared by the segments' days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..allocation.meter_codes import MeterCode
from .documents import (
    ChartBar,
    Document,
    DocumentKind,
    DocumentState,
    LineItem,
    LineItemKind,
    PaymentMethod,
    Recipient,
    kind_for,
    line_item,
)
from .money import HUNDRED, KWH_STEP, PRICE_STEP, ZERO, round_to, split_pro_rata
from .parties import Community, Direction, Participant
from .periods import DateRange, Period
from .quantities import QualityShares, Quantities, Series
from .tariffs import TariffSchedule, TariffSegment
from .vat import VatTreatment, community_treatment, treatment

KWH = "kWh"
#: Legal basis of self-billing: a credit note the buyer issues counts as the seller's invoice.
SELF_BILLING_NOTE = (
    "Gutschrift im Sinne des § 11 Abs. 7 UStG (Abrechnung durch den Leistungsempfänger)"
)


@dataclass(frozen=True)
class _Share:
    """A segment's part of everything billed per period (fees, free kWh)."""

    segment: TariffSegment
    fraction: Decimal
    free_kwh: Decimal


def _shares(period: Period, segments: list[TariffSegment]) -> list[_Share]:
    days = [segment.days.days for segment in segments]
    fractions = split_pro_rata(Decimal(1), days, PRICE_STEP)
    return [
        _Share(
            segment,
            fraction,
            # Free kWh of a segment come from the tariff valid then, pro rata by its days.
            round_to(segment.tariff.free_kwh * fraction, KWH_STEP),
        )
        for segment, fraction in zip(segments, fractions, strict=True)
    ]


def _active(shares: list[_Share], active: DateRange | None, period: Period) -> list[Decimal]:
    """Per segment, the part of the period's fee owed for the `active` days (None: all).

    Pro rata by days: the active days over the period's days, rounded to 6 decimals, shared by
    the segments in proportion to their active days (the last takes the rest). A whole period
    gives exactly the segments' fractions.
    """
    fractions = [share.fraction for share in shares]
    if active is None or active.intersection(period.days) == period.days:
        return fractions
    days = [
        part.days if (part := share.segment.days.intersection(active)) is not None else 0
        for share in shares
    ]
    if not sum(days):
        return [ZERO for _ in shares]
    total = round_to(Decimal(sum(days)) / period.days.days, PRICE_STEP)
    return split_pro_rata(total, days, PRICE_STEP)


def _pro_rata_text(active: DateRange | None, period: Period) -> str:
    if active is None or (part := active.intersection(period.days)) == period.days:
        return ""
    days = part.days if part is not None else 0
    return f" (anteilig {days}/{period.days.days} Tage)"


class _Lines:
    """Collects lines and numbers their positions."""

    def __init__(self) -> None:
        self.items: list[LineItem] = []

    def add(
        self,
        kind: LineItemKind,
        description: str,
        quantity: Decimal,
        unit: str,
        unit_price: Decimal,
        vat: VatTreatment,
        *,
        metering_point: str | None = None,
        meter_code: str | None = None,
        days: DateRange | None = None,
        quality: QualityShares | None = None,
    ) -> LineItem:
        item = line_item(
            len(self.items) + 1,
            kind,
            description,
            quantity,
            unit,
            unit_price,
            vat.rate,
            vat.regime,
            metering_point=metering_point,
            meter_code=meter_code,
            days=days,
            quality=quality,
        )
        self.items.append(item)
        return item


def calculate(
    community: Community,
    period: Period,
    participant: Participant,
    schedule: TariffSchedule,
    quantities: Quantities,
) -> Document:
    """The draft document of `participant` for `period`."""
    segments = schedule.segments(period.days, participant.tariff)
    consumers = sorted(
        p.id for p in participant.metering_points if p.direction is Direction.CONSUMPTION
    )
    producers = sorted(
        p.id for p in participant.metering_points if p.direction is Direction.GENERATION
    )
    ranges = [segment.days for segment in segments]
    consumed = {point: quantities.by_range(point, ranges) for point in consumers}
    kept = {point: quantities.by_range(point, ranges) for point in producers}
    lines = _Lines()
    shares_of_period = _shares(period, segments)
    member_part = _active(shares_of_period, participant.membership, period)
    member_text = _pro_rata_text(participant.membership, period)
    point_parts = [_active(shares_of_period, p.days, period) for p in participant.metering_points]
    points_text = next(
        (" (anteilig)" for p in participant.metering_points if _pro_rata_text(p.days, period)),
        "",
    )
    for index, share in enumerate(shares_of_period):
        tariff, days = share.segment.tariff, share.segment.days
        suffix = f" {days}"
        charged = community_treatment(community.tax_regime, tariff.vat_rate, community.vat_notes)
        credited = treatment(participant.tax_regime, tariff.vat_rate, community.vat_notes)
        energy = []
        for point in consumers:
            shares: QualityShares = consumed[point][index]
            energy.append(
                lines.add(
                    LineItemKind.COMMUNITY_ENERGY,
                    f"Gemeinschaftsenergie {point}{suffix}",
                    shares.total,
                    KWH,
                    tariff.consumption_price,
                    charged,
                    metering_point=point,
                    meter_code=MeterCode.COVERED.value,
                    days=days,
                    quality=shares,
                )
            )
        free = min(share.free_kwh, sum((line.quantity for line in energy), ZERO))
        if free > 0:
            energy.append(
                lines.add(
                    LineItemKind.FREE_ENERGY,
                    f"Freikontingent{suffix}",
                    -free,
                    KWH,
                    tariff.consumption_price,
                    charged,
                    days=days,
                )
            )
        base = sum((line.net for line in energy), ZERO)
        if tariff.discount and base > 0:
            lines.add(
                LineItemKind.DISCOUNT,
                f"Rabatt {tariff.discount.normalize():f} % auf Energie{suffix}",
                base,
                "EUR",
                -tariff.discount / HUNDRED,
                charged,
                days=days,
            )
        for point in producers:
            shares = kept[point][index]
            lines.add(
                LineItemKind.FED_IN_ENERGY,
                f"Eingespeiste Gemeinschaftsenergie {point}{suffix}",
                shares.total,
                KWH,
                -tariff.feed_in_price,
                credited,
                metering_point=point,
                meter_code=f"{MeterCode.GENERATION_COUNTED.value} − P.01T",
                days=days,
                quality=shares,
            )
        months, year = period.year_fraction
        fees = (
            (
                LineItemKind.MEMBERSHIP_FEE,
                f"Mitgliedsbeitrag{member_text}",
                round_to(member_part[index] * months / year, PRICE_STEP),
                "Jahr",
                tariff.membership_fee,
            ),
            (
                LineItemKind.BASE_FEE,
                f"Grundgebühr{member_text}",
                member_part[index],
                "Periode",
                tariff.base_fee,
            ),
            (
                LineItemKind.METERING_POINT_FEE,
                _point_count(len(participant.metering_points)) + points_text,
                sum((part[index] for part in point_parts), ZERO),
                "ZP-Periode",
                tariff.metering_point_fee,
            ),
        )
        for kind, text, quantity, unit, price in fees:
            if price and quantity:
                lines.add(kind, f"{text}{suffix}", quantity, unit, price, charged, days=days)
    return _document(community, period, participant, lines.items, quantities, consumers, producers)


def _document(
    community: Community,
    period: Period,
    participant: Participant,
    items: list[LineItem],
    quantities: Quantities,
    consumers: list[str],
    producers: list[str],
) -> Document:
    kind = kind_for(items, participant.statement_only)
    notes: list[str] = []
    if any(line.kind is LineItemKind.FED_IN_ENERGY for line in items):
        notes.append(SELF_BILLING_NOTE)
    for line in items:
        note = treatment(line.tax_regime, line.vat_rate, community.vat_notes).note
        if note and note not in notes:
            notes.append(note)
    account, mandate = participant.bank_account, participant.mandate
    if kind is DocumentKind.INFORMATION:
        method = PaymentMethod.NONE
    elif kind is DocumentKind.INVOICE and mandate is not None and account is not None:
        method = PaymentMethod.DIRECT_DEBIT
    else:
        method = PaymentMethod.TRANSFER
    return Document(
        kind=kind,
        state=DocumentState.DRAFT,
        community_id=community.id,
        recipient=Recipient(
            participant.id,
            participant.name,
            participant.address,
            participant.vat_id,
            account.iban if account else None,
            account.bic if account else None,
            account.holder if account else None,
            mandate,
        ),
        period=period.days,
        lines=tuple(items),
        notes=tuple(notes),
        payment_method=method,
        metering_points=tuple(sorted(p.id for p in participant.metering_points)),
        chart=chart(quantities, consumers or producers, period.days),
    )


def chart(quantities: Quantities, points: list[str], days: DateRange) -> tuple[ChartBar, ...]:
    """Bars per day for a period of up to 31 days, else per month: total and community kWh."""
    if days.days <= 31:
        ranges = [DateRange(day, day) for day in days.each_day()]
        labels = [f"{day:%d.}" for day in days.each_day()]
    else:
        ranges, labels = [], []
        first = days.first
        while first <= days.last:
            following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            last = min(days.last, following.fromordinal(following.toordinal() - 1))
            ranges.append(DateRange(first, last))
            labels.append(f"{first:%m/%y}")
            first = following
    totals = [ZERO] * len(ranges)
    community = [ZERO] * len(ranges)
    for point in points:
        for index, shares in enumerate(quantities.by_range(point, ranges, Series.MEASURED)):
            totals[index] += shares.total
        for index, shares in enumerate(quantities.by_range(point, ranges, Series.BILLED)):
            community[index] += shares.total
    return tuple(
        ChartBar(label, total, part)
        for label, total, part in zip(labels, totals, community, strict=True)
    )


def _point_count(count: int) -> str:
    return f"Zählpunktgebühr ({count} Zählpunkt{'' if count == 1 else 'e'})"
