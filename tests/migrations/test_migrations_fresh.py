"""A fresh database: `upgrade` creates the tables and records the model; the runtime's check
refuses a database that does not match, naming the command to run."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from migration_models import elements, write_version
from sqlalchemy.engine import Engine

from meshkit.ck import CompiledModel
from meshkit.runtime import Repository
from meshkit.runtime.migrations import (
    REVISION_TABLE,
    VERSION_TABLE,
    DatabaseMismatchError,
    MigrationError,
    Setup,
    applied_models,
    check_database,
    downgrade,
    fingerprint,
    status,
    upgrade,
    write_revision,
)


def test_fresh_upgrade_creates_the_tables_and_records_the_version(
    applied_v1: Setup, engine: Engine, v1: CompiledModel
) -> None:
    tables = set(sa.inspect(engine).get_table_names())
    assert {"shop__customer", "shop__order", "system__tenant", "meshkit_audit"} <= tables
    assert {VERSION_TABLE, REVISION_TABLE} <= tables
    with engine.connect() as connection:
        rows = {row.model: row for row in applied_models(connection)}
    assert {name: row.version for name, row in rows.items()} == {
        "shop": "1.0.0",
        "system": v1.models["system"].version,  # the built-in one the shop depends on
    }
    assert rows["shop"].is_root and rows["shop"].fingerprint == fingerprint(v1)
    check_database(engine, v1)
    # the tables work with the runtime as they are
    repo = Repository(engine, v1)
    with repo.unit_of_work(tenant="t1", actor="test") as uow:
        created = uow.create("Customer", {"name": "Ann", "kind": "company", "price": "1.25"})
    with repo.unit_of_work(tenant="t1", actor="test") as uow:
        assert uow.get("Customer", created["id"])["kind"] == "company"


def test_revisions_are_deterministic(tmp_path: Path, v1: CompiledModel, database_url: str) -> None:
    first = write_revision(Setup(database_url, v1, versions=tmp_path / "a"), "create tables")
    second = write_revision(Setup(database_url, v1, versions=tmp_path / "b"), "create tables")
    assert first is not None and second is not None
    assert first.name == second.name
    assert first.read_text() == second.read_text()
    snapshot = first.with_name(first.name.split("_", 1)[0] + ".model.json")
    assert snapshot.read_bytes() == second.with_name(snapshot.name).read_bytes()
    # nothing changed: no new revision
    assert write_revision(Setup(database_url, v1, versions=tmp_path / "a"), "again") is None


def test_check_database_refuses_an_empty_database(engine: Engine, v1: CompiledModel) -> None:
    with pytest.raises(DatabaseMismatchError, match="meshkit db upgrade") as raised:
        check_database(engine, v1)
    assert "no meshkit model" in str(raised.value)


def test_check_database_refuses_another_version(
    applied_v1: Setup, engine: Engine, tmp_path: Path
) -> None:
    content = elements()
    content["classes"]["Customer"]["attributes"]["phone"] = "string"
    v2 = write_version(tmp_path / "models", "1.1.0", content)
    with pytest.raises(DatabaseMismatchError) as raised:
        check_database(engine, v2)
    message = str(raised.value)
    assert "shop is at 1.0.0 in the database, 1.1.0 here" in message
    assert "`meshkit db upgrade`" in message
    assert status(Setup(applied_v1.database_url, v2, versions=applied_v1.versions)).unwritten


def test_check_database_refuses_a_changed_model_of_the_same_version(
    applied_v1: Setup, engine: Engine, tmp_path: Path
) -> None:
    content = elements()
    content["classes"]["Customer"]["attributes"]["phone"] = "string"
    same_version = write_version(tmp_path / "other", "1.0.0", content)
    with pytest.raises(DatabaseMismatchError, match="without a version bump"):
        check_database(engine, same_version)


def test_downgrade_to_base_empties_the_database(applied_v1: Setup, engine: Engine) -> None:
    downgrade(applied_v1, "base")
    tables = set(sa.inspect(engine).get_table_names())
    assert "shop__customer" not in tables
    with engine.connect() as connection:
        assert applied_models(connection) == []


def test_upgrade_without_revisions_says_what_to_do(
    database_url: str, v1: CompiledModel, versions: Path
) -> None:
    with pytest.raises(MigrationError, match="meshkit db revision"):
        upgrade(Setup(database_url, v1, versions=versions))
