"""`meshkit db upgrade` gives every tenant table the row-level security policy (PostgreSQL)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from meshkit.runtime.migrations import Setup, upgrade
from meshkit.runtime.storage.security import POLICY

POSTGRESQL_ONLY = pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)

_TENANT_TABLES = """
SELECT c.relname, c.relrowsecurity AND c.relforcerowsecurity,
       array_remove(array_agg(p.polname::text), NULL)
FROM pg_class c
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant'
LEFT JOIN pg_policy p ON p.polrelid = c.oid
WHERE c.relnamespace = to_regnamespace(current_schema()) AND c.relkind IN ('r', 'p')
GROUP BY 1, 2 ORDER BY 1
"""


@POSTGRESQL_ONLY
def test_upgrade_puts_the_policy_on_every_tenant_table(applied_v1: Setup, engine: Engine) -> None:
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(_TENANT_TABLES).all()
    # The model's tables and the platform's (audit, outbox, series): every one is secured.
    names = [r[0] for r in rows]
    assert {"meshkit_audit", "meshkit_outbox"} <= set(names)
    assert {"meshkit_series_value", "meshkit_series_history"} <= set(names)
    assert [n for n in names if not n.startswith("meshkit_")]
    assert rows == [(n, True, [POLICY]) for n in names]


@POSTGRESQL_ONLY
def test_upgrade_secures_tables_an_older_release_left_open(
    applied_v1: Setup, engine: Engine
) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP POLICY meshkit_tenant ON meshkit_audit")
        connection.exec_driver_sql("ALTER TABLE meshkit_audit NO FORCE ROW LEVEL SECURITY")
    upgrade(applied_v1)  # nothing left to migrate: the policies are still checked
    with engine.connect() as connection:
        row = connection.execute(
            sa.text(_TENANT_TABLES.replace("ORDER BY 1", "HAVING c.relname = 'meshkit_audit'"))
        ).one()
    assert row == ("meshkit_audit", True, [POLICY])
