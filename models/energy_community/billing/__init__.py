"""The billing engine: tariffs, quantities and VAT turned into documents, PDFs and SEPA files.

Pure domain core on plain frozen values (money is Decimal); the energy-community model runs it
against the database later (billing runs, gapless numbers, states). See docs/billing.md.
"""

from .calculation import calculate
from .documents import (
    ChartBar,
    Document,
    DocumentKind,
    DocumentState,
    LineItem,
    LineItemKind,
    PaymentMethod,
    Recipient,
    VatSubtotal,
    line_item,
)
from .errors import BillingError, DocumentStateError, PaymentFileError, QuantityError, TariffError
from .lifecycle import Cancellation, cancel, finalize, mark_paid, mark_sent
from .money import round_cents
from .numbering import InMemoryNumberSequence, NumberSequence
from .parties import (
    Address,
    BankAccount,
    Community,
    Direction,
    Mandate,
    MeteringPoint,
    Participant,
    SequenceType,
)
from .periods import DateRange, Period, SettlementInterval
from .quantities import EnergyValue, IntervalValue, Quality, QualityShares, Quantities, collect
from .run import BillingRun, Difference, RunKind, RunSummary, bill, compare
from .tariffs import Tariff, TariffSchedule, TariffSegment
from .vat import NOTES, TaxRegime, VatTreatment, treatment

__all__ = [
    "NOTES",
    "Address",
    "BankAccount",
    "BillingError",
    "BillingRun",
    "Cancellation",
    "ChartBar",
    "Community",
    "DateRange",
    "Difference",
    "Direction",
    "Document",
    "DocumentKind",
    "DocumentState",
    "DocumentStateError",
    "EnergyValue",
    "InMemoryNumberSequence",
    "IntervalValue",
    "LineItem",
    "LineItemKind",
    "Mandate",
    "MeteringPoint",
    "NumberSequence",
    "Participant",
    "PaymentFileError",
    "PaymentMethod",
    "Period",
    "Quality",
    "QualityShares",
    "Quantities",
    "QuantityError",
    "Recipient",
    "RunKind",
    "RunSummary",
    "SequenceType",
    "SettlementInterval",
    "Tariff",
    "TariffError",
    "TariffSchedule",
    "TariffSegment",
    "TaxRegime",
    "VatSubtotal",
    "VatTreatment",
    "bill",
    "calculate",
    "cancel",
    "collect",
    "compare",
    "finalize",
    "line_item",
    "mark_paid",
    "mark_sent",
    "round_cents",
    "treatment",
]
