"""Attribute values: from client input to canonical Python values, and to and from JSON.

Canonical values are what an entity dict holds: `str`, `int`, `float`, `bool`, `Decimal`
(quantized to the attribute's scale), `date`, tz-aware UTC `datetime`, `timedelta`, an enum
value's name (a list of names for flags enums), dicts for records, lists, and JSON values.
The JSON form (records inside JSON columns, audit entries, cursors) writes decimals, dates,
datetimes and durations as text, so nothing is lost.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any, cast

import jsonschema as jsonschema_lib

from meshkit.ck.model import Attribute, CompiledModel, Constraints, TypeKind, TypeRef
from meshkit.runtime.errors import ErrorCollector, PathItem
from meshkit.runtime.jsonschema import (
    DATE_PATTERN,
    DATETIME_PATTERN,
    DECIMAL_PATTERN,
    DURATION_PATTERN,
    record_schema,
)

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<d>\d+)D)?(?:T(?=\d)(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?$"
)
_NO_CONSTRAINTS = Constraints()
_INT_LIMITS = {TypeKind.INT: 2**31, TypeKind.BIGINT: 2**63}
_JSON_SCHEMA_CODES = {
    "required": "required",
    "additionalProperties": "unknown-attribute",
    "type": "type",
    "pattern": "pattern",
    "minLength": "min-length",
    "maxLength": "max-length",
    "minItems": "min-length",
    "maxItems": "max-length",
    "minimum": "min",
    "maximum": "max",
    "enum": "enum",
}

#: Patterns that stand for a type in the JSON form: a mismatch is a wrong type, said plainly.
_FORMAT_PATTERNS = {
    DECIMAL_PATTERN: "a decimal number",
    DATE_PATTERN: "a date (YYYY-MM-DD)",
    DATETIME_PATTERN: "a datetime with a time zone (ISO 8601)",
    DURATION_PATTERN: "an ISO 8601 duration such as PT15M",
}


class Invalid(Exception):
    """A value does not fit; `code` and message go into a FieldError at the value's path."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse_duration(text: str) -> timedelta | None:
    match = _DURATION.match(text)
    if not match:
        return None
    d, h, m, s = (int(match.group(g) or 0) for g in "dhms")
    return timedelta(days=d, hours=h, minutes=m, seconds=s)


def format_duration(value: timedelta) -> str:
    """ISO 8601 with days, hours, minutes and seconds (months and years vary in length)."""
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    days, rest = divmod(abs(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    time = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M"), (secs, "S")) if n)
    text = (f"{days}D" if days else "") + (f"T{time}" if time else "")
    return f"{sign}P{text or 'T0S'}"


def to_json(value: Any, type_: TypeRef | None = None) -> Any:
    """The JSON form of a canonical value (decimals, dates, datetimes and durations as text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    raise TypeError(f"{type(value).__name__} has no JSON form")


class ValueCoercer:
    """Checks and converts input values for the attributes of one compiled model."""

    def __init__(self, model: CompiledModel) -> None:
        self.model = model
        self._validators: dict[str, jsonschema_lib.protocols.Validator] = {}

    # ------------------------------------------------------------------ public
    def coerce(
        self, value: Any, attr: Attribute, path: Sequence[PathItem], errors: ErrorCollector
    ) -> Any:
        """The canonical value, or None after adding every problem found to `errors`."""
        kind = attr.type.kind
        # The common cases first and without dispatch: bulk imports validate millions of values.
        if kind is TypeKind.STRING and type(value) is str and attr.constraints == _NO_CONSTRAINTS:
            return value
        try:
            if kind is TypeKind.RECORD:
                return self._record(value, attr.type, path, errors)
            if kind is TypeKind.LIST:
                return self._list(value, attr, path, errors)
            result = self._scalar(value, attr.type)
            if attr.constraints != _NO_CONSTRAINTS:
                self._constraints(result, kind, attr.constraints)
            return result
        except Invalid as problem:
            errors.add(problem.code, path, problem.message)
            return None

    def coerce_scalar(self, value: Any, type_: TypeRef) -> Any:
        """A canonical scalar (no record or list); raises Invalid."""
        return self._scalar(value, type_)

    def from_json(self, value: Any, type_: TypeRef) -> Any:
        """The canonical value of a stored JSON form (trusted: written by `to_json`)."""
        if value is None:
            return None
        kind = type_.kind
        if kind is TypeKind.RECORD:
            assert type_.record is not None
            record = self.model.records[type_.record]
            return {
                k: self.from_json(v, record.attributes[k].type) if k in record.attributes else v
                for k, v in value.items()
            }
        if kind is TypeKind.LIST:
            assert type_.items is not None
            return [self.from_json(v, type_.items) for v in value]
        if kind is TypeKind.JSON:
            return value
        return self._scalar(value, type_)

    # ------------------------------------------------------------------ scalars
    def _scalar(self, value: Any, type_: TypeRef) -> Any:
        kind = type_.kind
        if kind in (TypeKind.STRING, TypeKind.TEXT, TypeKind.BINARY):
            if not isinstance(value, str):
                raise Invalid("type", f"expected text, got {_show(value)}")
            return value
        if kind in (TypeKind.INT, TypeKind.BIGINT):
            if isinstance(value, bool) or not isinstance(value, int):
                raise Invalid("type", f"expected a whole number, got {_show(value)}")
            limit = _INT_LIMITS[kind]
            if not -limit <= value < limit:
                raise Invalid("range", f"{value} does not fit a {kind.value}")
            return value
        if kind is TypeKind.FLOAT:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise Invalid("type", f"expected a number, got {_show(value)}")
            return float(value)
        if kind is TypeKind.DECIMAL:
            return self._decimal(value, type_)
        if kind is TypeKind.BOOL:
            if not isinstance(value, bool):
                raise Invalid("type", f"expected true or false, got {_show(value)}")
            return value
        if kind is TypeKind.DATE:
            return _date(value)
        if kind is TypeKind.DATETIME:
            return _datetime(value)
        if kind is TypeKind.DURATION:
            return _duration(value)
        if kind is TypeKind.ENUM:
            return self._enum(value, type_)
        if kind is TypeKind.JSON:
            try:
                return to_json(value)
            except TypeError as exc:
                raise Invalid("type", f"not a JSON value: {exc}") from None
        raise Invalid("type", f"{kind.value} is not a scalar")

    def _decimal(self, value: Any, type_: TypeRef) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
            raise Invalid("type", f"expected a decimal number, got {_show(value)}")
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
        except InvalidOperation:
            raise Invalid("type", f"expected a decimal number, got {_show(value)}") from None
        if not number.is_finite():
            raise Invalid("type", f"{value} is not a finite number")
        precision = type_.precision or 38
        scale = type_.scale if type_.scale is not None else (10 if type_.precision is None else 0)
        exponent = number.as_tuple().exponent
        assert isinstance(exponent, int)
        if -exponent > scale and number != number.quantize(Decimal(1).scaleb(-scale)):
            raise Invalid("scale", f"{value} has more than {scale} decimal places")
        number = number.quantize(Decimal(1).scaleb(-scale))
        if number != 0 and number.adjusted() + 1 > precision - scale:
            raise Invalid(
                "precision", f"{value} has too many digits for decimal({precision},{scale})"
            )
        return number

    def _enum(self, value: Any, type_: TypeRef) -> Any:
        assert type_.enum is not None
        enum = self.model.enums[type_.enum]
        names = list(enum.values)
        if enum.flags:
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
                raise Invalid("type", f"expected a list of {enum.name} value names")
            unknown = [i for i in items if i not in enum.values]
            if unknown:
                raise Invalid(
                    "enum", f"{', '.join(unknown)} not values of {enum.name} ({', '.join(names)})"
                )
            return [n for n in names if n in items]
        if not isinstance(value, str) or value not in enum.values:
            raise Invalid(
                "enum", f"{_show(value)} is not a value of {enum.name} ({', '.join(names)})"
            )
        return value

    def _constraints(self, value: Any, kind: TypeKind, c: Constraints) -> None:
        if c.allowed is not None and not any(_same(value, a, kind) for a in c.allowed):
            allowed = ", ".join(str(a) for a in c.allowed)
            raise Invalid("allowed", f"{_show(value)} is not one of the allowed values: {allowed}")
        if c.min is not None and value < _bound(c.min, kind):
            raise Invalid("min", f"{_show(value)} is below the minimum {c.min}")
        if c.max is not None and value > _bound(c.max, kind):
            raise Invalid("max", f"{_show(value)} is above the maximum {c.max}")
        if isinstance(value, str | list):
            if c.min_length is not None and len(value) < c.min_length:
                raise Invalid("min-length", f"must have at least {c.min_length} characters/items")
            if c.max_length is not None and len(value) > c.max_length:
                raise Invalid("max-length", f"must have at most {c.max_length} characters/items")
        if c.pattern is not None and isinstance(value, str) and not re.fullmatch(c.pattern, value):
            raise Invalid("pattern", f"{_show(value)} does not match the pattern {c.pattern}")

    # ------------------------------------------------------------------ lists and records
    def _list(
        self, value: Any, attr: Attribute, path: Sequence[PathItem], errors: ErrorCollector
    ) -> list[Any] | None:
        if not isinstance(value, list | tuple):
            errors.add("type", path, f"expected a list, got {_show(value)}")
            return None
        assert attr.type.items is not None
        before = len(errors.errors)
        item_attr = attr.model_copy(update={"type": attr.type.items, "constraints": Constraints()})
        items = [self.coerce(v, item_attr, (*path, i), errors) for i, v in enumerate(value)]
        try:
            self._constraints(items, TypeKind.LIST, attr.constraints)
        except Invalid as problem:
            errors.add(problem.code, path, problem.message)
        return items if len(errors.errors) == before else None

    def _record(
        self, value: Any, type_: TypeRef, path: Sequence[PathItem], errors: ErrorCollector
    ) -> dict[str, Any] | None:
        assert type_.record is not None
        try:
            document = to_json(value)
        except TypeError as exc:
            errors.add("type", path, f"not a record value: {exc}")
            return None
        problems = sorted(
            self._validator(type_.record).iter_errors(document), key=lambda e: list(e.path)
        )
        if problems:
            for problem in problems:
                self._report_schema_error(problem, path, errors)
            return None
        # The schema checked the shape; now convert leaves exactly (decimal scale, real dates).
        return self._record_values(document, type_.record, path, errors)

    def _record_values(
        self,
        document: Mapping[str, Any],
        record_qid: str,
        path: Sequence[PathItem],
        errors: ErrorCollector,
    ) -> dict[str, Any] | None:
        record = self.model.records[record_qid]
        before = len(errors.errors)
        result: dict[str, Any] = {}
        for name, attr in record.attributes.items():
            if name in document:
                raw = document[name]
            elif attr.has_default:
                raw = attr.default
            else:
                continue
            result[name] = self.coerce(raw, attr, (*path, name), errors)
        return result if len(errors.errors) == before else None

    def _validator(self, record_qid: str) -> jsonschema_lib.protocols.Validator:
        if record_qid not in self._validators:
            schema = record_schema(self.model, record_qid)
            cls = jsonschema_lib.validators.validator_for(schema)
            self._validators[record_qid] = cls(schema)
        return self._validators[record_qid]

    @staticmethod
    def _report_schema_error(
        problem: jsonschema_lib.ValidationError, path: Sequence[PathItem], errors: ErrorCollector
    ) -> None:
        where = (*path, *problem.absolute_path)
        code = _JSON_SCHEMA_CODES.get(str(problem.validator), "invalid")
        instance = problem.instance
        if problem.validator == "required" and isinstance(instance, dict):
            for name in cast("list[str]", problem.validator_value):
                if name not in instance:
                    errors.add("required", (*where, name), "a value is required")
            return
        if problem.validator == "additionalProperties" and isinstance(instance, dict):
            schema = problem.schema if isinstance(problem.schema, Mapping) else {}
            known = schema.get("properties", {})
            for name in instance:
                if name not in known:
                    errors.add(
                        "unknown-attribute",
                        (*where, name),
                        f"no attribute '{name}'; known: {', '.join(known)}",
                    )
            return
        pattern = problem.validator_value if problem.validator == "pattern" else None
        if isinstance(pattern, str) and pattern in _FORMAT_PATTERNS:
            expected = _FORMAT_PATTERNS[pattern]
            errors.add("type", where, f"expected {expected}, got {_show(instance)}")
            return
        errors.add(code, where, problem.message)

    @cached_property
    def record_schemas(self) -> dict[str, dict[str, Any]]:
        """Every record's JSON Schema, by qualified id (for export and documentation)."""
        return {qid: record_schema(self.model, qid) for qid in self.model.records}


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        raise Invalid("type", "expected a date, got a datetime")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise Invalid("type", f"expected a date (YYYY-MM-DD), got {_show(value)}")


def _datetime(value: Any) -> datetime:
    parsed: datetime | None = None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
    if parsed is None:
        raise Invalid("type", f"expected a datetime (ISO 8601), got {_show(value)}")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise Invalid("timezone", f"{_show(value)} has no time zone; datetimes must be tz-aware")
    return parsed.astimezone(UTC)


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        if value.microseconds:
            raise Invalid("type", "durations are whole seconds")
        return value
    if isinstance(value, str):
        parsed = parse_duration(value)
        if parsed is not None:
            return parsed
    raise Invalid("type", f"expected an ISO 8601 duration such as PT15M, got {_show(value)}")


def _bound(bound: Decimal | str, kind: TypeKind) -> Any:
    if kind is TypeKind.DATE:
        return date.fromisoformat(str(bound))
    if kind is TypeKind.DATETIME:
        return _datetime(str(bound))
    if kind in (TypeKind.INT, TypeKind.BIGINT, TypeKind.FLOAT):
        return Decimal(str(bound))
    return bound


def _same(value: Any, allowed: Any, kind: TypeKind) -> bool:
    if kind in (TypeKind.DECIMAL, TypeKind.INT, TypeKind.BIGINT, TypeKind.FLOAT):
        try:
            return Decimal(str(value)) == Decimal(str(allowed))
        except InvalidOperation:
            return False
    if kind in (TypeKind.DATE, TypeKind.DATETIME, TypeKind.DURATION):
        return to_json(value) == to_json(allowed) or str(value) == str(allowed)
    return bool(value == allowed)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
