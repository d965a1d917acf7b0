"""The data steps revision files call as `mk.<step>(...)`, next to Alembic's `op.<step>(...)`.

They run on the migration's connection (`op.get_bind()`), inside its one transaction, and move
data between the old and new form of a table: fill, convert, map, derive, move into and out of
records. The `check_*` guards refuse a step that would lose data unless the loss is allowed (in
the migration file, baked into the revision, or by `--allow-data-loss` at run time).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import op

from meshkit.runtime.migrations.errors import DataLossError, MigrationError
from meshkit.runtime.migrations.snapshot import load_snapshot
from meshkit.runtime.migrations.versions import record_model as _record
from meshkit.runtime.storage.tables import AUDIT_TABLE
from meshkit.runtime.storage.types import EnumKey, json_type
from meshkit.runtime.values import parse_duration, to_json

SNAPSHOT_SUFFIX = ".model.json"
AUDIT_CLASS_COLUMN = "class_qid"
TEMP_PREFIX = "_mk_new_"
_BATCH = 1000

_allow_data_loss: ContextVar[bool] = ContextVar("meshkit_allow_data_loss", default=False)


@contextmanager
def allowing_data_loss(allowed: bool) -> Iterator[None]:
    """Within the block, the `check_*` guards let every loss through (`--allow-data-loss`)."""
    token = _allow_data_loss.set(allowed)
    try:
        yield
    finally:
        _allow_data_loss.reset(token)


def _bind() -> sa.Connection:
    return op.get_bind()


def _refuse(element: str, what: str, allowed: bool) -> None:
    if allowed or _allow_data_loss.get():
        return
    raise DataLossError(
        f"{what} ({element}); refused: allow it with `allow_data_loss: "
        f"[{element.split('/', 1)[-1]}]` in the model's migration file or `--allow-data-loss`"
    )


def _rows(count: int) -> str:
    return f"{count} row{'s' if count != 1 else ''}"


# ------------------------------------------------------------------------------ guards


def check_loss_table(table: str, element: str, *, allowed: bool = False) -> None:
    """Refuse to drop a table that holds rows."""
    count = _bind().execute(sa.select(sa.func.count()).select_from(sa.table(table))).scalar_one()
    if count:
        _refuse(element, f"dropping table {table} would delete {_rows(count)}", allowed)


def check_loss_column(table: str, column: str, element: str, *, allowed: bool = False) -> None:
    """Refuse to drop a column that holds values."""
    t = sa.table(table, sa.column(column))
    count = (
        _bind()
        .execute(sa.select(sa.func.count()).select_from(t).where(t.c[column].is_not(None)))
        .scalar_one()
    )
    if count:
        _refuse(
            element,
            f"dropping column {table}.{column} would lose the values of {_rows(count)}",
            allowed,
        )


def check_length(
    table: str, column: str, length: int, element: str, *, allowed: bool = False
) -> None:
    """Refuse to narrow a text column below values it holds; when allowed, cut them."""
    t = sa.table(table, sa.column(column, sa.Text()))
    too_long = sa.func.length(t.c[column]) > length
    count = _bind().execute(sa.select(sa.func.count()).select_from(t).where(too_long)).scalar_one()
    if count:
        _refuse(
            element,
            f"narrowing {table}.{column} to {length} characters would cut the values of "
            f"{_rows(count)}",
            allowed,
        )
        _bind().execute(
            sa.update(t).where(too_long).values({column: sa.func.substr(t.c[column], 1, length)})
        )


def check_required(table: str, column: str, element: str, *, hint: str = "") -> None:
    """Before NOT NULL: every row must have a value (a fill step gives them one)."""
    t = sa.table(table, sa.column(column))
    count = (
        _bind()
        .execute(sa.select(sa.func.count()).select_from(t).where(t.c[column].is_(None)))
        .scalar_one()
    )
    if count:
        raise MigrationError(
            f"{element} is required now, but {_rows(count)} of {table} have no value for it; "
            + (hint or "give them one with `fill:` in the model's migration file")
        )


def check_enum_keys(
    table: str, column: str, keep: Sequence[int], element: str, *, allowed: bool = False
) -> None:
    """Refuse to remove enum values rows still use; when allowed, those rows lose the value."""
    t = sa.table(table, sa.column(column, sa.Integer()))
    gone = sa.and_(t.c[column].is_not(None), t.c[column].not_in(list(keep)))
    count = _bind().execute(sa.select(sa.func.count()).select_from(t).where(gone)).scalar_one()
    if count:
        _refuse(
            element,
            f"{_rows(count)} of {table} hold enum values of {column} that no longer exist "
            "(map them with `map_values:`)",
            allowed,
        )
        _bind().execute(sa.update(t).where(gone).values({column: None}))


# ------------------------------------------------------------------------------ classes


def rename_class(table: str, old_qid: str, new_qid: str) -> None:
    """Stored rows name their class (`type`, and the audit trail's `class_qid`)."""
    t = sa.table(table, sa.column("type", sa.String()))
    bind = _bind()
    bind.execute(sa.update(t).where(t.c.type == old_qid).values(type=new_qid))
    audit = sa.table(AUDIT_TABLE, sa.column(AUDIT_CLASS_COLUMN, sa.String()))
    column = audit.c[AUDIT_CLASS_COLUMN]
    bind.execute(sa.update(audit).where(column == old_qid).values({AUDIT_CLASS_COLUMN: new_qid}))


def rename_constraint(table: str, old: str, new: str) -> None:
    """PostgreSQL keeps constraint names; SQLite cannot rename them (they are cosmetic there)."""
    bind = _bind()
    if bind.dialect.name == "postgresql":
        prep = bind.dialect.identifier_preparer
        bind.exec_driver_sql(
            f"ALTER TABLE {prep.quote(table)} RENAME CONSTRAINT {prep.quote(old)} "
            f"TO {prep.quote(new)}"
        )


# ------------------------------------------------------------------------------ values


def fill(
    table: str,
    column: str,
    type_: sa.types.TypeEngine[Any],
    *,
    value: Any = None,
    sql: str | None = None,
    types: Sequence[str] | None = None,
) -> None:
    """Give rows without a value (of the listed classes) a constant or a SQL expression."""
    t = sa.table(table, sa.column(column, type_), sa.column("type", sa.String()))
    statement = sa.update(t).where(t.c[column].is_(None))
    if types is not None:
        statement = statement.where(t.c.type.in_(list(types)))
    new: Any = sa.text(f"({sql})") if sql is not None else sa.bindparam("v", value, type_=type_)
    _bind().execute(statement.values({column: new}))


def derive(table: str, expressions: Mapping[str, str]) -> None:
    """Set columns from SQL expressions over the row (split and merge)."""
    t = sa.table(table, *(sa.column(c) for c in expressions))
    _bind().execute(sa.update(t).values({c: sa.text(f"({e})") for c, e in expressions.items()}))


def convert_sql(
    table: str,
    column: str,
    new_type: sa.types.TypeEngine[Any],
    sql: str,
) -> None:
    """Change a column's type, each value computed by a SQL expression over the row."""
    temp = TEMP_PREFIX + column
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column(temp, new_type, nullable=True))
    t = sa.table(table, sa.column(temp, new_type))
    _bind().execute(sa.update(t).values({temp: sa.text(f"({sql})")}))
    _swap(table, column, temp)


def recode(
    table: str,
    column: str,
    key: Sequence[str],
    old_type: sa.types.TypeEngine[Any],
    new_type: sa.types.TypeEngine[Any],
    element: str,
    *,
    function: str | None = None,
    mapping: Mapping[str, str] | None = None,
    allowed: bool = False,
) -> None:
    """Change a column's type through Python: each value is read as the old type, converted
    (by `function`, `mapping`, or to the new type's kind) and written as the new type. Values
    that do not convert are lost: refused unless allowed, otherwise they become NULL."""
    convert = _converter(function, mapping, new_type)
    bind = _bind()
    source = sa.table(table, *(sa.column(k) for k in key), sa.column(column, old_type))
    rows = bind.execute(
        sa.select(*(source.c[k] for k in key), source.c[column]).where(
            source.c[column].is_not(None)
        )
    ).all()
    values: list[tuple[tuple[Any, ...], Any]] = []
    failed: list[str] = []
    for row in rows:
        try:
            values.append((tuple(row[:-1]), convert(row[-1])))
        except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
            failed.append(f"{row[-1]!r} ({exc})" if str(exc) else repr(row[-1]))
            values.append((tuple(row[:-1]), None))
    if failed:
        _refuse(
            element,
            f"{_rows(len(failed))} of {table}.{column} cannot be converted, e.g. "
            + ", ".join(failed[:3]),
            allowed,
        )
    temp = TEMP_PREFIX + column
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column(temp, new_type, nullable=True))
    target = sa.table(table, *(sa.column(k) for k in key), sa.column(temp, new_type))
    statement = sa.update(target).values({temp: sa.bindparam("_value", type_=new_type)})
    for k in key:
        statement = statement.where(target.c[k] == sa.bindparam(f"_key_{k}"))
    params = [
        {"_value": value, **{f"_key_{k}": v for k, v in zip(key, keys, strict=True)}}
        for keys, value in values
    ]
    for start in range(0, len(params), _BATCH):
        bind.execute(statement, params[start : start + _BATCH])
    _swap(table, column, temp)


def _swap(table: str, column: str, temp: str) -> None:
    with op.batch_alter_table(table) as batch:
        batch.drop_column(column)
    with op.batch_alter_table(table) as batch:
        batch.alter_column(temp, new_column_name=column)


def _converter(
    function: str | None, mapping: Mapping[str, str] | None, new_type: sa.types.TypeEngine[Any]
) -> Callable[[Any], Any]:
    target = _kind_of(new_type)
    if function is not None:
        user = load_callable(function)
        return lambda v: to_kind(user(v), target)
    if mapping is not None:
        return lambda v: to_kind(
            [mapping.get(x, x) for x in v] if isinstance(v, list) else mapping.get(v, v), target
        )
    return lambda v: to_kind(v, target)


def load_callable(path: str) -> Callable[[Any], Any]:
    """`package.module:function` (or `package.module.function`) imported."""
    module_name, sep, attr = path.partition(":")
    if not sep:
        module_name, _, attr = path.rpartition(".")
    try:
        found = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise MigrationError(f"cannot import conversion '{path}': {exc}") from None
    if not callable(found):
        raise MigrationError(f"conversion '{path}' is not callable")
    return found  # type: ignore[no-any-return]


def _kind_of(type_: sa.types.TypeEngine[Any]) -> type | None:
    if isinstance(type_, EnumKey):
        return list if type_.flags else str
    if isinstance(type_, sa.JSON):
        return None
    try:
        python_type: type = type_.python_type
    except NotImplementedError:
        return None
    return python_type


def to_kind(value: Any, kind: type | None) -> Any:
    """`value` as a value of Python type `kind` (text forms parsed); ValueError when it is not."""
    if value is None or kind is None or type(value) is kind:
        return value
    if kind is str:
        return value if isinstance(value, str) else str(to_json(value))
    if kind is bool:
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
            return value.lower() in ("true", "1")
        if isinstance(value, int):
            return bool(value)
        raise ValueError(f"{value!r} is not a boolean")
    if kind is int:
        number = Decimal(str(value))
        if number != number.to_integral_value():
            raise ValueError(f"{value!r} is not a whole number")
        return int(number)
    if kind is Decimal:
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a number") from None
    if kind is float:
        return float(value)
    if kind is datetime:
        return datetime.fromisoformat(str(value))
    if kind is date:
        return date.fromisoformat(str(value)[:10])
    if kind is timedelta:
        duration = parse_duration(str(value))
        if duration is None:
            raise ValueError(f"{value!r} is not an ISO 8601 duration")
        return duration
    if kind is list:
        return value if isinstance(value, list) else [value]
    return value


# ------------------------------------------------------------------------------ records


def move_into_record(
    table: str,
    key: Sequence[str],
    record_column: str,
    fields: Mapping[str, tuple[str, sa.types.TypeEngine[Any]]],
) -> None:
    """Copy columns into fields of a record column (the columns are dropped by a later step)."""
    bind = _bind()
    columns = [sa.column(c, t) for c, t in fields.values()]
    t = sa.table(
        table, *(sa.column(k) for k in key), sa.column(record_column, json_type()), *columns
    )
    rows = bind.execute(
        sa.select(*(t.c[k] for k in key), t.c[record_column], *(t.c[c] for c, _ in fields.values()))
    ).all()
    updates = []
    for row in rows:
        record = dict(row[len(key)] or {})
        for (field, _), value in zip(fields.items(), row[len(key) + 1 :], strict=True):
            if value is not None:
                record[field] = to_json(value)
        updates.append((tuple(row[: len(key)]), record or None))
    _write_json(table, key, record_column, updates)


def extract_from_record(
    table: str,
    key: Sequence[str],
    record_column: str,
    field: str,
    column: str,
    type_: sa.types.TypeEngine[Any],
) -> None:
    """Copy a record field into a column and take it out of the record."""
    bind = _bind()
    t = sa.table(table, *(sa.column(k) for k in key), sa.column(record_column, json_type()))
    rows = bind.execute(
        sa.select(*(t.c[k] for k in key), t.c[record_column]).where(t.c[record_column].is_not(None))
    ).all()
    kind = _kind_of(type_)
    target = sa.table(table, *(sa.column(k) for k in key), sa.column(column, type_))
    statement = sa.update(target).values({column: sa.bindparam("_value", type_=type_)})
    for k in key:
        statement = statement.where(target.c[k] == sa.bindparam(f"_key_{k}"))
    updates = []
    for row in rows:
        record = dict(row[-1])
        if field not in record:
            continue
        value = to_kind(record.pop(field), kind)
        keys = {f"_key_{k}": v for k, v in zip(key, row[:-1], strict=True)}
        bind.execute(statement, {"_value": value, **keys})
        updates.append((tuple(row[:-1]), record or None))
    _write_json(table, key, record_column, updates)


def _write_json(
    table: str, key: Sequence[str], column: str, updates: list[tuple[tuple[Any, ...], Any]]
) -> None:
    t = sa.table(table, *(sa.column(k) for k in key), sa.column(column, json_type()))
    statement = sa.update(t).values({column: sa.bindparam("_value", type_=json_type())})
    for k in key:
        statement = statement.where(t.c[k] == sa.bindparam(f"_key_{k}"))
    params = [
        {"_value": value, **{f"_key_{k}": v for k, v in zip(key, keys, strict=True)}}
        for keys, value in updates
    ]
    for start in range(0, len(params), _BATCH):
        _bind().execute(statement, params[start : start + _BATCH])


# ------------------------------------------------------------------------------ versions


def record_model(revision_file: str, revision: str | None) -> None:
    """Write the version table: the model of `revision` (its snapshot file), or none."""
    bind = _bind()
    if revision is None:
        _record(bind, None, None)
        return
    override = _snapshot_override.get()
    if override is not None:
        text = override
    else:
        text = _read(Path(revision_file).with_name(revision + SNAPSHOT_SUFFIX))
    _record(bind, load_snapshot(text), revision, text)


_snapshot_override: ContextVar[str | None] = ContextVar("meshkit_snapshot", default=None)


@contextmanager
def snapshot_for_plan(text: str) -> Iterator[None]:
    """A plan runs a revision that is not written yet: its snapshot comes from memory."""
    token = _snapshot_override.set(text)
    try:
        yield
    finally:
        _snapshot_override.reset(token)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        raise MigrationError(
            f"the model snapshot {path} of this revision is missing; it is written next to the "
            "revision by `meshkit db revision`"
        ) from None


__all__ = [
    "allowing_data_loss",
    "check_enum_keys",
    "check_length",
    "check_loss_column",
    "check_loss_table",
    "check_required",
    "convert_sql",
    "derive",
    "extract_from_record",
    "fill",
    "json",
    "load_callable",
    "move_into_record",
    "recode",
    "record_model",
    "rename_class",
    "rename_constraint",
    "snapshot_for_plan",
    "to_kind",
]
