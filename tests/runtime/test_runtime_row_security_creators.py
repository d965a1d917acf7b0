"""Tables created outside `Repository.create_tables` get the tenant policy too (PostgreSQL).

Content, auth and series tables are created by functions of their own; each must leave its
tenant tables with row-level security enabled and forced and the `meshkit_tenant` policy, and
be idempotent. On SQLite (no row-level security) they just create the tables.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from meshkit.runtime import create_engine
from meshkit.runtime.auth.store import create_auth_tables
from meshkit.runtime.content import create_content_tables
from meshkit.runtime.series.tables import create_series_tables
from meshkit.runtime.storage.security import POLICY, enable_row_level_security

CREATORS: dict[str, tuple[Callable[[Engine], None], set[str]]] = {
    "content": (create_content_tables, {"meshkit_content"}),
    "auth": (create_auth_tables, {"auth_account", "auth_api_key"}),
    "series": (create_series_tables, {"meshkit_series_value", "meshkit_series_history"}),
}


def secured_tables(connection: sa.Connection) -> dict[str, tuple[bool, bool, list[str]]]:
    """Every table of the schema: (row security enabled, forced, policy names)."""
    rows = connection.exec_driver_sql(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
        "array_remove(array_agg(p.polname::text), NULL) FROM pg_class c "
        "LEFT JOIN pg_policy p ON p.polrelid = c.oid "
        "WHERE c.relnamespace = to_regnamespace(current_schema()) AND c.relkind IN ('r', 'p') "
        "GROUP BY 1, 2, 3"
    )
    return {name: (enabled, forced, policies) for name, enabled, forced, policies in rows}


@pytest.mark.parametrize("creator", sorted(CREATORS))
def test_table_creators_secure_their_tenant_tables(database_url: str, creator: str) -> None:
    create, names = CREATORS[creator]
    engine = create_engine(database_url)
    try:
        create(engine)
        create(engine)  # idempotent
        assert names <= set(sa.inspect(engine).get_table_names())
        if engine.dialect.name != "postgresql":
            return
        with engine.begin() as connection:
            tables = secured_tables(connection)
            assert {n: tables[n] for n in names} == {n: (True, True, [POLICY]) for n in names}
            assert enable_row_level_security(connection) == []  # nothing left to add
    finally:
        engine.dispose()
