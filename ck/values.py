"""Checking literal values (defaults, allowed values, bounds) against a declared type."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from meshkit.ck.model import Constraints, RecordDef, TypeKind, TypeRef

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<d>\d+)D)?(?:T(?=\d)(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?$"
)
_INT32 = 2**31
_INT64 = 2**63


def duration_seconds(text: str) -> int | None:
    """Seconds of an ISO 8601 duration with days, hours, minutes, seconds; None if not one.

    Months and years are refused on purpose: their length varies, so they cannot be an interval.
    """
    match = _DURATION.match(text)
    if not match:
        return None
    d, h, m, s = (int(match.group(g) or 0) for g in "dhms")
    return ((d * 24 + h) * 60 + m) * 60 + s


def parse_datetime(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value


def bound(kind: TypeKind, raw: Any) -> tuple[Decimal | str | None, str | None]:
    """A min/max bound converted for `kind`, or an error text."""
    if kind in (TypeKind.INT, TypeKind.BIGINT, TypeKind.DECIMAL, TypeKind.FLOAT):
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            return None, f"bound {raw!r} is not a number"
        try:
            return Decimal(str(raw)), None
        except InvalidOperation:
            return None, f"bound {raw!r} is not a number"
    if kind is TypeKind.DATE:
        try:
            return date.fromisoformat(str(raw)).isoformat(), None
        except ValueError:
            return None, f"bound {raw!r} is not a date (YYYY-MM-DD)"
    if kind is TypeKind.DATETIME:
        parsed = parse_datetime(str(raw))
        if parsed is None or parsed.tzinfo is None:
            return None, f"bound {raw!r} is not a datetime with a time zone"
        return parsed.isoformat(), None
    return None, f"min/max apply to numbers, dates and datetimes, not {kind.value}"


def _compare_key(kind: TypeKind, value: Decimal | str) -> Any:
    if kind is TypeKind.DATETIME:
        return parse_datetime(str(value))
    return value


def check_value(
    value: Any,
    type_: TypeRef,
    constraints: Constraints,
    enum_values: Callable[[str], Mapping[str, Any] | None],
    record: Callable[[str], RecordDef | None],
) -> str | None:
    """Why `value` does not fit `type_` and `constraints`, or None when it fits."""
    problem = _check_type(value, type_, enum_values, record)
    if problem:
        return problem
    return _check_constraints(value, type_.kind, constraints)


def _check_type(
    value: Any,
    type_: TypeRef,
    enum_values: Callable[[str], Mapping[str, Any] | None],
    record: Callable[[str], RecordDef | None],
) -> str | None:
    kind = type_.kind
    if value is None:
        return "a value cannot be null; leave the key out instead"
    if kind in (TypeKind.STRING, TypeKind.TEXT):
        return None if isinstance(value, str) else f"{value!r} is not text"
    if kind in (TypeKind.INT, TypeKind.BIGINT):
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{value!r} is not a whole number"
        limit = _INT32 if kind is TypeKind.INT else _INT64
        return None if -limit <= value < limit else f"{value} does not fit a {kind.value}"
    if kind is TypeKind.FLOAT:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else f"{value!r} is not a number"
    if kind is TypeKind.DECIMAL:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return f"{value!r} is not a decimal number"
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return f"{value!r} is not a decimal number"
        precision, scale = type_.precision or 38, type_.scale or 0
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > scale:
            return f"{value} has more than {scale} decimal places"
        if number != 0 and number.adjusted() + 1 > precision - scale:
            return f"{value} has too many digits for decimal({precision},{scale})"
        return None
    if kind is TypeKind.BOOL:
        return None if isinstance(value, bool) else f"{value!r} is not true or false"
    if kind is TypeKind.DATE:
        try:
            date.fromisoformat(str(value))
        except ValueError:
            return f"{value!r} is not a date (YYYY-MM-DD)"
        return None
    if kind is TypeKind.DATETIME:
        parsed = parse_datetime(str(value))
        if parsed is None:
            return f"{value!r} is not a datetime (ISO 8601)"
        return None if parsed.tzinfo else f"{value!r} has no time zone (datetimes are tz-aware)"
    if kind is TypeKind.DURATION:
        ok = isinstance(value, str) and duration_seconds(value) is not None
        return None if ok else f"{value!r} is not an ISO 8601 duration such as PT15M"
    if kind is TypeKind.ENUM:
        values = enum_values(type_.enum or "")
        if values is None:
            return None  # the enum itself is broken and reported elsewhere
        if value in values:
            return None
        return f"'{value}' is not a value of {type_.enum} ({', '.join(values)})"
    if kind is TypeKind.LIST:
        if not isinstance(value, list):
            return f"{value!r} is not a list"
        assert type_.items is not None
        for i, item in enumerate(value):
            problem = _check_type(item, type_.items, enum_values, record)
            if problem:
                return f"item {i}: {problem}"
        return None
    if kind is TypeKind.RECORD:
        definition = record(type_.record or "")
        if definition is None:
            return None
        if not isinstance(value, dict):
            return f"{value!r} is not a mapping for record {type_.record}"
        for key, item in value.items():
            attr = definition.attributes.get(key)
            if attr is None:
                return f"record {type_.record} has no attribute '{key}'"
            problem = check_value(item, attr.type, attr.constraints, enum_values, record)
            if problem:
                return f"{key}: {problem}"
        missing = [
            a.name
            for a in definition.attributes.values()
            if a.required and a.name not in value and not a.has_default
        ]
        return f"missing required {', '.join(missing)}" if missing else None
    if kind is TypeKind.BINARY:
        return "binary attributes cannot have literal values"
    return None  # json: anything YAML can say


def _check_constraints(value: Any, kind: TypeKind, c: Constraints) -> str | None:
    if c.allowed is not None and value not in c.allowed:
        return f"{value!r} is not one of the allowed values {list(c.allowed)}"
    if c.min is not None or c.max is not None:
        if kind in (TypeKind.INT, TypeKind.BIGINT, TypeKind.DECIMAL, TypeKind.FLOAT):
            number: Any = Decimal(str(value))
        elif kind is TypeKind.DATETIME:
            number = parse_datetime(str(value))
        else:
            number = str(value)
        if c.min is not None and number < _compare_key(kind, c.min):
            return f"{value} is below the minimum {c.min}"
        if c.max is not None and number > _compare_key(kind, c.max):
            return f"{value} is above the maximum {c.max}"
    if isinstance(value, str | list):
        if c.min_length is not None and len(value) < c.min_length:
            return f"{value!r} is shorter than {c.min_length}"
        if c.max_length is not None and len(value) > c.max_length:
            return f"{value!r} is longer than {c.max_length}"
    if c.pattern is not None and isinstance(value, str) and not re.fullmatch(c.pattern, value):
        return f"{value!r} does not match the pattern {c.pattern}"
    return None


def compare_bounds(kind: TypeKind, low: Decimal | str, high: Decimal | str) -> bool:
    """True when low <= high for bounds of `kind`."""
    return bool(_compare_key(kind, low) <= _compare_key(kind, high))
