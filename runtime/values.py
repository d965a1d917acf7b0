"""Attribute values: from client input to canonical Python values, and to and from JSON.

Canonical values are what an entity dict holds: `str`, `int`, `float`, `bool`, `Decimal`
(quantized to the attribute's scale), `date`, tz-aware UTC `datetime`, `timedelta`, an enum
value's name (a list of names for flags enums), dicts for records, lists, and JSON values.
The JSON form (records inside JSON columns, audit entries, cursors) writes decimals, dates,
datetimes and durations as text, so nothing is lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
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
    Check,
    compile_check,
    record_schema,
)

#: A compiled check of one attribute: (value, path, errors) -> canonical value (or None after
#: adding the problems to `errors`), exactly as `ValueCoercer.coerce` would.
Checker = Callable[[Any, Sequence[PathItem], ErrorCollector], Any]
_Fast = Callable[[Any], Any]
#: What a fast check returns when it cannot decide: the full path then runs (and words errors).
UNDECIDED: Any = object()
_UNDECIDED = UNDECIDED

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
        self._schema_checks: dict[str, Check | None] = {}
        self._checkers: dict[int, tuple[Attribute, Checker]] = {}
        self._item_attrs: dict[int, tuple[Attribute, Attribute]] = {}

    # ------------------------------------------------------------------ public
    def coerce(
        self, value: Any, attr: Attribute, path: Sequence[PathItem], errors: ErrorCollector
    ) -> Any:
        """The canonical value, or None after adding every problem found to `errors`."""
        return self.checker(attr)(value, path, errors)

    def checker(self, attr: Attribute) -> Checker:
        """`coerce` for one attribute, compiled once: the common values are checked by a
        function built for the attribute (bounds, patterns and enum names prepared); anything
        it cannot accept for sure takes the full path, which also words the errors."""
        found = self._checkers.get(id(attr))
        if found is not None and found[0] is attr:
            return found[1]
        fast = self._fast(attr)
        full = self._coerce

        if fast is None:

            def check(value: Any, path: Sequence[PathItem], errors: ErrorCollector) -> Any:
                return full(value, attr, path, errors)

        else:

            def check(value: Any, path: Sequence[PathItem], errors: ErrorCollector) -> Any:
                result = fast(value)
                return full(value, attr, path, errors) if result is _UNDECIDED else result

        self._checkers[id(attr)] = (attr, check)  # the attribute kept: its id stays unique
        return check

    def fast_check(self, attr: Attribute) -> Callable[[Any], Any]:
        """value -> the canonical value, or UNDECIDED: then call `checker(attr)`, which takes
        the full path (a caller validating many values saves a call on each)."""
        fast = self._fast(attr)
        return fast if fast is not None else _undecided

    def _coerce(
        self, value: Any, attr: Attribute, path: Sequence[PathItem], errors: ErrorCollector
    ) -> Any:
        kind = attr.type.kind
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

    # ------------------------------------------------------------------ compiled checks
    def _fast(self, attr: Attribute) -> _Fast | None:
        """value -> canonical value, or _UNDECIDED; None when the attribute has no fast check.
        It accepts only what the full path accepts, and returns what the full path returns."""
        kind = attr.type.kind
        scalar = self._fast_scalar(attr.type)
        if scalar is None:
            return None
        c = attr.constraints
        if c == _NO_CONSTRAINTS:
            return scalar
        if scalar is _fast_text and c.allowed is None and c.min is None and c.max is None:
            return _text_check(c)  # the usual: lengths and a pattern, in one function
        try:
            allowed = _constraint_check(kind, attr.constraints)
        except Exception:
            return None  # bounds the full path cannot read either: let it report them

        def fast(value: Any) -> Any:
            result = scalar(value)
            if result is _UNDECIDED:
                return result
            try:
                return result if allowed(result) else _UNDECIDED
            except Exception:
                return _UNDECIDED

        return fast

    def _fast_scalar(self, type_: TypeRef) -> _Fast | None:
        kind = type_.kind
        if kind in (TypeKind.STRING, TypeKind.TEXT, TypeKind.BINARY):
            return _fast_text
        if kind in (TypeKind.INT, TypeKind.BIGINT):
            limit = _INT_LIMITS[kind]

            def whole(value: Any) -> Any:
                return value if type(value) is int and -limit <= value < limit else _UNDECIDED

            return whole
        if kind is TypeKind.FLOAT:
            return _fast_float
        if kind is TypeKind.BOOL:
            return _fast_bool
        if kind is TypeKind.DATE:
            return _fast_date
        if kind is TypeKind.DATETIME:
            return _fast_datetime
        if kind is TypeKind.DECIMAL:
            return _decimal_check(type_)
        if kind is TypeKind.ENUM:
            assert type_.enum is not None
            enum = self.model.enums[type_.enum]
            if enum.flags:
                return None
            names = frozenset(enum.values)
            return lambda value: value if type(value) is str and value in names else _UNDECIDED
        return None  # durations, JSON, records and lists: the full path

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
        cached = self._item_attrs.get(id(attr))
        if cached is None or cached[0] is not attr:
            item = attr.model_copy(update={"type": attr.type.items, "constraints": Constraints()})
            cached = self._item_attrs[id(attr)] = (attr, item)
        item_attr = cached[1]
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
        if self._schema_check(type_.record)(document):
            problems = []  # the compiled check is sure the schema holds
        else:
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

    def _schema_check(self, record_qid: str) -> Check:
        """The record schema compiled to a yes/no check (jsonschema itself when it cannot be)."""
        if record_qid not in self._schema_checks:
            self._schema_checks[record_qid] = compile_check(record_schema(self.model, record_qid))
        check = self._schema_checks[record_qid]
        return check if check is not None else _never

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


def _never(document: Any) -> bool:
    return False


def _undecided(value: Any) -> Any:
    return _UNDECIDED


def _text_check(c: Constraints) -> _Fast:
    shortest, longest = c.min_length, c.max_length
    pattern = re.compile(c.pattern) if c.pattern is not None else None

    def check(value: Any) -> Any:
        if type(value) is not str:
            return _UNDECIDED
        if shortest is not None and len(value) < shortest:
            return _UNDECIDED
        if longest is not None and len(value) > longest:
            return _UNDECIDED
        if pattern is not None and pattern.fullmatch(value) is None:
            return _UNDECIDED
        return value

    return check


def _fast_text(value: Any) -> Any:
    return value if type(value) is str else _UNDECIDED


def _fast_float(value: Any) -> Any:
    if type(value) is float:
        return value
    return float(value) if type(value) is int else _UNDECIDED


def _fast_bool(value: Any) -> Any:
    return value if type(value) is bool else _UNDECIDED


def _fast_date(value: Any) -> Any:
    if type(value) is str:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return _UNDECIDED
    return value if type(value) is date else _UNDECIDED


def _fast_datetime(value: Any) -> Any:
    if type(value) is str:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return _UNDECIDED
    elif type(value) is datetime:
        parsed = value
    else:
        return _UNDECIDED
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return _UNDECIDED
    return parsed.astimezone(UTC)


def _decimal_check(type_: TypeRef) -> _Fast:
    """ValueCoercer._decimal without the error wording, its quantum computed once."""
    precision = type_.precision or 38
    scale = type_.scale if type_.scale is not None else (10 if type_.precision is None else 0)
    quantum = Decimal(1).scaleb(-scale)
    digits = precision - scale

    def check(value: Any) -> Any:
        kind = type(value)
        try:
            if kind is Decimal:
                number = value
            elif kind is str:
                number = Decimal(value.strip())
            elif kind is int or kind is float:
                number = Decimal(str(value))
            else:
                return _UNDECIDED
            if not number.is_finite():
                return _UNDECIDED
            # Equal after quantizing: no digits beyond the scale were lost.
            result = number.quantize(quantum)
            if result != number:
                return _UNDECIDED
            if result != 0 and result.adjusted() + 1 > digits:
                return _UNDECIDED
            return result
        except ArithmeticError:
            return _UNDECIDED

    return check


def _constraint_check(kind: TypeKind, c: Constraints) -> Callable[[Any], bool]:
    """ValueCoercer._constraints as a predicate, its bounds and pattern prepared once."""
    allowed = c.allowed
    low = _bound(c.min, kind) if c.min is not None else None
    high = _bound(c.max, kind) if c.max is not None else None
    shortest, longest = c.min_length, c.max_length
    pattern = re.compile(c.pattern) if c.pattern is not None else None

    def check(value: Any) -> bool:
        if allowed is not None and not any(_same(value, a, kind) for a in allowed):
            return False
        if low is not None and value < low:
            return False
        if high is not None and value > high:
            return False
        if isinstance(value, str | list):
            if shortest is not None and len(value) < shortest:
                return False
            if longest is not None and len(value) > longest:
                return False
        return not (pattern is not None and isinstance(value, str) and not pattern.fullmatch(value))

    return check


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
