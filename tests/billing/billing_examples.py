"""Shared test data of the billing tests: Q1 2026, metering points, members and energy totals.

The numbers are the ones docs/billing.md works through by hand; change both together. A module
of its own (not conftest) so that `from billing_examples import ...` is unambiguous in the suite.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from meshkit.models.energy_community.allocation.meter_codes import MeterCode
from meshkit.models.energy_community.billing import (
    Address,
    BankAccount,
    Direction,
    EnergyValue,
    Mandate,
    MeteringPoint,
    Participant,
    Period,
    SettlementInterval,
    TaxRegime,
)

D = Decimal
Q1_2026 = Period(SettlementInterval.QUARTERLY, date(2026, 1, 1))
COMMUNITY_IBAN = "AT611904300234573201"
MEMBER_IBAN = "DE89370400440532013000"


def point(number: int, direction: Direction = Direction.CONSUMPTION) -> MeteringPoint:
    """A 33-character metering point id ending in `number`."""
    return MeteringPoint(f"AT003000{number:025d}", direction)


def total(point_id: str, code: MeterCode, kwh: str, period: Period = Q1_2026) -> EnergyValue:
    """One total over the whole period (no daily values)."""
    return EnergyValue(point_id, code, period.start, D(kwh), last_day=period.end)


def member(
    member_id: str,
    *points: MeteringPoint,
    tax_regime: TaxRegime = TaxRegime.NONE,
    mandate: bool = False,
) -> Participant:
    return Participant(
        member_id,
        f"Mitglied {member_id}",
        Address("Dorfstraße", "4020", "Linz", house_number=member_id[-1]),
        points,
        tax_regime=tax_regime,
        bank_account=BankAccount(MEMBER_IBAN, f"Mitglied {member_id}"),
        mandate=Mandate(f"MANDAT-{member_id}", date(2025, 12, 1)) if mandate else None,
    )
