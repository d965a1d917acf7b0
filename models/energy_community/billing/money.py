"""Money and energy arithmetic: Decimal only, rounded once, at a place that is written down.

Amounts are rounded per line to the cent, halves away from zero (ROUND_HALF_UP on Decimal), so
negating a line negates its rounded amounts exactly; that is what makes cancellations exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

#: One cent: the precision of every amount on a document.
CENT = Decimal("0.01")
#: The precision of energy quantities (the line item's decimal(18, 6), one milliwatt-hour).
KWH_STEP = Decimal("0.000001")
#: The precision of unit prices and of fee fractions (the line item's decimal(12, 6)).
PRICE_STEP = Decimal("0.000001")
ZERO = Decimal(0)
HUNDRED = Decimal(100)


def round_cents(amount: Decimal) -> Decimal:
    """`amount` to the cent, halves away from zero (2.345 -> 2.35, -2.345 -> -2.35)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def round_to(value: Decimal, step: Decimal) -> Decimal:
    """`value` to a multiple of `step` (a power of ten), halves away from zero."""
    return value.quantize(step, rounding=ROUND_HALF_UP)


def to_cents(amount: Decimal) -> int:
    """An amount that is already a whole number of cents, as an integer (for SEPA files)."""
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of cents")
    return int(cents)


def split_pro_rata(total: Decimal, weights: Sequence[int], step: Decimal) -> list[Decimal]:
    """`total` shared in proportion to `weights` (e.g. days), each part a multiple of `step`.

    Every part but the last is rounded; the last takes what is left, so the parts add up to
    `total` exactly and a quantity never gains or loses a milliwatt-hour by being split.
    """
    whole = sum(weights)
    if whole <= 0:
        raise ValueError("pro-rata weights must add up to more than 0")
    parts = [round_to(total * weight / whole, step) for weight in weights[:-1]]
    parts.append(total - sum(parts, ZERO))
    return parts
