"""Column types that give every database the same Python values back.

- datetimes are tz-aware UTC on the way in and out (SQLite keeps naive UTC text);
- decimals are exact: NUMERIC(p,s) on PostgreSQL, a scaled integer on SQLite (whose NUMERIC is
  a binary float) — so comparisons, sorting and sums stay exact and in SQL;
- durations are whole seconds (BIGINT), so they compare, sort and sum in SQL;
- enums are the values' stable integer keys, mapped to and from the value names.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

#: Widest decimal SQLite can hold exactly as a scaled 64-bit integer.
SQLITE_EXACT_DIGITS = 18


class UtcDateTime(TypeDecorator[datetime]):
    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: meshkit stores tz-aware datetimes only")
        value = value.astimezone(UTC)
        # SQLite has no time zones: naive UTC text sorts and compares correctly.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ExactDecimal(TypeDecorator[Decimal]):
    impl = sa.Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__()
        self.precision = precision
        self.scale = scale
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            if self.precision <= SQLITE_EXACT_DIGITS:
                return dialect.type_descriptor(sa.BigInteger())
            # Too wide for a 64-bit integer: exact text (sorting by it is then textual).
            return dialect.type_descriptor(sa.String())
        return dialect.type_descriptor(sa.Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        if dialect.name == "sqlite":
            if self.precision <= SQLITE_EXACT_DIGITS:
                return int(number.scaleb(self.scale).to_integral_value())
            return str(number.quantize(self._quantum))
        return number

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite" and self.precision <= SQLITE_EXACT_DIGITS:
            if isinstance(value, float):  # an aggregate such as avg() gives a float
                return Decimal(str(value)).scaleb(-self.scale)
            return Decimal(int(value)).scaleb(-self.scale).quantize(self._quantum)
        return Decimal(str(value)).quantize(self._quantum)


class DurationSeconds(TypeDecorator[timedelta]):
    impl = sa.BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        assert isinstance(value, timedelta)
        return int(value.total_seconds())

    def process_result_value(self, value: Any, dialect: Dialect) -> timedelta | None:
        return None if value is None else timedelta(seconds=int(value))


class EnumKey(TypeDecorator[Any]):
    """An enum value name (or, for flags enums, a list of names) stored as its integer key."""

    impl = sa.Integer
    cache_ok = True

    def __init__(self, enum_qid: str, keys: tuple[tuple[str, int], ...], flags: bool) -> None:
        super().__init__()
        self.enum_qid = enum_qid
        self.keys = keys
        self.flags = flags
        self._by_name = dict(keys)
        self._by_key = {k: n for n, k in keys}

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        small = all(-(2**15) <= k < 2**15 for _, k in self.keys) and not self.flags
        return dialect.type_descriptor(sa.SmallInteger() if small else sa.Integer())

    def process_bind_param(self, value: Any, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if self.flags:
            names = [value] if isinstance(value, str) else list(value)
            result = 0
            for name in names:
                result |= self._by_name[name]
            return result
        return self._by_name[value]

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if self.flags:
            return [n for n, k in self.keys if int(value) & k]
        return self._by_key[int(value)]


def json_type() -> TypeEngine[Any]:
    """Records, lists and free JSON: JSONB on PostgreSQL, JSON text elsewhere."""
    return sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
