"""Row-level security: on PostgreSQL the database itself keeps tenants apart.

The test user `postgres` is a superuser, and superusers ignore row-level security. So these
tests run the application as an ordinary role that owns its tables (the recommended
deployment, docs/operations.md): FORCE ROW LEVEL SECURITY binds the owner too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest
import sqlalchemy as sa
from runtime_grid import Grid
from sqlalchemy import event
from sqlalchemy.engine import Engine

from meshkit.ck import CompiledModel
from meshkit.runtime import Repository, create_engine
from meshkit.runtime.database import ALL_TENANTS, all_tenants, begin_in_tenant
from meshkit.runtime.storage.bulk import COPY_FROM
from meshkit.runtime.storage.security import POLICY, enable_row_level_security, tenant_tables

POSTGRESQL_ONLY = pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)


@dataclass
class AppRole:
    name: str
    url: str  # the test database's URL (as the superuser)
    schema: str

    def engine(self, **options: Any) -> Engine:
        """An engine whose every connection acts as the role."""
        engine = create_engine(self.url, **options)

        @event.listens_for(engine, "connect")
        def _as_role(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute(f"SET ROLE {self.name}")
            dbapi_connection.commit()

        return engine

    def raw(self) -> psycopg.Connection[Any]:
        """A plain connection as the role, not through meshkit: no tenant setting at all."""
        conn = psycopg.connect(self.url.split("?", 1)[0], autocommit=True)
        conn.execute(f"SET ROLE {self.name}")
        conn.execute(f"SET search_path = {self.schema}")
        return conn


@pytest.fixture
def app_role(database_url: str) -> Iterator[AppRole]:
    """An ordinary role (no superuser, no BYPASSRLS) that may create tables in the schema."""
    options = parse_qs(urlsplit(database_url).query)["options"][0]
    schema = options.split("search_path=", 1)[1]
    name = f"meshkit_app_{uuid.uuid4().hex[:12]}"
    admin = database_url.split("?", 1)[0]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {name} NOLOGIN NOSUPERUSER NOBYPASSRLS")
        conn.execute(f"GRANT USAGE, CREATE ON SCHEMA {schema} TO {name}")
    yield AppRole(name, database_url, schema)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP OWNED BY {name} CASCADE")
        conn.execute(f"DROP ROLE {name}")


@pytest.fixture
def owned_repo(app_role: AppRole, grid_model: CompiledModel) -> Iterator[Repository]:
    """A repository whose tables the ordinary role created (and so owns)."""
    engine = app_role.engine()
    repository = Repository(engine, grid_model)
    repository.create_tables()
    yield repository
    engine.dispose()


def _world(repo: Repository, tenant: str) -> dict[str, Any]:
    with repo.unit_of_work(tenant=tenant, actor="alice") as uow:
        grid = Grid(uow)
        point = grid.point(readings=1)
        person = uow.create("Person", {"name": "Huber", "first_name": tenant})
        uow.link(
            "Community", grid.community["id"], "members", person["id"], {"joined_on": "2024-01-01"}
        )
    return {"point": point, "person": person, "community": grid.community}


@POSTGRESQL_ONLY
def test_a_tenants_transaction_sees_and_changes_only_its_rows(
    owned_repo: Repository, app_role: AppRole
) -> None:
    one, two = _world(owned_repo, "t1"), _world(owned_repo, "t2")
    points = owned_repo.storage.of("MeteringPoint").table.name
    tables = tenant_tables(owned_repo.storage.metadata.tables.values())
    with owned_repo.engine.connect() as connection, begin_in_tenant(connection, "t2"):
        # Raw SQL, no tenant condition: only t2's rows, in every table with a tenant column.
        for table in tables:
            seen = connection.exec_driver_sql(f"SELECT DISTINCT tenant FROM {table}").scalars()
            assert set(seen) <= {"t2"}, table
        assert connection.exec_driver_sql(f"SELECT id FROM {points}").scalars().all() == [
            two["point"]["id"]
        ]
        updated = connection.exec_driver_sql(
            f"UPDATE {points} SET number = 'X' WHERE id = %s", (one["point"]["id"],)
        )
        assert updated.rowcount == 0
        deleted = connection.exec_driver_sql("DELETE FROM meshkit_audit WHERE tenant = 't1'")
        assert deleted.rowcount == 0
        with (
            pytest.raises(sa.exc.ProgrammingError, match="row-level security"),
            connection.begin_nested(),
        ):
            connection.exec_driver_sql(
                f"UPDATE {points} SET tenant = 't1' WHERE id = %s", (two["point"]["id"],)
            )
        with (
            pytest.raises(sa.exc.ProgrammingError, match="row-level security"),
            connection.begin_nested(),
        ):
            connection.exec_driver_sql(
                "INSERT INTO meshkit_audit (tenant, entity_id, class_qid, operation, actor, "
                "at, changes) VALUES ('t1', 'x', 'x', 'create', 'mallory', now(), '{}')"
            )
    with owned_repo.unit_of_work(tenant="t1", actor="alice") as uow:
        assert uow.get("MeteringPoint", one["point"]["id"]) == one["point"]
        assert len(uow.history(one["point"]["id"])) == 1


@POSTGRESQL_ONLY
def test_a_session_without_a_tenant_sees_nothing(
    owned_repo: Repository, app_role: AppRole, grid_model: CompiledModel
) -> None:
    _world(owned_repo, "t1")
    points = owned_repo.storage.of("MeteringPoint").table.name
    with app_role.raw() as conn:  # psql-like: never set meshkit.tenant
        assert conn.execute(f"SELECT count(*) FROM {points}").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM meshkit_outbox").fetchone() == (0,)
        cursor = conn.execute(f"UPDATE {points} SET number = 'X'")
        assert cursor.rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(
                "INSERT INTO meshkit_audit (tenant, entity_id, class_qid, operation, "
                "actor, at, changes) VALUES ('t1', 'x', 'x', 'c', 'm', now(), '{}')"
            )
    strict = app_role.engine(strict_tenancy=True)
    try:
        with strict.begin() as connection:
            assert connection.exec_driver_sql(f"SELECT count(*) FROM {points}").scalar() == 0
            all_tenants(connection)  # code that crosses tenants says so
            assert connection.exec_driver_sql(f"SELECT count(*) FROM {points}").scalar() == 1
        # The unit of work needs no help from the engine's default.
        with Repository(strict, grid_model).unit_of_work(tenant="t1", actor="a") as uow:
            assert uow.count("MeteringPoint") == 1
    finally:
        strict.dispose()


@POSTGRESQL_ONLY
def test_bulk_writes_work_under_row_level_security(owned_repo: Repository) -> None:
    # PostgreSQL refuses COPY FROM under row-level security: the bulk path must not use it.
    count = COPY_FROM * 2
    people = [{"name": f"P{i}", "first_name": "Anna"} for i in range(count)]
    with owned_repo.unit_of_work(tenant="t1", actor="alice") as uow:
        created = uow.create_many("Person", people)  # entities, audit rows and events
    with owned_repo.unit_of_work(tenant="t1", actor="alice") as uow:
        assert uow.count("Person") == count
        assert uow.history(created[-1]["id"])[0].changes["name"]["after"] == f"P{count - 1}"
    assert len(owned_repo.events.read(after=0, limit=count * 2)) == count
    with owned_repo.unit_of_work(tenant="t2", actor="bob") as uow:
        assert uow.count("Person") == 0


@POSTGRESQL_ONLY
def test_code_outside_a_unit_of_work_still_crosses_tenants(owned_repo: Repository) -> None:
    _world(owned_repo, "t1")
    _world(owned_repo, "t2")
    # The outbox's positions are gapless across tenants although each unit of work is scoped.
    with owned_repo.engine.connect() as connection:  # default engine: all tenants
        outbox = connection.exec_driver_sql(
            "SELECT position, tenant FROM meshkit_outbox ORDER BY position"
        ).all()
    assert [p for p, _ in outbox] == list(range(1, len(outbox) + 1))
    assert {t for _, t in outbox} == {"t1", "t2"}
    assert [e.tenant for e in owned_repo.events.read(after=0)] == [t for _, t in outbox]


@POSTGRESQL_ONLY
def test_policies_reach_existing_tables_once(database_url: str, grid_model: CompiledModel) -> None:
    engine = create_engine(database_url)
    repository = Repository(engine, grid_model)
    try:
        with engine.begin() as connection:  # tables made before row-level security existed
            repository.storage.metadata.create_all(connection)
            connection.exec_driver_sql(
                "CREATE POLICY meshkit_tenant_v0 ON meshkit_audit USING (true)"
            )
        expected = tenant_tables(repository.storage.metadata.tables.values())
        with engine.begin() as connection:
            statements = enable_row_level_security(connection)
            assert "DROP POLICY meshkit_tenant_v0 ON meshkit_audit" in statements
        with engine.begin() as connection:
            assert enable_row_level_security(connection) == []  # idempotent
            rows = connection.exec_driver_sql(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
                "array_agg(p.polname::text ORDER BY p.polname) "
                "FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid "
                "WHERE c.relnamespace = to_regnamespace(current_schema()) GROUP BY 1, 2, 3"
            ).all()
        assert sorted(r[0] for r in rows) == expected
        assert all(r[1] and r[2] and r[3] == [POLICY] for r in rows)
        assert "meshkit_consumer" not in expected  # no tenant column, no policy
        repository.create_tables()  # the runtime's own path is idempotent too
    finally:
        engine.dispose()


def test_a_unit_of_work_refuses_the_all_tenants_marker(repo: Repository) -> None:
    with (
        pytest.raises(ValueError, match="not a tenant"),
        repo.unit_of_work(tenant=ALL_TENANTS, actor="alice"),
    ):
        pass


def test_without_postgresql_the_policies_are_a_no_op(database_url: str) -> None:
    engine = create_engine(database_url, strict_tenancy=True)
    metadata = sa.MetaData()
    sa.Table("thing", metadata, sa.Column("tenant", sa.String(64)), sa.Column("n", sa.Integer()))
    try:
        with engine.connect() as connection, begin_in_tenant(connection, "t1"):
            metadata.create_all(connection)
            applied = enable_row_level_security(connection)
            assert (applied == []) is (engine.dialect.name == "sqlite")
            connection.exec_driver_sql("INSERT INTO thing (tenant, n) VALUES ('t1', 1)")
            assert connection.exec_driver_sql("SELECT count(*) FROM thing").scalar() == 1
    finally:
        engine.dispose()
