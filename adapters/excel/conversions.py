"""Cell text to model values: dates, numbers with decimal commas, percentages, yes/no, enums.

fastexcel hands every cell over as text (numbers without a trailing ".0", date cells as
"2024-01-15 00:00:00"); these functions turn that text into the value an attribute takes, or
raise `ConversionError` with a message that says what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from meshkit.adapters.excel.mapping import header_key
from meshkit.ck.model import EnumDef

#: Day 0 of Excel's 1900 date system (the 1900 leap-year bug makes it the 30th, not the 31st).
EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL = re.compile(r"^\d{1,7}(\.0+)?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_DOTTED = re.compile(r"^(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{2}|\d{4})$")
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NUMBER_JUNK = re.compile(r"[\s €$\u00a0\u202f']|EUR|eur")


class ConversionError(ValueError):
    """The cell's text does not convert; the message says what was expected."""


def to_text(raw: str) -> str:
    return raw


def to_date(raw: str) -> date:
    """ISO (2024-01-15), Austrian (15.01.2024, 15.1.24), 15/01/2024, 20240115, Excel serials."""
    text = raw.strip()
    try:
        if match := _ISO.match(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _DOTTED.match(text):
            year = int(match[3])
            if len(match[3]) == 2:
                year += 2000 if year < 70 else 1900
            return date(year, int(match[2]), int(match[1]))
        if match := _SLASHED.match(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
        if match := _COMPACT.match(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if _SERIAL.match(text):
            serial = int(float(text))
            if 1 <= serial <= 2958465:  # 1900-01-01 .. 9999-12-31
                return EXCEL_EPOCH + timedelta(days=serial)
    except ValueError:
        raise ConversionError(f"'{text}' is not a valid calendar date") from None
    if "00:00" not in text and re.match(r"^\d{4}-\d{2}-\d{2}[ T]\d", text):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            raise ConversionError(
                f"expected a date, got a date with a time of day ({moment:%H:%M})"
            )
    raise ConversionError("expected a date such as 15.01.2024 or 2024-01-15")


def to_decimal(raw: str) -> Decimal:
    """1234.56, 1.234,56, 1,234.56, 0,12 €, 12 (spaces, currency and apostrophes ignored)."""
    text = _NUMBER_JUNK.sub("", raw.strip())
    if text.startswith("(") and text.endswith(")"):
        text = "-" + text[1:-1]
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        text = text.replace(thousands, "").replace(decimal_mark, ".")
    elif text.count(",") == 1:
        text = text.replace(",", ".")
    elif text.count(",") > 1 or text.count(".") > 1:
        text = text.replace(",", "").replace(".", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ConversionError("expected a number such as 12,50 or 12.50") from None
    if not number.is_finite():
        raise ConversionError("expected a finite number")
    return number


def to_int(raw: str) -> int:
    number = to_decimal(raw)
    if number != number.to_integral_value():
        raise ConversionError("expected a whole number")
    return int(number)


def to_bool(raw: str, yes: Iterable[str], no: Iterable[str]) -> bool:
    key = header_key(raw) if raw.strip() != "-" else ""
    if raw.strip() in ("✓", "✔"):
        return True
    if key in yes:
        return True
    if key in no:
        return False
    raise ConversionError("expected ja/nein, yes/no or x")


def percent_value(raw: str) -> tuple[Decimal, bool]:
    """The number in a percentage cell and whether it was written with a % sign."""
    text = raw.strip()
    signed = text.endswith("%")
    return to_decimal(text.rstrip("%").strip()), signed


def scale_percent(number: Decimal, signed: bool, fraction: bool) -> Decimal:
    """A percentage as 0-100: `fraction` says the column holds 0-1 (Excel's 100 % cells)."""
    if signed or not fraction:
        return number
    return (number * 100).normalize()


class EnumWords:
    """Cell words of one enum: value names, German and English labels, and mapping extras."""

    def __init__(self, enum: EnumDef, extra: Mapping[str, str]) -> None:
        self.enum = enum
        self.words: dict[str, str] = {}
        for name, value in enum.values.items():
            self.words[header_key(name)] = name
            for label in value.label.values():
                self.words.setdefault(header_key(label), name)
                # "Consumption (CONSUMPTION)": the part before a bracket is the word people write.
                self.words.setdefault(header_key(label.split("(")[0]), name)
        self.words.update(extra)

    def __call__(self, raw: str) -> str:
        found = self.words.get(header_key(raw))
        if found is None:
            allowed = sorted(
                {v.label.get("de", n) for n, v in self.enum.values.items()} | set(self.enum.values)
            )
            raise ConversionError(f"expected one of: {', '.join(allowed)}")
        return found

    def label(self, name: str, language: str) -> str:
        value = self.enum.values[name]
        return str(value.label.get(language, name)).split(" (")[0]
