"""Writing many rows at once without SQLAlchemy's per-row parameter handling.

A `BulkInsert` prepares, once per table, columns and dialect, what SQLAlchemy would do for
every row of an `insert()`: the columns' bind processors (UTC datetimes, exact decimals, enum
keys, JSON). Rows are then plain tuples in column order. On PostgreSQL, batches of
`COPY_FROM` rows or more go through `COPY ... FROM STDIN` in the binary format (psycopg writes
the rows in C, typed by the columns' oids, which the catalog gives; three times cheaper for
the client than the text format); smaller ones, and SQLite, use the driver's executemany
(pipelined by psycopg). Rows may come from a generator: a COPY takes and processes them
`COPY_CHUNK` at a time, so the server stores one chunk while the caller makes the next (the
repository checks rows, and writes audit JSON and events, that way). PostgreSQL
refuses COPY FROM into a table whose row-level security applies to the current role (any
role but a superuser or BYPASSRLS, see `storage/security.py`): such batches are copied into
a temporary staging table of the same columns (session-local, emptied at commit) and moved
with one `INSERT ... SELECT`, which the policies check like any insert. All of it runs on the
unit of work's connection, so in its transaction and savepoint; driver errors become
SQLAlchemy's (`IntegrityError`, ...) exactly as with `connection.execute`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Any

import sqlalchemy as sa
from psycopg import adapt, pq
from psycopg.types.json import Json, Jsonb
from sqlalchemy.engine import Dialect

from meshkit.runtime.storage.naming import shorten

#: From this many rows on, PostgreSQL gets COPY (below, a prepared INSERT is as fast).
COPY_FROM = 64

#: Rows made and processed at a time while a COPY streams (psycopg sends every 32 KiB).
COPY_CHUNK = 256

Processor = Callable[[Any], Any]

#: Column types whose binary COPY form psycopg writes from the values the bind processors give
#: (anything else, such as a domain or an array, makes that table's COPY use the text form).
_BINARY_TYPES = frozenset(
    {
        *("bool", "int2", "int4", "int8", "float4", "float8", "numeric"),
        *("text", "varchar", "bpchar", "date", "timestamptz", "timestamp", "bytea"),
        *("json", "jsonb"),
    }
)
_COPY_TARGET = sa.text(
    "SELECT row_security_active(CAST(:table AS regclass)),"
    " ARRAY(SELECT a.atttypid::int FROM unnest(CAST(:columns AS text[])) WITH ORDINALITY"
    " AS c(name, n) JOIN pg_attribute a ON a.attrelid = CAST(:table AS regclass)"
    " AND a.attname = c.name ORDER BY c.n),"
    " ARRAY(SELECT t.typname::text FROM unnest(CAST(:columns AS text[])) WITH ORDINALITY"
    " AS c(name, n) JOIN pg_attribute a ON a.attrelid = CAST(:table AS regclass)"
    " AND a.attname = c.name JOIN pg_type t ON t.oid = a.atttypid ORDER BY c.n)"
)


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

    def execute(
        self, connection: sa.Connection, rows: Iterable[Sequence[Any]], count: int | None = None
    ) -> None:
        """Insert `rows`. They may be produced while they are written (a generator, with their
        `count`): on PostgreSQL the server then stores one chunk while the next is made."""
        if count is None:
            rows = rows if isinstance(rows, Sequence) else list(rows)
            count = len(rows)
        if not count:
            return
        if not self.postgresql or count < COPY_FROM:
            connection.exec_driver_sql(self._insert, self._prepare(list(rows)))
            return
        bound, types = self._copy_target(connection)
        if not bound:
            self._copy_rows(connection, rows, self._copy, types)
        else:
            create, copy, move, empty = self._stage
            connection.exec_driver_sql(create)
            self._copy_rows(connection, rows, copy, types)
            connection.exec_driver_sql(move)
            connection.exec_driver_sql(empty)

    def _copy_target(self, connection: sa.Connection) -> tuple[bool, tuple[int, ...] | None]:
        """Whether row-level security applies to this role and table (PostgreSQL refuses COPY
        FROM then), and the columns' type oids for a binary COPY (None when one of them has no
        binary form here). Asked each time: a policy may be added while the connection lives,
        and the unit of work's search path decides which table the name means."""
        bound, oids, names = connection.execute(
            _COPY_TARGET, {"table": self._regclass, "columns": list(self.columns)}
        ).one()
        if len(oids) != len(self.columns) or not _BINARY_TYPES.issuperset(names):
            return bool(bound), None
        return bool(bound), tuple(oids)

    def _prepare(self, rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        if not self._processors:
            return [tuple(r) for r in rows]
        columns = list(zip(*rows, strict=True))  # column-wise: one loop per processor
        for i, process in self._processors:
            columns[i] = _processed(columns[i], process)
        return list(zip(*columns, strict=True))

    def _copy_rows(
        self,
        connection: sa.Connection,
        rows: Iterable[Sequence[Any]],
        statement: str,
        types: tuple[int, ...] | None,
    ) -> None:
        """COPY `rows`, binary when the column `types` are known; processed a chunk at a time
        (column-wise, as `_prepare` does) so that making rows and storing them overlap."""
        driver = connection.connection.driver_connection
        assert driver is not None
        if types is not None:
            statement += " WITH (FORMAT binary)"
        try:
            with driver.cursor() as cursor:
                if types is not None:
                    for dumper in (_JsonBinary, _JsonbBinary):
                        cursor.adapters.register_dumper(None, dumper)
                with cursor.copy(statement) as copy:
                    if types is not None:
                        copy.set_types(types)
                    write = copy.write_row
                    source = iter(rows)
                    while chunk := list(islice(source, COPY_CHUNK)):
                        for row in self._prepare(chunk):
                            write(row)
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


class _JsonBinary(adapt.Dumper):
    """A `json` column's binary COPY form (its text) from JSON already serialised (the raw
    columns) or from the psycopg wrapper SQLAlchemy's bind processor makes."""

    format = pq.Format.BINARY
    oid = 114  # json

    def dump(self, obj: Any) -> bytes:
        return _json_text(obj).encode()


class _JsonbBinary(_JsonBinary):
    """A `jsonb` column's binary COPY form: a version byte (1), then the text."""

    oid = 3802  # jsonb

    def dump(self, obj: Any) -> bytes:
        return b"\x01" + _json_text(obj).encode()


def _json_text(obj: Any) -> str:
    if isinstance(obj, str):
        return obj
    if isinstance(obj, Json | Jsonb):
        text = (obj.dumps or json.dumps)(obj.obj)
        return text if isinstance(text, str) else bytes(text).decode()
    raise TypeError(f"no JSON text for a {type(obj).__name__}")
