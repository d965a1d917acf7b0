"""The errors the billing engine raises: what was wrong, where, and what to do."""

from __future__ import annotations


class BillingError(ValueError):
    """Input or an operation the engine refuses.

    `where` names the offending thing (a tariff, a metering point and day, a document number);
    `hint` says what to do about it. Both are kept on the error for callers that show them apart.
    """

    def __init__(self, problem: str, *, where: str = "", hint: str = "") -> None:
        self.problem = problem
        self.where = where
        self.hint = hint
        text = f"{where}: {problem}" if where else problem
        super().__init__(f"{text}. {hint}" if hint else text)


class TariffError(BillingError):
    """Tariffs that cannot price a period: overlapping or missing validity, negative prices."""


class QuantityError(BillingError):
    """Energy the engine cannot bill, e.g. negative values or surplus above generation."""


class DocumentStateError(BillingError):
    """A state change a document does not allow, e.g. editing a final one or cancelling twice."""


class PaymentFileError(BillingError):
    """A SEPA file that cannot be written: invalid IBAN/BIC, missing creditor id, schema errors."""
