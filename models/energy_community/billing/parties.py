"""Who a document is from and to: the community, its members, their metering points and banks.

Plain snapshots of the model's Participant, EnergyCommunity and records, so a document keeps the
address and bank data it was issued with (members move; documents must not change).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from .periods import DateRange
from .tariffs import Tariff
from .vat import TaxRegime


@dataclass(frozen=True)
class Address:
    street: str
    postal_code: str
    city: str
    country: str = "AT"
    house_number: str = ""
    additional: str = ""

    def lines(self) -> list[str]:
        """The address as printed in a letter window."""
        street = f"{self.street} {self.house_number}".strip()
        place = f"{self.postal_code} {self.city}"
        if self.country != "AT":
            place = f"{self.country}-{place}"
        return [line for line in (street, self.additional, place) if line]


@dataclass(frozen=True)
class BankAccount:
    iban: str
    holder: str
    bic: str | None = None


class SequenceType(StrEnum):
    """SEPA direct-debit sequence: the first collection under a mandate, or a recurring one."""

    FIRST = "FRST"
    RECURRING = "RCUR"


@dataclass(frozen=True)
class Mandate:
    """A SEPA direct-debit mandate (the model's record SepaMandate)."""

    reference: str
    signed_on: date
    sequence: SequenceType = SequenceType.FIRST


class Direction(StrEnum):
    """Whether a metering point consumes or generates (the model's MeteringPointDirection)."""

    CONSUMPTION = "consumption"
    GENERATION = "generation"


@dataclass(frozen=True)
class MeteringPoint:
    """A metering point in the community; `id` is the 33-character Zählpunkt id.

    `days` are the days of the period it takes part in (its participation); None means the
    whole period. Its metering-point fee is pro-rated by them.
    """

    id: str
    direction: Direction
    days: DateRange | None = None


@dataclass(frozen=True)
class Participant:
    """A member as billed. `tax_regime` decides the VAT on credits for energy it supplies.

    `statement_only` members get an information statement (no payment), e.g. when another
    party settles their energy; everyone else gets an invoice or a credit note.

    `tariff` is the member's own tariff: on the days it is valid it replaces the community's
    (on the other days of the period the community's tariffs apply). `membership` are the days
    of the period the member belongs to the community (None: all of them); the membership and
    base fees are pro-rated by them.
    """

    id: str
    name: str
    address: Address
    metering_points: tuple[MeteringPoint, ...]
    tax_regime: TaxRegime = TaxRegime.NONE
    vat_id: str | None = None
    bank_account: BankAccount | None = None
    mandate: Mandate | None = None
    statement_only: bool = False
    tariff: Tariff | None = None
    membership: DateRange | None = None


@dataclass(frozen=True)
class Community:
    """The issuing community: letterhead, its own VAT treatment and its SEPA identity.

    `tax_regime` decides the VAT on what the community charges its members; `creditor_id` is
    its SEPA creditor identifier (needed for direct debits); `vat_notes` replaces the printed
    note of a regime where the community's tax adviser wants other wording.
    """

    id: str
    name: str
    address: Address
    tax_regime: TaxRegime = TaxRegime.STANDARD
    vat_id: str | None = None
    bank_account: BankAccount | None = None
    creditor_id: str | None = None
    payment_term_days: int = 14
    vat_notes: Mapping[TaxRegime, str] = field(default_factory=dict)
