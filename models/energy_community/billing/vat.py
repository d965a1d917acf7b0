"""VAT regimes (Austria) and the note each one must print on a document.

The notes follow the Austrian UStG as best we know it; docs/billing.md says where that is
uncertain. A community can print other wording by passing its own `notes` to `treatment`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from .errors import BillingError
from .money import ZERO


class TaxRegime(StrEnum):
    """A party's VAT treatment (the model's enum TaxRegime)."""

    STANDARD = "standard"
    SMALL_BUSINESS = "small_business"
    REVERSE_CHARGE = "reverse_charge"
    FARMERS_FLAT_RATE = "farmers_flat_rate"
    NONE = "none"


#: Austrian standard rate; a tariff's vat_rate overrides it for what the community charges.
STANDARD_RATE = Decimal(20)
#: § 22 UStG: flat-rate farmers charge this average rate on their supplies.
FARMERS_FLAT_RATE = Decimal(13)

#: The note printed for each regime: (German as printed, English translation for the docs).
NOTES: Mapping[TaxRegime, tuple[str, str]] = {
    TaxRegime.STANDARD: ("", ""),
    TaxRegime.SMALL_BUSINESS: (
        "Umsatzsteuerbefreit – Kleinunternehmer gem. § 6 Abs. 1 Z 27 UStG",
        "Exempt from VAT – small business under § 6 (1) no. 27 UStG",
    ),
    TaxRegime.REVERSE_CHARGE: (
        "Übergang der Steuerschuld auf den Leistungsempfänger (Reverse Charge) "
        "gem. § 19 Abs. 1d UStG iVm UStBBKV",
        "Reverse charge: the recipient owes the VAT (§ 19 (1d) UStG with the UStBBKV ordinance)",
    ),
    TaxRegime.FARMERS_FLAT_RATE: (
        "Pauschalierter Land- und Forstwirt – Durchschnittssteuersatz 13 % gem. § 22 UStG",
        "Flat-rate farmer – average VAT rate of 13 % under § 22 UStG",
    ),
    TaxRegime.NONE: ("", ""),
}


@dataclass(frozen=True)
class VatTreatment:
    """What a regime means for one line: the rate printed and charged, and the note."""

    regime: TaxRegime
    rate: Decimal
    note: str


def treatment(
    regime: TaxRegime,
    standard_rate: Decimal = STANDARD_RATE,
    notes: Mapping[TaxRegime, str] | None = None,
) -> VatTreatment:
    """The VAT of a supply taxed under `regime`; `standard_rate` is the tariff's rate.

    Reverse charge puts 0 % on the document: the recipient (the community) declares the VAT.
    """
    note = (notes or {}).get(regime, NOTES[regime][0])
    if regime is TaxRegime.STANDARD:
        return VatTreatment(regime, standard_rate, note)
    if regime is TaxRegime.FARMERS_FLAT_RATE:
        return VatTreatment(regime, FARMERS_FLAT_RATE, note)
    return VatTreatment(regime, ZERO, note)


def community_treatment(
    regime: TaxRegime,
    standard_rate: Decimal,
    notes: Mapping[TaxRegime, str] | None = None,
) -> VatTreatment:
    """The VAT on what the community charges its members (consumption and fees)."""
    if regime in (TaxRegime.REVERSE_CHARGE, TaxRegime.FARMERS_FLAT_RATE):
        raise BillingError(
            f"a community cannot sell to its members under the {regime.value} regime",
            where="community tax_regime",
            hint="use standard, small_business or none for the community",
        )
    return treatment(regime, standard_rate, notes)
