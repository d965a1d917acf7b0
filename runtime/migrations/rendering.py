"""Python source for revision files: types, columns, tables and indexes written out literally,
so a reviewer reads exactly what will run (and the file does not change when the model does)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from meshkit.runtime.storage.types import DurationSeconds, EnumKey, ExactDecimal, UtcDateTime

INDENT = "    "


def render_type(type_: sa.types.TypeEngine[Any]) -> str:
    if isinstance(type_, ExactDecimal):
        return f"mkt.ExactDecimal({type_.precision}, {type_.scale})"
    if isinstance(type_, UtcDateTime):
        return "mkt.UtcDateTime()"
    if isinstance(type_, DurationSeconds):
        return "mkt.DurationSeconds()"
    if isinstance(type_, EnumKey):
        return f"mkt.EnumKey({type_.enum_qid!r}, {type_.keys!r}, {type_.flags!r})"
    if isinstance(type_, sa.JSON):  # json_type() has its JSONB variant; a plain JSON has none
        variants = getattr(type_, "_variant_mapping", None)
        return "mkt.json_type()" if variants else "sa.JSON(none_as_null=True)"
    variants = getattr(type_, "_variant_mapping", None)
    base = _plain_type(type_)
    if variants:
        for dialect, variant in sorted(variants.items()):
            base += f".with_variant({_plain_type(variant)}, {dialect!r})"
    return base


def _plain_type(type_: sa.types.TypeEngine[Any]) -> str:
    if isinstance(type_, sa.String) and not isinstance(type_, sa.Text):
        return f"sa.String({type_.length})" if type_.length is not None else "sa.String()"
    for name in ("Text", "SmallInteger", "BigInteger", "Integer", "Double", "Boolean", "Date"):
        if type(type_) is getattr(sa, name):
            return f"sa.{name}()"
    raise TypeError(f"no revision rendering for column type {type_!r}")


def render_column(column: sa.Column[Any], *, nullable: bool | None = None) -> str:
    null = column.nullable if nullable is None else nullable
    extra = ""
    if column.autoincrement != "auto":
        extra = f", autoincrement={column.autoincrement!r}"
    return f"sa.Column({column.name!r}, {render_type(column.type)}, nullable={null}{extra})"


def where_text(index: sa.Index) -> str | None:
    """The partial-index condition as SQL text (the same on SQLite and PostgreSQL)."""
    where = index.dialect_options["sqlite"].get("where")
    if where is None:
        return None
    return str(where.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))


def index_columns(index: sa.Index) -> list[str]:
    return [c.name for c in index.columns]


def render_create_index(index: sa.Index, table: str | None = None) -> str:
    assert index.table is not None
    name = table or index.table.name
    args = f"{index.name!r}, {name!r}, {index_columns(index)!r}"
    if index.unique:
        args += ", unique=True"
    where = where_text(index)
    if where is not None:
        args += f", sqlite_where=sa.text({where!r}), postgresql_where=sa.text({where!r})"
    return f"op.create_index({args})"


def render_foreign_key(fk: sa.ForeignKeyConstraint) -> str:
    local = [c.name for c in fk.columns]
    remote = [f"{e.column.table.name}.{e.column.name}" for e in fk.elements]
    return f"sa.ForeignKeyConstraint({local!r}, {remote!r}, name={fk.name!r})"


def render_create_table(table: sa.Table) -> list[str]:
    lines = ["op.create_table(", f"{INDENT}{table.name!r},"]
    lines += [f"{INDENT}{render_column(c)}," for c in table.columns]
    pk = table.primary_key
    cols = ", ".join(repr(c.name) for c in pk.columns)
    lines.append(f"{INDENT}sa.PrimaryKeyConstraint({cols}, name={pk.name!r}),")
    for constraint in sorted(table.constraints, key=lambda c: str(c.name)):
        if isinstance(constraint, sa.ForeignKeyConstraint):
            lines.append(f"{INDENT}{render_foreign_key(constraint)},")
        elif isinstance(constraint, sa.UniqueConstraint):
            cols = ", ".join(repr(c.name) for c in constraint.columns)
            lines.append(f"{INDENT}sa.UniqueConstraint({cols}, name={constraint.name!r}),")
    for key, value in sorted(table.kwargs.items()):
        lines.append(f"{INDENT}{key}={value!r},")  # partitioning, WITHOUT ROWID ...
    lines.append(")")
    lines += [render_create_index(i) for i in sorted(table.indexes, key=lambda i: str(i.name))]
    return lines


def literal(value: Any) -> str:
    """A Python literal for a canonical value (Decimal, date, datetime and timedelta included)."""
    return repr(value)
