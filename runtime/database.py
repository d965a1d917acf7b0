"""Connecting to the database: one code path for embedded SQLite and PostgreSQL (psycopg 3).

SQLite is the default — a file in the data folder, no server. PostgreSQL URLs written the usual
way (`postgresql://`, `postgres://`) are normalised to the psycopg 3 driver.

Tenant scope (PostgreSQL): every transaction of an engine made here starts by setting
`meshkit.tenant` for itself (`set_config(..., true)`, i.e. SET LOCAL), which the row-level
security policies of `meshkit.runtime.storage.security` compare each row's tenant with. A unit
of work sets its tenant; any other transaction gets `*` (all tenants: migrations, the outbox
publisher, routing of inbound messages, admin commands) — or, with `strict_tenancy=True`,
nothing, so it sees no tenant's rows until it calls `all_tenants(connection)`. A session that
does not come through this module (psql, a reporting tool) sees nothing until it sets the tenant.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url

DEFAULT_DATA_DIR = Path("data")
SQLITE_FILE_NAME = "meshkit.sqlite"

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

#: The transaction-local setting the row-level security policies read.
TENANT_SETTING = "meshkit.tenant"
#: Its value for a transaction that may read and write every tenant's rows.
ALL_TENANTS = "*"
_NEXT_TENANT = "meshkit.next_tenant"  # connection.info: the scope of the next transaction
_SET_TENANT = f"SELECT set_config('{TENANT_SETTING}', %s, true)"


def default_sqlite_url(data_dir: Path = DEFAULT_DATA_DIR) -> str:
    """The embedded database: `<data_dir>/meshkit.sqlite`."""
    return f"sqlite:///{data_dir / SQLITE_FILE_NAME}"


def normalise_url(url: str | URL) -> URL:
    """The URL with the psycopg 3 driver for PostgreSQL; other URLs unchanged."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def create_engine(
    url: str | URL | None = None,
    *,
    data_dir: Path = DEFAULT_DATA_DIR,
    schema: str | None = None,
    strict_tenancy: bool = False,
    **engine_args: Any,
) -> Engine:
    """An engine for `url` (default: the SQLite file in `data_dir`).

    `schema` (PostgreSQL only) puts every connection's search_path on that schema, so the same
    unqualified tables live in it — used to keep tenants of a test run, or deployments, apart.
    `strict_tenancy` (PostgreSQL only): a transaction outside a unit of work sees no tenant's
    rows (under row-level security) unless it calls `all_tenants(connection)` first.
    """
    parsed = normalise_url(url if url is not None else default_sqlite_url(data_dir))
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, **engine_args)
    if parsed.get_backend_name() == "postgresql":
        return _postgresql_engine(parsed, schema, strict_tenancy, **engine_args)
    raise ValueError(
        f"unsupported database '{parsed.get_backend_name()}': use sqlite:///path/to/file.sqlite "
        "or postgresql://user@host/database"
    )


def _sqlite_engine(url: URL, **engine_args: Any) -> Engine:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, **engine_args)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling breaks SAVEPOINTs; SQLAlchemy issues BEGIN instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")  # safe with WAL, much faster commits
        cursor.execute("PRAGMA busy_timeout = 5000")
        # `like` is case-sensitive on PostgreSQL; make SQLite agree (ilike lowers both sides).
        cursor.execute("PRAGMA case_sensitive_like = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        at_once = connection.get_execution_options().get(WRITE_AT_ONCE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if at_once else "BEGIN")

    return engine


#: Execution option (SQLite): begin with BEGIN IMMEDIATE. A deferred transaction that reads and
#: then writes fails at once with "database is locked" if another connection committed in
#: between (WAL: its snapshot is stale, and SQLite does not wait for that); an immediate one
#: takes the write lock first, waiting up to busy_timeout for a writer to finish.
WRITE_AT_ONCE = "meshkit_write_at_once"


def for_writing(engine: Engine) -> Engine:
    """`engine` for transactions that read and then write (sign-ins, sessions): on SQLite
    they take the write lock when they begin; other databases are unchanged."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(**{WRITE_AT_ONCE: True})


def _postgresql_engine(
    url: URL, schema: str | None, strict_tenancy: bool, **engine_args: Any
) -> Engine:
    connect_args: dict[str, Any] = dict(engine_args.pop("connect_args", {}))
    if schema is not None:
        if not _SCHEMA_NAME.match(schema):
            raise ValueError(f"schema name '{schema}' must be lower-case letters, digits and _")
        # Set at connection start, so DDL, queries and every pooled connection agree.
        connect_args["options"] = f"-c search_path={schema}"
    engine = sa.create_engine(url, connect_args=connect_args, **engine_args)
    unscoped = None if strict_tenancy else ALL_TENANTS

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        # Popped: `info` belongs to the pooled DBAPI connection and outlives this checkout.
        tenant = connection.info.pop(_NEXT_TENANT, unscoped)
        if tenant is not None:
            connection.exec_driver_sql(_SET_TENANT, (tenant,))

    return engine


def begin_in_tenant(connection: sa.Connection, tenant: str) -> sa.RootTransaction:
    """Begin a transaction scoped to `tenant` on PostgreSQL (plain `begin()` elsewhere).

    The engine's begin listener sets it, in the one statement it runs for every transaction
    (`*` or nothing otherwise), so scoping costs no round trip of its own."""
    if not is_postgresql(connection):
        return connection.begin()
    connection.info[_NEXT_TENANT] = tenant
    try:
        transaction = connection.begin()
    finally:
        # Never left for another checkout; still there if the engine was not made here.
        unconsumed = connection.info.pop(_NEXT_TENANT, None) is not None
    if unconsumed:
        set_tenant(connection, tenant)
    return transaction


def set_tenant(connection: sa.Connection, tenant: str) -> None:
    """Scope the rest of the current transaction to `tenant` (`ALL_TENANTS`: every tenant).
    PostgreSQL only; SQLite has no row-level security and ignores it."""
    if is_postgresql(connection):
        connection.exec_driver_sql(_SET_TENANT, (tenant,))


def all_tenants(connection: sa.Connection) -> None:
    """Let the rest of the current transaction read and write every tenant's rows — for code
    that legitimately crosses tenants on an engine made with `strict_tenancy=True`."""
    set_tenant(connection, ALL_TENANTS)


def is_postgresql(engine: Engine | sa.Connection) -> bool:
    return engine.dialect.name == "postgresql"
