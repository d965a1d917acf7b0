"""`create_processing_tables` secures its tenant tables (PostgreSQL row-level security)."""

from __future__ import annotations

import sqlalchemy as sa

from meshkit.adapters.eda.processing.tables import create_processing_tables
from meshkit.runtime import create_engine
from meshkit.runtime.storage.security import POLICY, enable_row_level_security

TABLES = {"meshkit_eda_work", "meshkit_eda_phase", "meshkit_content"}


def test_processing_tables_get_the_tenant_policy(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        create_processing_tables(engine)
        create_processing_tables(engine)  # idempotent
        assert set(sa.inspect(engine).get_table_names()) >= TABLES
        if engine.dialect.name != "postgresql":
            return
        with engine.begin() as connection:
            rows = connection.exec_driver_sql(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
                "array_remove(array_agg(p.polname::text), NULL) FROM pg_class c "
                "LEFT JOIN pg_policy p ON p.polrelid = c.oid "
                "WHERE c.relnamespace = to_regnamespace(current_schema()) "
                "AND c.relkind = 'r' GROUP BY 1, 2, 3"
            ).all()
            assert {r[0]: tuple(r[1:]) for r in rows if r[0] in TABLES} == {
                name: (True, True, [POLICY]) for name in TABLES
            }
            assert enable_row_level_security(connection) == []  # nothing left to add
    finally:
        engine.dispose()
