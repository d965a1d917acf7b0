"""Writing many rows at once without SQLAlchemy's per-row parameter handling.

A `BulkInsert` prepares, once per table, columns and dialect, what SQLAlchemy would do for
every row of an `insert()`: the columns' bind processors (UTC datetimes, exact decimals, enum
keys, JSON). Rows are then plain tuples in column order. On PostgreSQL, batches of
`COPY_FROM` rows or more go through `COPY ... FROM STDIN` (psycopg writes the rows in C);
smaller ones, and SQLite, use the driver's executemany (pipelined by psycopg). PostgreSQL
refuses COPY FROM into a table whose row-level security applies to the current role (any
role but a superuser or BYPASSRLS, see `storage/security.py`): such batches are copied into
a temporary staging table of the same columns (session-local, emptied at commit) and moved
with one `INSERT ... SELECT`, which the policies check like any insert. All of it runs on the
unit of work's connection, so in its transaction and savepoint; driver errors become
SQLAlchemy's (`IntegrityError`, ...) exactly as with `connection.execute`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from meshkit.runtime.storage.naming import shorten

#: From this many rows on, PostgreSQL gets COPY (below, a prepared INSERT is as fast).
COPY_FROM = 64

Processor = Callable[[Any], Any]


class BulkInsert:
    """Inserts rows (tuples in the order of `columns`) into `table`."""

    def __init__(
        self,
        table: sa.Table,
        columns: Sequence[str],
        dialect: Dialect,
        *,
        raw: Iterable[str] = (),
    ) -> None:
        """`raw` names columns whose values are given ready for the driver (no processor),
        such as JSON already serialised."""
        self.table = table
        self.columns = tuple(columns)
        self.dialect = dialect
        skip = frozenset(raw)
        processors: list[tuple[int, Processor]] = []
        for i, name in enumerate(self.columns):
            if name in skip:
                continue
            processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                processors.append((i, processor))
        self._processors = tuple(processors)
        quote = dialect.identifier_preparer.quote
        target = dialect.identifier_preparer.format_table(table)
        names = ", ".join(quote(c) for c in self.columns)
        self.postgresql = dialect.name == "postgresql"
        marker = "%s" if dialect.paramstyle in ("format", "pyformat") else "?"
        self._insert = (
            f"INSERT INTO {target} ({names}) VALUES ({', '.join([marker] * len(self.columns))})"
        )
        self._copy = f"COPY {target} ({names}) FROM STDIN"
        self._regclass = target
        stage = "pg_temp." + quote(shorten(f"meshkit_stage__{table.name}"))
        self._stage = (
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "
            f"SELECT {names} FROM {target} WITH NO DATA",
            f"COPY {stage} ({names}) FROM STDIN",
            f"INSERT INTO {target} ({names}) SELECT {names} FROM {stage}",
            f"TRUNCATE {stage}",
        )

    def execute(self, connection: sa.Connection, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        prepared = self._prepare(rows)
        if not self.postgresql or len(prepared) < COPY_FROM:
            connection.exec_driver_sql(self._insert, prepared)
        elif self._may_copy(connection):
            self._copy_rows(connection, prepared, self._copy)
        else:
            create, copy, move, empty = self._stage
            connection.exec_driver_sql(create)
            self._copy_rows(connection, prepared, copy)
            connection.exec_driver_sql(move)
            connection.exec_driver_sql(empty)

    def _may_copy(self, connection: sa.Connection) -> bool:
        """COPY FROM is allowed: no row-level security applies to this role and table (asked
        each time: a policy may be added while the connection lives)."""
        active = connection.execute(
            sa.select(sa.func.row_security_active(self._regclass))
        ).scalar_one()
        return not active

    def _prepare(self, rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        if not self._processors:
            return [tuple(r) for r in rows]
        columns = list(zip(*rows, strict=True))  # column-wise: one loop per processor
        for i, process in self._processors:
            columns[i] = _processed(columns[i], process)
        return list(zip(*columns, strict=True))

    def _copy_rows(
        self, connection: sa.Connection, rows: list[tuple[Any, ...]], statement: str
    ) -> None:
        driver = connection.connection.driver_connection
        assert driver is not None
        try:
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except self.dialect.loaded_dbapi.Error as exc:
            raise sa.exc.DBAPIError.instance(
                statement, None, exc, self.dialect.loaded_dbapi.Error, dialect=self.dialect
            ) from exc


_NOTHING = object()


def _processed(values: Sequence[Any], process: Processor) -> tuple[Any, ...]:
    """`process` applied to every value but None (every processor leaves None alone); the
    same object twice in a row (the timestamps of a batch, enum names) is processed once."""
    result: list[Any] = []
    last: Any = _NOTHING
    out: Any = None
    for value in values:
        if value is None:
            result.append(None)
        elif value is last:
            result.append(out)
        else:
            last, out = value, process(value)
            result.append(out)
    return tuple(result)
