"""Small typed helpers for reading and writing ebUtilities elements.

Reading helpers turn every missing element or unreadable value into a `ContentError` that names
the element and its source line, so no lxml or ValueError traceback leaves the package.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TypeVar, cast
from zoneinfo import ZoneInfo

from lxml import etree

from meshkit.adapters.eda.xml.errors import ContentError, EdaWriteError

Element = etree._Element

#: DateTimeU values must carry the Austrian offset (+01:00 / +02:00).
VIENNA = ZoneInfo("Europe/Vienna")

_WHOLE_LIMIT = Decimal(10) ** 18

T = TypeVar("T")
E = TypeVar("E", bound=StrEnum)


def line_of(element: Element) -> int | None:
    """The element's source line (None for built trees); the lxml stubs mistype `sourceline`."""
    line: object = element.sourceline
    return line if isinstance(line, int) else None


def _local(element: Element) -> str:
    return etree.QName(element).localname


# --- reading -------------------------------------------------------------------------------


def find(parent: Element, ns: str, name: str) -> Element | None:
    return parent.find(f"{{{ns}}}{name}")


def find_all(parent: Element, ns: str, name: str) -> list[Element]:
    return parent.findall(f"{{{ns}}}{name}")


def need(parent: Element, ns: str, name: str) -> Element:
    found = find(parent, ns, name)
    if found is None:
        raise ContentError(f"<{_local(parent)}> lacks <{name}>", line=line_of(parent))
    return found


def text_of(element: Element) -> str:
    """The element's text, whole: a comment or processing instruction inside a value splits
    its text in lxml (`<BQ>1<!-- x -->2.5</BQ>` is 12.5 to the XSD), so join every piece."""
    value = "".join(cast("Iterator[str]", element.itertext())).strip()  # str from a parse
    if not value:
        raise ContentError(f"<{_local(element)}> is empty", line=line_of(element))
    return value


def need_text(parent: Element, ns: str, name: str) -> str:
    return text_of(need(parent, ns, name))


def opt_text(parent: Element, ns: str, name: str) -> str | None:
    found = find(parent, ns, name)
    return None if found is None else text_of(found)


def opt_str(parent: Element, ns: str, name: str) -> str | None:
    """For string types without minLength, where an empty element is a valid value."""
    found = find(parent, ns, name)
    return None if found is None else (found.text or "").strip()


def need_str(parent: Element, ns: str, name: str) -> str:
    return (need(parent, ns, name).text or "").strip()


def need_attr(element: Element, name: str) -> str:
    value = element.get(name)
    if value is None or not value.strip():
        raise ContentError(f"<{_local(element)}> lacks attribute {name}", line=line_of(element))
    return value.strip()


def convert(element: Element, raw: str, kind: str, parse: Callable[[str], T]) -> T:
    try:
        return parse(raw)
    except (ValueError, ArithmeticError, OverflowError) as exc:
        raise ContentError(
            f"<{_local(element)}> value {raw[:60]!r} is not a valid {kind}: {exc}",
            line=line_of(element),
        ) from None


def parse_decimal(raw: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError("not a decimal number") from None
    if not value.is_finite():
        raise ValueError("not a finite number")
    return value


def parse_whole(raw: str) -> int:
    value = parse_decimal(raw)
    # Bounded before int(): "1E+999999999" would otherwise build a gigantic integer.
    if abs(value) >= _WHOLE_LIMIT:
        raise ValueError("number too large")
    if value != value.to_integral_value():
        raise ValueError("not a whole number")
    return int(value)


def parse_bool(raw: str) -> bool:
    if raw in ("true", "1"):
        return True
    if raw in ("false", "0"):
        return False
    raise ValueError("xsd:boolean is true, false, 1 or 0")


def parse_aware(raw: str) -> datetime:
    value = datetime.fromisoformat(raw)
    if value.tzinfo is None:
        raise ValueError("a UTC offset is required")
    return value


def read_date(parent: Element, ns: str, name: str) -> date:
    element = need(parent, ns, name)
    return convert(element, text_of(element), "date", date.fromisoformat)


def read_opt_date(parent: Element, ns: str, name: str) -> date | None:
    element = find(parent, ns, name)
    return (
        None if element is None else convert(element, text_of(element), "date", date.fromisoformat)
    )


def read_opt_datetime(parent: Element, ns: str, name: str) -> datetime | None:
    element = find(parent, ns, name)
    if element is None:
        return None
    return convert(element, text_of(element), "date-time with offset", parse_aware)


def read_opt_decimal(parent: Element, ns: str, name: str) -> Decimal | None:
    element = find(parent, ns, name)
    return None if element is None else convert(element, text_of(element), "decimal", parse_decimal)


def read_opt_whole(parent: Element, ns: str, name: str) -> int | None:
    element = find(parent, ns, name)
    return None if element is None else convert(element, text_of(element), "integer", parse_whole)


def read_enum(element: Element, enum: type[E]) -> E:
    allowed = ", ".join(member.value for member in enum)
    return convert(element, text_of(element), f"{enum.__name__} ({allowed})", enum)


def read_opt_enum(parent: Element, ns: str, name: str, enum: type[E]) -> E | None:
    element = find(parent, ns, name)
    return None if element is None else read_enum(element, enum)


# --- writing -------------------------------------------------------------------------------


def add(parent: Element, ns: str, name: str, text: str | None = None) -> Element:
    child = etree.SubElement(parent, f"{{{ns}}}{name}")
    if text is not None:
        child.text = text
    return child


def add_opt(parent: Element, ns: str, name: str, text: str | None) -> None:
    if text is not None:
        add(parent, ns, name, text)


def fmt_decimal(value: Decimal | int) -> str:
    return format(value, "f")


def fmt_opt_decimal(value: Decimal | int | None) -> str | None:
    return None if value is None else fmt_decimal(value)


def fmt_opt_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def fmt_datetime(value: datetime) -> str:
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def fmt_vienna(value: datetime) -> str:
    """DateTimeU: whole minutes in Austrian local time with its offset, as the XSD demands."""
    if value.tzinfo is None:
        raise EdaWriteError(f"{value!r} is naive; energy-data timestamps need a time zone")
    return value.astimezone(VIENNA).isoformat(timespec="seconds")


def fmt_bool(value: bool) -> str:
    return "true" if value else "false"


def only_in(version: str, allowed: tuple[str, ...], schema: str, field: str, value: object) -> None:
    """Refuse to drop a field silently when the chosen version has no element for it."""
    if version not in allowed and value not in (None, ()):
        raise EdaWriteError(
            f"{schema} {version} has no element for {field}; use version {' or '.join(allowed)} "
            f"or leave {field} empty"
        )


def required_in(version: str, schema: str, field: str, value: object) -> None:
    if value is None:
        raise EdaWriteError(f"{schema} {version} requires {field}")


def day_after(start: datetime) -> datetime:
    """The next local midnight: a 'D' interval is a calendar day in Austria (23, 24 or 25 h)."""
    local = start.astimezone(VIENNA)
    next_day = (local + timedelta(days=1)).date()
    return datetime(next_day.year, next_day.month, next_day.day, tzinfo=VIENNA)
