"""Checks of single values that the model's patterns cannot make, with messages for people.

Each check returns the normalised value and raises `ConversionError` when the value is wrong:
an IBAN's checksum and country (schwifty), a BIC, an e-mail address, a metering point id's
33-character shape (AT + 6-digit grid operator + 25 digits or capitals).
"""

from __future__ import annotations

import re

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from meshkit.adapters.excel.conversions import ConversionError

METERING_POINT_LENGTH = 33
_METERING_POINT = re.compile(r"^AT[0-9]{6}[0-9A-Z]{25}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
_SPACES = re.compile(r"[\s\u00a0]+")


def metering_point_id(raw: str) -> str:
    """Upper case without spaces; exactly 33 characters: AT, 6 digits, 25 digits/capitals."""
    value = _SPACES.sub("", raw).upper()
    if len(value) != METERING_POINT_LENGTH:
        raise ConversionError(
            f"a metering point id has {METERING_POINT_LENGTH} characters, this one has "
            f"{len(value)} (AT + 6-digit grid operator number + 25 digits or capitals)"
        )
    if not value.startswith("AT"):
        raise ConversionError("an Austrian metering point id starts with AT")
    if not value[2:8].isdigit():
        raise ConversionError(
            "characters 3 to 8 of a metering point id are the grid operator's digits"
        )
    if not _METERING_POINT.match(value):
        raise ConversionError("after the grid operator number only digits and capitals may follow")
    return value


def grid_operator_of(metering_point: str) -> str:
    """The grid operator's market participant id inside a metering point id (AT003000)."""
    return "AT" + metering_point[2:8]


def iban(raw: str) -> str:
    """The compact IBAN; its country, length and check digits are verified."""
    try:
        return str(IBAN(raw).compact)
    except SchwiftyException as exc:
        raise ConversionError(f"not a valid IBAN: {_lower_first(str(exc))}") from None


def bic(raw: str) -> str:
    try:
        return str(BIC(_SPACES.sub("", raw).upper()))
    except SchwiftyException as exc:
        raise ConversionError(f"not a valid BIC: {_lower_first(str(exc))}") from None


def email(raw: str) -> str:
    value = raw.strip()
    if not _EMAIL.match(value):
        raise ConversionError("not an e-mail address (name@example.at)")
    return value


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
