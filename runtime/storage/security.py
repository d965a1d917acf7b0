"""Row-level security on PostgreSQL: the database itself keeps tenants apart.

Every table with a `tenant` column gets `ENABLE` and `FORCE ROW LEVEL SECURITY` (FORCE: the
table's owner is bound too) and one policy, `meshkit_tenant`, for every command:

    USING (tenant = current_setting('meshkit.tenant', true) OR
           current_setting('meshkit.tenant', true) = '*')
    WITH CHECK (the same)

`meshkit.tenant` is set per transaction by the engine (see `meshkit.runtime.database`): a unit
of work's tenant, or `*` for code that works across tenants. A session that never set it sees
and changes no rows. Superusers and roles with BYPASSRLS are not bound by any policy: the
application must connect as an ordinary role (docs/operations.md).

Applying is idempotent and cheap when nothing is missing: `Repository.create_tables` applies it
to the tables it creates, and so do the other creators of tables (`secure_tables`: content,
auth, series and its monthly partitions, EDA processing); `meshkit db upgrade` applies it to
every table of the schema after the revisions ran. SQLite has no row-level security; there
all of it is a no-op.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from meshkit.runtime.database import ALL_TENANTS, TENANT_SETTING

#: The policy's name; a changed expression gets a new name, and older ones are dropped.
POLICY = "meshkit_tenant"
TENANT_COLUMN = "tenant"
_OLD_POLICIES = "meshkit_tenant%"
_SCOPE = f"current_setting('{TENANT_SETTING}', true)"
#: The condition a row must meet to be seen, and a written row to be accepted.
CONDITION = f"({TENANT_COLUMN} = {_SCOPE} OR {_SCOPE} = '{ALL_TENANTS}')"


def tenant_tables(tables: Iterable[sa.Table]) -> list[str]:
    """The names of those `tables` that carry a tenant column (and so get the policy)."""
    return sorted(t.name for t in tables if TENANT_COLUMN in t.c)


def enable_row_level_security(
    connection: sa.Connection, tables: Iterable[str] | None = None
) -> list[str]:
    """Give `tables` (default: every table and partition of the current schema with a tenant
    column) the tenant policy where it is missing; the statements run. No-op off PostgreSQL.

    Needs the tables' owner (or a superuser) and runs in the caller's transaction."""
    if connection.dialect.name != "postgresql":
        return []
    wanted = None if tables is None else set(tables)
    rows = connection.execute(
        sa.text(
            """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   array_remove(array_agg(p.polname::text), NULL)
            FROM pg_class c
            JOIN pg_attribute a
              ON a.attrelid = c.oid AND a.attname = :column AND NOT a.attisdropped
            LEFT JOIN pg_policy p ON p.polrelid = c.oid AND p.polname LIKE :policies
            WHERE c.relnamespace = to_regnamespace(current_schema()) AND c.relkind IN ('r', 'p')
            GROUP BY c.relname, c.relrowsecurity, c.relforcerowsecurity
            ORDER BY c.relname
            """
        ),
        {"column": TENANT_COLUMN, "policies": _OLD_POLICIES},
    ).all()
    quote = connection.dialect.identifier_preparer.quote
    statements: list[str] = []
    for name, enabled, forced, policies in rows:
        if wanted is not None and name not in wanted:
            continue
        table = quote(name)
        if not enabled:
            statements.append(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        if not forced:
            statements.append(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        for old in sorted(set(policies) - {POLICY}):
            statements.append(f"DROP POLICY {quote(old)} ON {table}")
        if POLICY not in policies:
            statements.append(
                f"CREATE POLICY {POLICY} ON {table} USING {CONDITION} WITH CHECK {CONDITION}"
            )
    for statement in statements:
        connection.exec_driver_sql(statement)
    return statements


def secure_tables(connection: sa.Connection, tables: Iterable[sa.Table]) -> list[str]:
    """`enable_row_level_security` for those of `tables` that carry a tenant column: what a
    function creating its own tables (`metadata.create_all`) calls on the same connection."""
    return enable_row_level_security(connection, tenant_tables(tables))
