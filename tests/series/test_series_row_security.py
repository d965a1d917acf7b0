"""The series tables under row-level security (PostgreSQL).

The test user `postgres` is a superuser, which row-level security ignores, so these tests load
and read as an ordinary role that owns the series tables (the recommended deployment,
docs/operations.md): FORCE ROW LEVEL SECURITY binds the owner too, and PostgreSQL refuses
COPY FROM into such tables, which the store's fast path used to do.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest
import sqlalchemy as sa
from series_frames import MP1, MP2, readings
from sqlalchemy import event

from meshkit.ck.model import CompiledModel
from meshkit.runtime import create_engine
from meshkit.runtime.database import begin_in_tenant
from meshkit.runtime.series import HISTORY_TABLE, VALUE_TABLE, SeriesStore
from meshkit.runtime.storage.security import POLICY

POSTGRESQL_ONLY = pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
JAN = datetime(2026, 1, 10, tzinfo=UTC)
FEB = datetime(2026, 2, 3, tzinfo=UTC)


@pytest.fixture
def role_store(database_url: str, energy_model: CompiledModel) -> Iterator[SeriesStore]:
    """A series store whose connections act as an ordinary role (no superuser, no BYPASSRLS)
    that created, and so owns, the series tables."""
    options = parse_qs(urlsplit(database_url).query)["options"][0]
    schema = options.split("search_path=", 1)[1]
    role = f"meshkit_series_{uuid.uuid4().hex[:12]}"
    admin = database_url.split("?", 1)[0]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} NOLOGIN NOSUPERUSER NOBYPASSRLS")
        conn.execute(f"GRANT USAGE, CREATE ON SCHEMA {schema} TO {role}")
    engine = create_engine(database_url)

    @event.listens_for(engine, "connect")
    def _as_role(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"SET ROLE {role}")
        dbapi_connection.commit()

    store = SeriesStore(engine, energy_model)
    store.create_tables()
    yield store
    engine.dispose()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP OWNED BY {role} CASCADE")
        conn.execute(f"DROP ROLE {role}")


def _policies(connection: sa.Connection) -> dict[str, tuple[bool, bool, list[str]]]:
    rows = connection.exec_driver_sql(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
        "array_remove(array_agg(p.polname::text), NULL) FROM pg_class c "
        "LEFT JOIN pg_policy p ON p.polrelid = c.oid "
        "WHERE c.relnamespace = to_regnamespace(current_schema()) "
        "AND c.relname LIKE 'meshkit_series_%%' AND c.relkind IN ('r', 'p') GROUP BY 1, 2, 3"
    )
    return {name: (enabled, forced, policies) for name, enabled, forced, policies in rows}


@POSTGRESQL_ONLY
def test_series_loads_and_reads_under_row_level_security(role_store: SeriesStore) -> None:
    store = role_store
    with store.engine.connect() as connection:
        assert connection.execute(
            sa.select(sa.func.row_security_active(VALUE_TABLE))
        ).scalar_one(), "the role must be bound by the policy, or this test proves nothing"
    # New data (the fast path: nothing stored in the range) for two tenants and two months.
    values = [Decimal(i) / 4 for i in range(200)]
    first = store.write_readings(readings(JAN, values), tenant="t1", source="MSG-1")
    assert (first.inserted, first.replaced) == (200, 0)
    store.write_readings(readings(FEB, [7, 8], metering_point=MP2), tenant="t1", source="MSG-2")
    store.write_readings(readings(JAN, [1, 2, 3]), tenant="t2", source="MSG-3")
    # A correction (the merge path: staging, history, update).
    corrected = store.write_readings(readings(JAN, [9, 9]), tenant="t1", source="MSG-4")
    assert (corrected.inserted, corrected.replaced, corrected.unchanged) == (0, 2, 0)

    end = datetime(2026, 3, 1, tzinfo=UTC)
    t1 = store.read("energy", None, None, JAN, end, tenant="t1")
    assert len(t1) == 202
    assert t1["value"].to_list()[:3] == [Decimal(9), Decimal(9), Decimal("0.5")]
    history = store.history("energy", MP1, None, JAN, tenant="t1")
    assert [str(s) for s in history["source"]] == ["MSG-1", "MSG-4"]  # by revision
    assert store.read("energy", None, None, JAN, end, tenant="t2")["value"].sum() == 6

    partitions = store.partitions()
    assert len(partitions) == 2
    with store.engine.connect() as connection:
        secured = _policies(connection)
        connection.rollback()
        # A transaction of t2, raw SQL without a tenant condition, on parents and partitions.
        with begin_in_tenant(connection, "t2"):
            for table in [VALUE_TABLE, HISTORY_TABLE, *partitions]:
                seen = connection.exec_driver_sql(f"SELECT DISTINCT tenant FROM {table}")
                assert set(seen.scalars()) <= {"t2"}, table
            with (
                pytest.raises(sa.exc.ProgrammingError, match="row-level security"),
                connection.begin_nested(),
            ):
                connection.exec_driver_sql(f"UPDATE {VALUE_TABLE} SET tenant = 't1'")
    history_partitions = [p.replace(VALUE_TABLE, HISTORY_TABLE) for p in partitions]
    for table in [VALUE_TABLE, HISTORY_TABLE, *partitions, *history_partitions]:
        assert secured[table] == (True, True, [POLICY]), table


@POSTGRESQL_ONLY
def test_series_load_into_a_callers_transaction_obeys_its_tenant(
    role_store: SeriesStore,
) -> None:
    store = role_store
    store.write_readings(readings(JAN, [1, 2]), tenant="t1", source="MSG-1")
    with (
        store.engine.connect() as connection,
        begin_in_tenant(connection, "t2"),
        pytest.raises(sa.exc.ProgrammingError, match="row-level security"),
    ):
        # The caller's transaction is t2's: the policy refuses t1's rows, on both paths.
        store.write_readings(readings(FEB, [5]), tenant="t1", source="MSG-2", connection=connection)
    assert store.read("energy", None, None, JAN, datetime(2026, 3, 1, tzinfo=UTC), tenant="t1")[
        "value"
    ].to_list() == [Decimal(1), Decimal(2)]
