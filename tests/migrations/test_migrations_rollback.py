"""An upgrade runs in one transaction: a step failing midway leaves schema and data as they
were (PostgreSQL and SQLite both have transactional DDL)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from migration_models import elements, write_version
from sqlalchemy.engine import Engine

from meshkit.ck import CompiledModel
from meshkit.runtime import Repository
from meshkit.runtime.migrations import (
    MigrationError,
    Setup,
    applied_models,
    check_database,
    upgrade,
    write_revision,
)


def _schema(engine: Engine) -> dict[str, list[tuple[str, str]]]:
    inspector = sa.inspect(engine)
    return {
        table: [(c["name"], str(c["type"])) for c in inspector.get_columns(table)]
        for table in sorted(inspector.get_table_names())
    }


def test_a_failing_step_rolls_the_whole_upgrade_back(
    applied_v1: Setup, engine: Engine, v1: CompiledModel, tmp_path: Path
) -> None:
    repo = Repository(engine, v1)
    with repo.unit_of_work(tenant="t1", actor="test") as uow:
        ann = uow.create("Customer", {"name": "Ann", "points": "12"})
    content = elements()
    attributes = content["classes"]["Customer"]["attributes"]
    attributes["full_name"] = attributes.pop("name")  # runs first: a rename ...
    attributes["phone"] = "string"  # ... and a new column ...
    attributes["points"] = "int"  # ... then the conversion fails
    content["classes"]["Customer"]["indexes"] = [{"attributes": ["full_name"]}]
    migration = {
        "rename_attributes": {"Customer.name": "full_name"},
        "convert": {"Customer.points": {"sql": "no_such_function(points)"}},
    }
    v2 = write_version(tmp_path / "models", "2.0.0", content, migration, "1.0.0")
    setup = Setup(applied_v1.database_url, v2, versions=applied_v1.versions)
    write_revision(setup, "failing")
    before = _schema(engine)
    with engine.connect() as connection:
        versions_before = applied_models(connection)

    with pytest.raises(MigrationError, match="no_such_function"):
        upgrade(setup)

    assert _schema(engine) == before
    with engine.connect() as connection:
        assert applied_models(connection) == versions_before
        revision = connection.execute(sa.text("SELECT version_num FROM meshkit_alembic_version"))
        assert revision.scalar_one() == versions_before[0].revision
    check_database(engine, v1)
    with repo.unit_of_work(tenant="t1", actor="test") as uow:
        assert uow.get("Customer", ann["id"])["name"] == "Ann"
