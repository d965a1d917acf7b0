"""Custom scalars: exact decimals as strings, tz-aware ISO 8601 datetimes, dates, durations,
64-bit whole numbers and free JSON.

Output values are the runtime's canonical values (Decimal, datetime in UTC, date, timedelta);
input values become the same, so the repository receives what it would from Python code.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from graphql import (
    FloatValueNode,
    GraphQLError,
    GraphQLScalarType,
    IntValueNode,
    StringValueNode,
    ValueNode,
)
from graphql.utilities import value_from_ast_untyped

from meshkit.runtime.values import format_duration, parse_duration


def _decimal_out(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")  # positional, never 1E-7 or 0E-6: what clients parse
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    raise GraphQLError(f"Decimal cannot represent {value!r}")


def _decimal_in(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise GraphQLError(f"Decimal expects a number written as a string, got {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise GraphQLError(f"Decimal expects a number written as a string, got {value!r}") from None
    if not number.is_finite():
        raise GraphQLError(f"Decimal expects a finite number, got {value!r}")
    return number


def _decimal_literal(node: ValueNode, _variables: Any = None) -> Decimal:
    if isinstance(node, StringValueNode | IntValueNode | FloatValueNode):
        return _decimal_in(node.value)
    raise GraphQLError('Decimal expects a string such as "12.50"', node)


def _datetime_out(value: Any) -> str:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).isoformat()
    raise GraphQLError(f"DateTime cannot represent {value!r} (tz-aware datetimes only)")


def _datetime_in(value: Any) -> datetime:
    if not isinstance(value, str):
        raise GraphQLError(f"DateTime expects an ISO 8601 string, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise GraphQLError(f"DateTime expects ISO 8601, got {value!r}") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise GraphQLError(f"DateTime {value!r} has no time zone; add Z or an offset")
    return parsed.astimezone(UTC)


def _date_out(value: Any) -> str:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    raise GraphQLError(f"Date cannot represent {value!r}")


def _date_in(value: Any) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise GraphQLError(f"Date expects YYYY-MM-DD, got {value!r}")


def _duration_out(value: Any) -> str:
    if isinstance(value, timedelta):
        return format_duration(value)
    raise GraphQLError(f"Duration cannot represent {value!r}")


def _duration_in(value: Any) -> timedelta:
    parsed = parse_duration(value) if isinstance(value, str) else None
    if parsed is None:
        raise GraphQLError(f"Duration expects ISO 8601 such as PT15M, got {value!r}")
    return parsed


def _bigint_out(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise GraphQLError(f"BigInt cannot represent {value!r}")


def _bigint_in(value: Any) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63:
        return value
    raise GraphQLError(f"BigInt expects a 64-bit whole number, got {value!r}")


def _string_literal(parse: Any, name: str) -> Any:
    def literal(node: ValueNode, _variables: Any = None) -> Any:
        if isinstance(node, StringValueNode):
            return parse(node.value)
        raise GraphQLError(f"{name} expects a string", node)

    return literal


def _bigint_literal(node: ValueNode, _variables: Any = None) -> int:
    if isinstance(node, IntValueNode | StringValueNode):
        return _bigint_in(int(node.value) if isinstance(node, IntValueNode) else node.value)
    raise GraphQLError("BigInt expects a whole number", node)


def _json_literal(node: ValueNode, variables: Any = None) -> Any:
    return value_from_ast_untyped(node, variables)


def _identity(value: Any) -> Any:
    return value


DecimalScalar = GraphQLScalarType(
    "Decimal",
    serialize=_decimal_out,
    parse_value=_decimal_in,
    parse_literal=_decimal_literal,
    description='An exact decimal number, written as a string ("12.50") so no digit is lost.',
)
DateTimeScalar = GraphQLScalarType(
    "DateTime",
    serialize=_datetime_out,
    parse_value=_datetime_in,
    parse_literal=_string_literal(_datetime_in, "DateTime"),
    description="An ISO 8601 date and time with a time zone; returned in UTC.",
    specified_by_url="https://www.rfc-editor.org/rfc/rfc3339",
)
DateScalar = GraphQLScalarType(
    "Date",
    serialize=_date_out,
    parse_value=_date_in,
    parse_literal=_string_literal(_date_in, "Date"),
    description="A calendar date, YYYY-MM-DD.",
)
DurationScalar = GraphQLScalarType(
    "Duration",
    serialize=_duration_out,
    parse_value=_duration_in,
    parse_literal=_string_literal(_duration_in, "Duration"),
    description="An ISO 8601 duration in days, hours, minutes and seconds, e.g. PT15M.",
)
BigIntScalar = GraphQLScalarType(
    "BigInt",
    serialize=_bigint_out,
    parse_value=_bigint_in,
    parse_literal=_bigint_literal,
    description="A 64-bit whole number (a JSON number; strings of digits accepted as input).",
)
JSONScalar = GraphQLScalarType(
    "JSON",
    serialize=_identity,
    parse_value=_identity,
    parse_literal=_json_literal,
    description="Any JSON value.",
)

SCALARS = (DecimalScalar, DateTimeScalar, DateScalar, DurationScalar, BigIntScalar, JSONScalar)
